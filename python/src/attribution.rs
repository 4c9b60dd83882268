//! `emergent.attribute`: the command line's `emergent attribute --features …`, over a table
//! Python hands over (Arrow, not copied) or a file or run directory, calling the same library
//! functions (`emergent_attribution::attribute`, `tier_shares`, the `emergent_io` readers, the
//! runner's `--baseline` and `--tiers` parsing). Everything after taking the Python arguments
//! apart (building and checking the table, reading files, attributing, tier shares, writing
//! `out`) runs without the GIL.

use std::path::{Path, PathBuf};
use std::time::Instant;

use arrow_array::{ArrayRef, RecordBatch};
use emergent_attribution::{
    Attribution, Baseline, FeatureTable, Indicator, Method, NoProgress, Options, TierShare,
    attribute_with_progress, tier_shares,
};
use emergent_io::IdColumn;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};

use crate::arrow_in::{self, Ids};
use crate::arrow_out;
use crate::errors::{EmergentError, message, to_py};

/// The column tiers rank by when `tier_by` is not given (the CLI's default).
const DEFAULT_TIER_BY: &str = "followers";

/// Where the features come from: an Arrow stream or a path (file or run directory).
enum Source {
    Arrow(Vec<RecordBatch>),
    Path(PathBuf),
}

impl Source {
    fn of(obj: &Bound<'_, PyAny>) -> PyResult<Source> {
        if let Ok(capsule) = obj.cast::<PyCapsule>() {
            return Ok(Source::Arrow(arrow_in::read_stream(capsule)?));
        }
        Ok(Source::Path(obj.extract::<PathBuf>()?))
    }

    fn run_dir(&self) -> Option<&Path> {
        match self {
            Source::Path(p) if p.is_dir() => Some(p),
            _ => None,
        }
    }

    /// The table and its ids as Arrow (shared when they came as Arrow, else made from the
    /// table's ids for the result).
    fn table(&self, ids: &IdColumn, uses: &[String]) -> PyResult<(FeatureTable, ArrayRef)> {
        let read = match self {
            Source::Arrow(batches) => {
                // The default tier column is read when present, as the file readers do.
                let mut uses = uses.to_vec();
                if has_column(batches, DEFAULT_TIER_BY) {
                    uses.push(DEFAULT_TIER_BY.to_string());
                }
                return arrow_in::feature_table(batches, &ids_of(ids), &uses);
            }
            Source::Path(p) if p.is_dir() => emergent_io::read_dataset(p, "features", ids),
            Source::Path(p) => emergent_io::read_table_for(p, ids, uses),
        };
        let table = read.map_err(to_py)?;
        let id_array = arrow_out::id_array(table.ids());
        Ok((table, id_array))
    }
}

fn ids_of(ids: &IdColumn) -> Ids<'_> {
    match ids {
        IdColumn::Named(n) => Ids::Named(n),
        IdColumn::Default => Ids::Default,
    }
}

/// `baseline=` as Python gave it: the CLI's `--baseline` text (parsed by the runner, as the
/// CLI's is), a `{column: value}` dict, or a table with the same ids.
enum BaselineArg {
    Text(String),
    Constants(Vec<(String, f64)>),
    Arrow(Vec<RecordBatch>),
}

impl BaselineArg {
    fn of(obj: &Bound<'_, PyAny>) -> PyResult<BaselineArg> {
        if let Ok(capsule) = obj.cast::<PyCapsule>() {
            return Ok(BaselineArg::Arrow(arrow_in::read_stream(capsule)?));
        }
        if let Ok(dict) = obj.cast::<PyDict>() {
            let constants = dict
                .iter()
                .map(|(k, v)| Ok((k.extract::<String>()?, v.extract::<f64>()?)))
                .collect::<PyResult<_>>()?;
            return Ok(BaselineArg::Constants(constants));
        }
        obj.extract::<PathBuf>()
            .map(|p| BaselineArg::Text(p.to_string_lossy().into_owned()))
            .map_err(|_| {
                EmergentError::new_err(
                    "baseline: give zero, mean, min, initial, \"COL=V,…\", a {column: value} dict, a table or a path",
                )
            })
    }

    /// The baseline and the name reports give it (`initial` for a run's first tick).
    fn resolve(
        &self,
        ids: &IdColumn,
        uses: &[String],
        run_dir: Option<&Path>,
    ) -> PyResult<(Baseline, String)> {
        let b = match self {
            BaselineArg::Text(text) => {
                let b =
                    emergent_runner::study::parse_baseline(text, ids, run_dir).map_err(to_py)?;
                if text == "initial" {
                    return Ok((b, "initial".to_string()));
                }
                b
            }
            BaselineArg::Constants(c) => Baseline::Constants(c.clone()),
            BaselineArg::Arrow(batches) => {
                Baseline::Table(arrow_in::feature_table(batches, &ids_of(ids), uses)?.0)
            }
        };
        let name = b.name();
        Ok((b, name))
    }
}

/// The attribution request, every flag of `emergent attribute` but the benchmarking `--repeat`.
pub struct Request {
    pub indicator: String,
    pub method: String,
    pub steps: usize,
    pub tol: Option<f64>,
    pub permutations: usize,
    pub seed: u64,
    pub id_col: Option<String>,
    pub tier_by: Option<String>,
    pub tiers: Vec<f64>,
    pub out: Option<PathBuf>,
    pub force: bool,
}

impl Request {
    fn ids(&self) -> IdColumn {
        match &self.id_col {
            Some(c) => IdColumn::Named(c.clone()),
            None => IdColumn::Default,
        }
    }

    fn options(&self, method: Method) -> Options {
        Options {
            method,
            steps: self.steps,
            tol: self.tol,
            permutations: self.permutations,
            seed: self.seed,
            ..Options::default()
        }
    }
}

/// What the work without the GIL made, and how long each part took.
struct Done {
    table: FeatureTable,
    id_array: ArrayRef,
    base_name: String,
    a: Attribution,
    tier_col: Option<String>,
    tiers: Option<Vec<TierShare>>,
    /// Building and checking the table (and reading it, from a file); the attribution (the
    /// CLI's `seconds`); the tier shares.
    table_seconds: f64,
    seconds: f64,
    tier_seconds: f64,
}

/// Attributes `features` (an Arrow stream capsule or a path) against `baseline` (a name, a
/// `{column: value}` dict, an Arrow stream capsule or a path) and returns the summary the
/// CLI's `--json` prints, with `phi` as an Arrow table.
pub fn attribute<'py>(
    py: Python<'py>,
    features: &Bound<'py, PyAny>,
    baseline: &Bound<'py, PyAny>,
    req: Request,
) -> PyResult<Bound<'py, PyDict>> {
    let indicator = Indicator::parse(&req.indicator).map_err(|e| to_py_context("indicator", e))?;
    let method: Method = req.method.parse().map_err(EmergentError::new_err)?;
    emergent_runner::study::check_tiers(&req.tiers).map_err(to_py)?;
    let source = Source::of(features)?;
    let base = BaselineArg::of(baseline)?;
    if let Some(out) = &req.out {
        check_output(out, &source, &base, req.force)?;
    }
    let done = py.detach(|| compute(&source, &base, &indicator, method, &req))?;
    summary(py, done, req)
}

/// Everything between the arguments and the result, without the GIL.
fn compute(
    source: &Source,
    base: &BaselineArg,
    indicator: &Indicator,
    method: Method,
    req: &Request,
) -> PyResult<Done> {
    let ids = req.ids();
    let mut uses = indicator.columns().to_vec();
    uses.extend(req.tier_by.iter().cloned());
    let started = Instant::now();
    let (table, id_array) = source.table(&ids, &uses)?;
    let (baseline, base_name) = base.resolve(&ids, &uses, source.run_dir())?;
    let table_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let result = attribute_with_progress(
        &table,
        indicator,
        &baseline,
        &req.options(method),
        &NoProgress,
    );
    let seconds = started.elapsed().as_secs_f64();
    let a = result.map_err(|e| {
        EmergentError::new_err(format!("attributing `{indicator}`: {}", message(&e)))
    })?;
    let tier_col = match &req.tier_by {
        Some(c) => Some(table.require(c).map(|_| c.clone()).map_err(to_py)?),
        None => table
            .column(DEFAULT_TIER_BY)
            .map(|_| DEFAULT_TIER_BY.to_string()),
    };
    let started = Instant::now();
    let tiers = tier_col
        .as_ref()
        .map(|c| tier_shares(&a.phi, table.column(c).unwrap_or_default(), &req.tiers));
    let tier_seconds = started.elapsed().as_secs_f64();
    if let Some(out) = &req.out {
        write_phi(out, &id_name(req), &table, &a)?;
    }
    Ok(Done {
        table,
        id_array,
        base_name,
        a,
        tier_col,
        tiers,
        table_seconds,
        seconds,
        tier_seconds,
    })
}

fn id_name(req: &Request) -> String {
    req.id_col
        .clone()
        .unwrap_or_else(|| IdColumn::DEFAULT_NAME.to_string())
}

/// The CLI's `--json` keys, φ as Arrow, and the timings.
fn summary(py: Python<'_>, done: Done, req: Request) -> PyResult<Bound<'_, PyDict>> {
    let a = &done.a;
    let dict = PyDict::new(py);
    dict.set_item("indicator", &a.indicator)?;
    dict.set_item("value", a.value)?;
    dict.set_item("baseline", &done.base_name)?;
    dict.set_item("baseline_value", a.baseline_value)?;
    dict.set_item("sum_phi", a.sum_phi)?;
    dict.set_item("completeness_gap", a.completeness_gap)?;
    dict.set_item("method", a.method.name())?;
    dict.set_item("steps", a.steps)?;
    dict.set_item("permutations", a.permutations)?;
    dict.set_item("n_agents", done.table.len())?;
    dict.set_item("table_seconds", done.table_seconds)?;
    dict.set_item("seconds", done.seconds)?;
    dict.set_item("tier_seconds", done.tier_seconds)?;
    dict.set_item("tier_by", &done.tier_col)?;
    let tiers_json = serde_json::to_string(&done.tiers).map_err(to_py)?;
    dict.set_item("tiers_json", tiers_json)?;
    dict.set_item("out", &req.out)?;
    drop(done.table); // the ids and columns it shares stay alive in Python
    dict.set_item("phi", phi_table(&id_name(&req), done.id_array, done.a)?)?;
    Ok(dict)
}

fn to_py_context(what: &str, e: impl std::error::Error) -> PyErr {
    EmergentError::new_err(format!("{what}: {}", message(&e)))
}

fn has_column(batches: &[RecordBatch], name: &str) -> bool {
    batches
        .first()
        .is_some_and(|b| b.schema().index_of(name).is_ok())
}

/// φ per agent, then φ per column as `phi_<column>`, keyed by the agent ids (the CLI's
/// `--out` columns), moved into Arrow.
fn phi_table(id_name: &str, id_array: ArrayRef, a: Attribution) -> PyResult<arrow_out::ArrowTable> {
    let mut cols = vec![("phi".to_string(), a.phi)];
    for (name, v) in a.columns.iter().zip(a.phi_by_column) {
        cols.push((format!("phi_{name}"), v));
    }
    arrow_out::table(id_name, id_array, cols)
}

fn write_phi(out: &Path, id_name: &str, table: &FeatureTable, a: &Attribution) -> PyResult<()> {
    let mut cols: Vec<(String, &[f64])> = vec![("phi".to_string(), a.phi.as_slice())];
    for (name, v) in a.columns.iter().zip(&a.phi_by_column) {
        cols.push((format!("phi_{name}"), v.as_slice()));
    }
    emergent_io::write_table(out, id_name, table.ids(), &cols).map_err(to_py)
}

/// Refuse an output we could not, or must not, write before doing the work.
fn check_output(out: &Path, source: &Source, base: &BaselineArg, force: bool) -> PyResult<()> {
    match out.extension().and_then(|e| e.to_str()) {
        Some("csv") | Some("parquet") => {}
        _ => {
            return Err(EmergentError::new_err(format!(
                "out {}: use a .csv or .parquet file name",
                out.display()
            )));
        }
    }
    let mut inputs = Vec::new();
    if let Source::Path(p) = source {
        inputs.push(p.clone());
    }
    if let BaselineArg::Text(t) = base
        && Path::new(t).is_file()
    {
        inputs.push(PathBuf::from(t));
    }
    emergent_io::check_output_path(out, &inputs, force).map_err(to_py)
}

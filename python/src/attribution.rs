//! `emergent.attribute`: the command line's `emergent attribute --features …`, over a table
//! Python hands over (Arrow, not copied) or a file or run directory, calling the same library
//! functions (`emergent_attribution::attribute`, `tier_shares`, `emergent_io` readers).

use std::path::{Path, PathBuf};
use std::time::Instant;

use arrow_array::ArrayRef;
use emergent_attribution::{
    Attribution, Baseline, FeatureTable, Indicator, Method, NoProgress, Options,
    attribute_with_progress, tier_shares,
};
use emergent_io::IdColumn;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};

use crate::arrow_in::{self, Ids};
use crate::arrow_out;
use crate::errors::{EmergentError, to_py};

/// The column tiers rank by when `tier_by` is not given (the CLI's default).
const DEFAULT_TIER_BY: &str = "followers";

/// Where the features come from: an Arrow stream or a path (file or run directory).
enum Source {
    Arrow(Vec<arrow_array::RecordBatch>),
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

    /// The table, and its Arrow id column when it came as Arrow.
    fn table(&self, ids: &IdColumn, uses: &[String]) -> PyResult<(FeatureTable, Option<ArrayRef>)> {
        match self {
            Source::Arrow(batches) => {
                // The default tier column is read when present, as the file readers do.
                let mut uses = uses.to_vec();
                if has_column(batches, DEFAULT_TIER_BY) {
                    uses.push(DEFAULT_TIER_BY.to_string());
                }
                arrow_in::feature_table(batches, &ids_of(ids), &uses)
            }
            Source::Path(p) if p.is_dir() => emergent_io::read_dataset(p, "features", ids)
                .map(|t| (t, None))
                .map_err(to_py),
            Source::Path(p) => emergent_io::read_table_for(p, ids, uses)
                .map(|t| (t, None))
                .map_err(to_py),
        }
    }
}

fn ids_of(ids: &IdColumn) -> Ids<'_> {
    match ids {
        IdColumn::Named(n) => Ids::Named(n),
        IdColumn::Default => Ids::Default,
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
    check_tiers(&req.tiers)?;
    let ids = match &req.id_col {
        Some(c) => IdColumn::Named(c.clone()),
        None => IdColumn::Default,
    };
    let mut uses = indicator.columns().to_vec();
    uses.extend(req.tier_by.iter().cloned());
    let source = Source::of(features)?;
    if let Some(out) = &req.out {
        check_output(out, &source, baseline, req.force)?;
    }
    let (table, id_array) = source.table(&ids, &uses)?;
    let (base, base_name) = parse_baseline(baseline, &ids, &uses, source.run_dir())?;
    let opts = Options {
        method,
        steps: req.steps,
        tol: req.tol,
        permutations: req.permutations,
        seed: req.seed,
        ..Options::default()
    };
    let started = Instant::now();
    let result =
        py.detach(|| attribute_with_progress(&table, &indicator, &base, &opts, &NoProgress));
    let seconds = started.elapsed().as_secs_f64();
    let a = result.map_err(|e| {
        EmergentError::new_err(format!(
            "attributing `{indicator}`: {}",
            crate::errors::message(&e)
        ))
    })?;
    let tier_col = match &req.tier_by {
        Some(c) => Some(table.require(c).map(|_| c.clone()).map_err(to_py)?),
        None => table
            .column(DEFAULT_TIER_BY)
            .map(|_| DEFAULT_TIER_BY.to_string()),
    };
    let tiers_started = Instant::now();
    let tiers = tier_col
        .as_ref()
        .map(|c| tier_shares(&a.phi, table.column(c).unwrap_or_default(), &req.tiers));
    let tier_seconds = tiers_started.elapsed().as_secs_f64();
    let id_name = req
        .id_col
        .clone()
        .unwrap_or_else(|| IdColumn::DEFAULT_NAME.to_string());
    if let Some(out) = &req.out {
        write_phi(out, &id_name, &table, &a)?;
    }
    let dict = PyDict::new(py);
    dict.set_item("indicator", &a.indicator)?;
    dict.set_item("value", a.value)?;
    dict.set_item("baseline", base_name)?;
    dict.set_item("baseline_value", a.baseline_value)?;
    dict.set_item("sum_phi", a.sum_phi)?;
    dict.set_item("completeness_gap", a.completeness_gap)?;
    dict.set_item("method", a.method.name())?;
    dict.set_item("steps", a.steps)?;
    dict.set_item("permutations", a.permutations)?;
    dict.set_item("n_agents", table.len())?;
    dict.set_item("seconds", seconds)?;
    dict.set_item("tier_seconds", tier_seconds)?;
    dict.set_item("tier_by", tier_col)?;
    let tiers_json = serde_json::to_string(&tiers).map_err(to_py)?;
    dict.set_item("tiers_json", tiers_json)?;
    dict.set_item("out", req.out)?;
    let id_array = id_array.unwrap_or_else(|| arrow_out::id_array(table.ids()));
    dict.set_item("phi", phi_table(&id_name, id_array, a)?)?;
    Ok(dict)
}

fn to_py_context(what: &str, e: impl std::error::Error) -> PyErr {
    EmergentError::new_err(format!("{what}: {}", crate::errors::message(&e)))
}

fn has_column(batches: &[arrow_array::RecordBatch], name: &str) -> bool {
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

/// The CLI's `--tiers` check: increasing fractions strictly between 0 and 1.
fn check_tiers(cuts: &[f64]) -> PyResult<()> {
    if cuts.is_empty()
        || cuts.iter().any(|c| !(*c > 0.0 && *c < 1.0))
        || cuts.windows(2).any(|w| w[0] >= w[1])
    {
        return Err(EmergentError::new_err(
            "tiers takes increasing fractions strictly between 0 and 1, e.g. (0.01, 0.1)",
        ));
    }
    Ok(())
}

/// Refuse an output we could not, or must not, write before doing the work.
fn check_output(
    out: &Path,
    source: &Source,
    baseline: &Bound<'_, PyAny>,
    force: bool,
) -> PyResult<()> {
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
    if let Ok(p) = baseline.extract::<PathBuf>()
        && p.is_file()
    {
        inputs.push(p);
    }
    emergent_io::check_output_path(out, &inputs, force).map_err(to_py)
}

/// `baseline=`: zero | mean | min | initial | "COL=V,…" | a path | a `{column: value}` dict |
/// an Arrow stream capsule (a table with the same ids). Returns it with the name reports use.
fn parse_baseline(
    obj: &Bound<'_, PyAny>,
    ids: &IdColumn,
    uses: &[String],
    run_dir: Option<&Path>,
) -> PyResult<(Baseline, String)> {
    if let Ok(capsule) = obj.cast::<PyCapsule>() {
        let batches = arrow_in::read_stream(capsule)?;
        let (table, _) = arrow_in::feature_table(&batches, &ids_of(ids), uses)?;
        let b = Baseline::Table(table);
        let name = b.name();
        return Ok((b, name));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let constants: Vec<(String, f64)> = dict
            .iter()
            .map(|(k, v)| Ok((k.extract::<String>()?, v.extract::<f64>()?)))
            .collect::<PyResult<_>>()?;
        let b = Baseline::Constants(constants);
        let name = b.name();
        return Ok((b, name));
    }
    let text: String = obj
        .extract::<PathBuf>()
        .map(|p| p.to_string_lossy().into_owned())
        .map_err(|_| {
            EmergentError::new_err(
                "baseline: give zero, mean, min, initial, \"COL=V,…\", a {column: value} dict, a table or a path",
            )
        })?;
    let b = match text.as_str() {
        "initial" => {
            let Some(dir) = run_dir else {
                return Err(EmergentError::new_err(
                    "baseline=\"initial\" reads every agent's features at the first recorded tick of a run: give a run directory made by `emergent run` as the features",
                ));
            };
            let first = emergent_io::first_tick_dataset(dir, "ticks").map_err(|e| {
                EmergentError::new_err(format!(
                    "baseline=\"initial\": reading the first recorded tick of {}: {}",
                    dir.display(),
                    crate::errors::message(&e)
                ))
            })?;
            return Ok((Baseline::Table(first.table), "initial".to_string()));
        }
        "zero" => Baseline::Zero,
        "mean" => Baseline::Mean,
        "min" => Baseline::Min,
        t if t.contains('=') => Baseline::Constants(
            t.split(',')
                .map(|kv| {
                    let (k, v) = kv.split_once('=').ok_or_else(|| {
                        EmergentError::new_err(format!("baseline: `{kv}` is not COL=VALUE"))
                    })?;
                    let v: f64 = v.trim().parse().map_err(|_| {
                        EmergentError::new_err(format!("baseline: `{v}` in `{kv}` is not a number"))
                    })?;
                    Ok((k.trim().to_string(), v))
                })
                .collect::<PyResult<_>>()?,
        ),
        path => {
            let p = PathBuf::from(path);
            if !p.exists() {
                return Err(EmergentError::new_err(format!(
                    "baseline `{path}`: not zero, mean, min, initial, COL=V,… nor an existing baseline table file"
                )));
            }
            Baseline::Table(emergent_io::read_table(&p, ids).map_err(|e| {
                EmergentError::new_err(format!(
                    "reading the baseline table: {}",
                    crate::errors::message(&e)
                ))
            })?)
        }
    };
    let name = b.name();
    Ok((b, name))
}

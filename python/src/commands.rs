//! The other commands over a run directory, each the library call the CLI makes: `report`,
//! `attribute --dynamic`, `attribute --game`, `import oasis`, and the run directory's readers (which files
//! hold a table, shards included; the manifest; the attribution summaries).

use std::path::PathBuf;

use emergent_io::run_dir;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{EmergentError, to_py};

fn json<T: serde::Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| EmergentError::new_err(e.to_string()))
}

/// `emergent report RUN_DIR`.
#[pyfunction]
pub fn report<'py>(py: Python<'py>, run_dir: PathBuf) -> PyResult<Bound<'py, PyDict>> {
    let files = py
        .detach(|| emergent_report::write_report(&run_dir))
        .map_err(to_py)?;
    let dict = PyDict::new(py);
    dict.set_item("markdown", files.markdown)?;
    dict.set_item("html", files.html)?;
    dict.set_item("plots", files.plots)?;
    dict.set_item("with_study", files.with_study)?;
    Ok(dict)
}

/// `emergent attribute --dynamic RUN_DIR`: the outcomes as JSON text.
#[pyfunction]
#[pyo3(signature = (run_dir, indicators, nodes=None, tol=None, max_nodes=None, groups=None))]
pub fn attribute_dynamic(
    py: Python<'_>,
    run_dir: PathBuf,
    indicators: Vec<String>,
    nodes: Option<usize>,
    tol: Option<f64>,
    max_nodes: Option<usize>,
    groups: Option<String>,
) -> PyResult<String> {
    let spec = groups
        .as_deref()
        .map(str::parse::<emergent_runner::GroupSpec>)
        .transpose()
        .map_err(|e| EmergentError::new_err(format!("groups {e}")))?;
    let opts = emergent_runner::DynamicOptions {
        indicators,
        nodes,
        tol,
        max_nodes,
        groups: spec,
        groups_text: groups.unwrap_or_default(),
    };
    let outcomes = py
        .detach(|| emergent_runner::attribute_dynamic_run(&run_dir, &opts))
        .map_err(to_py)?;
    json(&outcomes)
}

/// `emergent attribute --game RUN_DIR`: `game.json`'s content as JSON text.
#[pyfunction]
#[pyo3(signature = (run_dir, groups, replicates, indicators, permutations=None, seed=0, twin=false))]
#[allow(clippy::too_many_arguments)]
pub fn play_game(
    py: Python<'_>,
    run_dir: PathBuf,
    groups: String,
    replicates: usize,
    indicators: Vec<String>,
    permutations: Option<usize>,
    seed: u64,
    twin: bool,
) -> PyResult<String> {
    let spec: emergent_runner::GroupSpec = groups
        .parse()
        .map_err(|e| EmergentError::new_err(format!("groups {e}")))?;
    let opts = emergent_runner::GameOptions {
        groups: spec,
        groups_text: groups,
        replicates,
        indicators,
        permutations,
        seed,
        twin,
    };
    let file = py
        .detach(|| emergent_runner::play_game(&run_dir, &opts, &emergent_attribution::NoProgress))
        .map_err(to_py)?;
    json(&file)
}

/// `emergent import oasis SIM.db --out DIR`: an OASIS simulation's SQLite database → the
/// tables emergent reads; the import summary (`import.json`) as JSON text.
#[pyfunction]
#[pyo3(signature = (db, out, force=false))]
pub fn import_oasis(py: Python<'_>, db: PathBuf, out: PathBuf, force: bool) -> PyResult<String> {
    let opts = emergent_oasis::ImportOptions { force };
    let summary = py
        .detach(|| emergent_oasis::import_oasis(&db, &out, &opts))
        .map_err(to_py)?;
    json(&summary)
}

/// The Parquet files holding table `name` of a run directory, in agent order (one file, or a
/// partitioned run's shards).
#[pyfunction]
pub fn dataset_files(run_dir: PathBuf, name: &str) -> PyResult<Vec<PathBuf>> {
    emergent_io::dataset_files(&run_dir, name).map_err(to_py)
}

/// `manifest.json` as JSON text, read (and checked) by the run directory's own reader.
#[pyfunction]
pub fn read_manifest(run_dir: PathBuf) -> PyResult<String> {
    json(&run_dir::read_manifest(&run_dir).map_err(to_py)?)
}

/// `attribution.json` as JSON text.
#[pyfunction]
pub fn read_attribution(run_dir: PathBuf) -> PyResult<String> {
    json(&run_dir::read_attribution(&run_dir).map_err(to_py)?)
}

/// `dynamic_attribution.json` as JSON text.
#[pyfunction]
pub fn read_dynamic_attribution(run_dir: PathBuf) -> PyResult<String> {
    json(&run_dir::read_dynamic_attribution(&run_dir).map_err(to_py)?)
}

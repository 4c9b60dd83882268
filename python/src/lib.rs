//! `emergent._native`: the extension module under the `emergent` Python package.
//!
//! Thin by design: each function calls the library function the command line calls for the
//! same command (`emergent_attribution::attribute`, `emergent_runner::start`, the
//! `emergent_io::run_dir` readers, `emergent_report::write_report`, `emergent_runner::study`,
//! `run_experiment`, `emergent_runner::cache`, `interview_run`, `emergent_distill`,
//! `emergent_validate`, `emergent_bluesky`) and only converts arguments and results. Tables
//! cross as Arrow (the C stream interface) without copying Float64 columns; the GIL is
//! released while the engine works. The Python side (`python/emergent/`) adds DataFrames,
//! progress bars and documentation.

mod arrow_in;
mod arrow_out;
mod attribution;
mod bench;
mod bluesky;
mod cache;
mod commands;
mod distill;
mod errors;
mod experiment;
mod interrupt;
mod interview;
mod running;
mod study;
mod validate;

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};

/// `emergent attribute --features …` (see `emergent/__init__.py` for the documented API).
#[pyfunction]
#[pyo3(signature = (features, indicator, baseline, method, steps, tol, permutations, seed, id_col, tier_by, tiers, out, force))]
#[allow(clippy::too_many_arguments)]
fn attribute<'py>(
    py: Python<'py>,
    features: &Bound<'py, PyAny>,
    indicator: String,
    baseline: &Bound<'py, PyAny>,
    method: String,
    steps: usize,
    tol: Option<f64>,
    permutations: usize,
    seed: u64,
    id_col: Option<String>,
    tier_by: Option<String>,
    tiers: Vec<f64>,
    out: Option<PathBuf>,
    force: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let req = attribution::Request {
        indicator,
        method,
        steps,
        tol,
        permutations,
        seed,
        id_col,
        tier_by,
        tiers,
        out,
        force,
    };
    attribution::attribute(py, features, baseline, req)
}

/// `emergent run` / `emergent run --resume DIR`.
#[pyfunction]
#[pyo3(signature = (scenario, resume, out, seed, set, force, offline, max_calls, max_tokens, allow_prompt_path, progress))]
#[allow(clippy::too_many_arguments)]
fn run<'py>(
    py: Python<'py>,
    scenario: Option<PathBuf>,
    resume: Option<PathBuf>,
    out: Option<PathBuf>,
    seed: Option<u64>,
    set: Vec<String>,
    force: bool,
    offline: bool,
    max_calls: Option<u64>,
    max_tokens: Option<u64>,
    allow_prompt_path: Vec<PathBuf>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let ask = running::Ask {
        scenario,
        resume,
        out,
        seed,
        set,
        force,
        offline,
        max_calls,
        max_tokens,
        allow_prompt_path,
    };
    running::run(py, ask, progress)
}

/// For tests: the address of the values the attribution reads for column `name` of the
/// table in `stream`, to compare with where Arrow keeps that column.
#[pyfunction]
fn _column_address(stream: &Bound<'_, PyCapsule>, name: String) -> PyResult<Option<usize>> {
    let batches = arrow_in::read_stream(stream)?;
    let (table, _) = arrow_in::feature_table(
        &batches,
        &arrow_in::Ids::Default,
        std::slice::from_ref(&name),
    )?;
    Ok(arrow_in::column_address(&table, &name))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("EmergentError", m.py().get_type::<errors::EmergentError>())?;
    m.add_class::<arrow_out::ArrowTable>()?;
    m.add_function(wrap_pyfunction!(attribute, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(_column_address, m)?)?;
    m.add_function(wrap_pyfunction!(commands::report, m)?)?;
    m.add_function(wrap_pyfunction!(study::study, m)?)?;
    m.add_function(wrap_pyfunction!(commands::attribute_dynamic, m)?)?;
    m.add_function(wrap_pyfunction!(commands::play_game, m)?)?;
    m.add_function(wrap_pyfunction!(commands::import_oasis, m)?)?;
    m.add_function(wrap_pyfunction!(commands::dataset_files, m)?)?;
    m.add_function(wrap_pyfunction!(commands::read_manifest, m)?)?;
    m.add_function(wrap_pyfunction!(commands::read_attribution, m)?)?;
    m.add_function(wrap_pyfunction!(commands::read_dynamic_attribution, m)?)?;
    m.add_function(wrap_pyfunction!(experiment::experiment, m)?)?;
    m.add_function(wrap_pyfunction!(validate::validate, m)?)?;
    m.add_function(wrap_pyfunction!(cache::cache_stats, m)?)?;
    m.add_function(wrap_pyfunction!(cache::cache_prune, m)?)?;
    m.add_function(wrap_pyfunction!(cache::cache_export, m)?)?;
    m.add_function(wrap_pyfunction!(interview::interview, m)?)?;
    m.add_function(wrap_pyfunction!(distill::distill, m)?)?;
    m.add_function(wrap_pyfunction!(bluesky::import_bluesky, m)?)?;
    m.add_function(wrap_pyfunction!(bluesky::synth_bluesky, m)?)?;
    m.add_function(wrap_pyfunction!(bench::_library_seconds, m)?)?;
    Ok(())
}

//! `emergent experiment`: the runner's paired experiments (`emergent_runner::run_experiment`)
//! and the pages `emergent_report` writes after them, as the command line does; Ctrl-C stops
//! it after the current tick of the current run (rerunning the same call continues it).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use emergent_runner::{ArmSpec, ExperimentOptions, RunError, StopFlag};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{EmergentError, message, to_py};
use crate::interrupt::{PyBar, interrupted, watched};

/// `emergent experiment SCENARIO --arm NAME=FILE… --replicates R`: `experiment.json` as JSON
/// text, the directory, runs made and kept, seconds, and the pages written.
#[pyfunction]
#[pyo3(signature = (scenario, arms, replicates, seed, set, out, force, indicators, progress))]
#[allow(clippy::too_many_arguments)]
pub fn experiment<'py>(
    py: Python<'py>,
    scenario: PathBuf,
    arms: Vec<String>,
    replicates: usize,
    seed: Option<u64>,
    set: Vec<String>,
    out: Option<PathBuf>,
    force: bool,
    indicators: Vec<String>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let arms = arms
        .iter()
        .map(|a| ArmSpec::parse(a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(EmergentError::new_err)?;
    let stop: StopFlag = Arc::new(AtomicUsize::new(0));
    let opts = ExperimentOptions {
        scenario,
        arms,
        replicates,
        seed,
        overrides: set,
        out,
        force,
        indicators,
        stop: Some(stop.clone()),
    };
    let bar = PyBar(progress);
    let (result, raised) = watched(py, &stop, || {
        emergent_runner::run_experiment(&opts, &bar).map(|summary| {
            let pages = emergent_report::write_experiment_report(&summary.dir);
            (summary, pages)
        })
    });
    let (summary, pages) = match (result, raised) {
        (Err(halted @ RunError::Halted { .. }), raised) => {
            let text = format!(
                "{}\nthe experiment stopped; rerun the same call to continue it",
                message(&halted)
            );
            return Err(interrupted(py, raised, text));
        }
        // It ended before it saw the stop: the interrupt is not lost.
        (_, Some(e)) => return Err(e),
        (other, None) => other.map_err(to_py)?,
    };
    let files = pages.map_err(|e| {
        EmergentError::new_err(format!(
            "the experiment ran but its pages were not written: {}",
            message(&e)
        ))
    })?;
    let dict = PyDict::new(py);
    dict.set_item("dir", &summary.dir)?;
    dict.set_item("json", serde_json::to_string(&summary.file).map_err(to_py)?)?;
    dict.set_item("ran", summary.ran)?;
    dict.set_item("kept", summary.kept)?;
    dict.set_item("seconds", summary.seconds)?;
    dict.set_item("markdown", files.markdown)?;
    dict.set_item("html", files.html)?;
    dict.set_item("plots", files.plots)?;
    Ok(dict)
}

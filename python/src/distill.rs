//! `emergent distill RUN_DIR --out policy.json`: a surrogate fitted to an LLM run's logged
//! decisions, social or `[econ]` (`emergent_distill::distill_run`, as the command line calls it).

use std::path::PathBuf;

use emergent_distill::{DistillOptions, distill_run};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::to_py;

/// `emergent distill RUN_DIR --out FILE [--force]`: the policy and fidelity files written, and
/// `distill.json`'s content as JSON text.
#[pyfunction]
#[pyo3(signature = (run_dir, out, force))]
pub fn distill<'py>(
    py: Python<'py>,
    run_dir: PathBuf,
    out: PathBuf,
    force: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = DistillOptions {
        run_dir,
        out,
        force,
    };
    let summary = py.detach(|| distill_run(&opts)).map_err(to_py)?;
    let dict = PyDict::new(py);
    dict.set_item("policy", summary.policy())?;
    dict.set_item("report", summary.report())?;
    dict.set_item("json", summary.report_json().map_err(to_py)?)?;
    Ok(dict)
}

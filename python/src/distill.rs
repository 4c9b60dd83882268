//! `emergent distill RUN_DIR --out policy.json [--check-seeds K --llm-runs …]`: a surrogate
//! fitted to an LLM run's logged decisions, social or `[econ]`
//! (`emergent_distill::distill_run`), and the macro check
//! (`emergent_runner::distill_check`), as the command line calls them.

use std::path::PathBuf;

use emergent_distill::{DistillOptions, distill_run};
use emergent_runner::distill_check::{plan_check, run_check};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::to_py;

/// `emergent distill RUN_DIR --out FILE [--force] [--check-seeds K [--llm-runs DIR …]]`: the
/// policy and fidelity files written, and `distill.json`'s content (with `macro_check` after
/// a check) as JSON text. The check is planned, and refused, before anything is fitted.
#[pyfunction]
#[pyo3(signature = (run_dir, out, force, check_seeds=None, llm_runs=Vec::new()))]
pub fn distill<'py>(
    py: Python<'py>,
    run_dir: PathBuf,
    out: PathBuf,
    force: bool,
    check_seeds: Option<usize>,
    llm_runs: Vec<PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    if check_seeds.is_none() && !llm_runs.is_empty() {
        return Err(crate::errors::EmergentError::new_err(
            "llm_runs needs check_seeds (the macro check compares the distilled runs with them)",
        ));
    }
    let json = py.detach(|| -> PyResult<(PathBuf, PathBuf, String)> {
        let plan = match check_seeds {
            Some(k) if run_dir.is_dir() => Some(plan_check(&run_dir, &llm_runs, k).map_err(to_py)?),
            _ => None,
        };
        let opts = DistillOptions {
            run_dir: run_dir.clone(),
            out,
            force,
        };
        let done = distill_run(&opts).map_err(to_py)?;
        if let Some(plan) = plan {
            run_check(plan, done.policy(), done.report(), &|_, _, _| {}).map_err(to_py)?;
        }
        let text = std::fs::read_to_string(done.report())
            .map_err(|e| to_py(emergent_io::IoError::new(done.report(), e.to_string())))?;
        Ok((
            done.policy().to_path_buf(),
            done.report().to_path_buf(),
            text,
        ))
    })?;
    let dict = PyDict::new(py);
    dict.set_item("policy", json.0)?;
    dict.set_item("report", json.1)?;
    dict.set_item("json", json.2)?;
    Ok(dict)
}

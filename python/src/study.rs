//! `emergent study`: the same planning (`emergent_runner::study`), study and files
//! (`emergent_report::write_study`) as the command line, without the GIL.

use std::path::PathBuf;

use emergent_runner::study::{StudyRequest, StudySource, plan_study};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{EmergentError, message};

/// `emergent study [RUN_DIR | --features FILE --indicator EXPR…]`: the study as JSON text
/// (`study.json`'s content), the folder written and its files.
#[pyfunction]
#[pyo3(signature = (run_dir, features, indicators, baselines, out, panel_size, seeds, tier_by, tiers, activity_by, protocols, seed, sweeps))]
#[allow(clippy::too_many_arguments)]
pub fn study<'py>(
    py: Python<'py>,
    run_dir: Option<PathBuf>,
    features: Option<PathBuf>,
    indicators: Vec<String>,
    baselines: Vec<String>,
    out: Option<PathBuf>,
    panel_size: usize,
    seeds: u64,
    tier_by: Option<String>,
    tiers: Vec<f64>,
    activity_by: String,
    protocols: Vec<String>,
    seed: u64,
    sweeps: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let source = match (run_dir, features) {
        (Some(dir), None) => StudySource::RunDir(dir),
        (None, Some(file)) if !indicators.is_empty() => StudySource::Features {
            file,
            indicators,
            baselines,
        },
        (None, Some(_)) => return Err(EmergentError::new_err("features: give an indicator")),
        _ => return Err(EmergentError::new_err("give a run_dir or features=FILE")),
    };
    let req = StudyRequest {
        out,
        panel_size,
        seeds,
        tier_by,
        tiers,
        activity_by,
        protocols,
        seed,
        sweeps,
        ..StudyRequest::new(source)
    };
    let done = py.detach(|| -> Result<_, String> {
        let plan = plan_study(&req).map_err(|e| message(&e))?;
        let study = plan.run(&|_: &str| {}).map_err(|e| message(&e))?;
        let files = emergent_report::write_study(&plan.out, &study).map_err(|e| message(&e))?;
        let json = serde_json::to_string(&study).map_err(|e| e.to_string())?;
        Ok((json, plan.out.clone(), plan.features.clone(), files))
    });
    let (json, out, features, files) = done.map_err(EmergentError::new_err)?;
    let dict = PyDict::new(py);
    dict.set_item("json", json)?;
    dict.set_item("out", out)?;
    dict.set_item("features", features)?;
    dict.set_item("files", files)?;
    Ok(dict)
}

//! `emergent validate`: the models against their fields' canonical published results
//! (`emergent_validate::run_all`, `write_validation`), one module at a time so Ctrl-C stops
//! the suite after the module running (nothing is written then).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use emergent_runner::StopFlag;
use emergent_validate::{MODULES, Settings, known_gap, run_all, write_validation};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors::to_py;
use crate::interrupt::{PyBar, interrupted, watched};

/// `emergent validate [--quick] [--out DIR] [--only M…] [--seed S]`: every check (id, title,
/// citation, published, ours, notes, pass, known_gap) and the page written.
#[pyfunction]
#[pyo3(signature = (quick, out, only, seed, progress))]
pub fn validate<'py>(
    py: Python<'py>,
    quick: bool,
    out: PathBuf,
    only: Vec<String>,
    seed: u64,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let settings = Settings { quick, seed };
    // An unknown name is refused by the library (with the list of modules) before any work.
    if let Some(unknown) = only
        .iter()
        .find(|o| MODULES.iter().all(|m| m.name != o.as_str()))
    {
        run_all(&settings, std::slice::from_ref(unknown), |_| {}).map_err(to_py)?;
    }
    let modules: Vec<String> = MODULES
        .iter()
        .map(|m| m.name.to_string())
        .filter(|m| only.is_empty() || only.contains(m))
        .collect();
    let stop: StopFlag = Arc::new(AtomicUsize::new(0));
    let bar = PyBar(progress);
    let (result, raised) = watched(
        py,
        &stop,
        || -> Result<_, emergent_validate::ValidateError> {
            use emergent_attribution::Progress;
            bar.start(modules.len() as u64, "validation modules");
            let mut checks = Vec::new();
            for m in &modules {
                if stop.load(Ordering::SeqCst) != 0 {
                    return Ok(None);
                }
                checks.extend(run_all(&settings, std::slice::from_ref(m), |_| {})?);
                bar.advance(1);
            }
            let files = write_validation(&out, &checks, &settings)?;
            Ok(Some((checks, files)))
        },
    );
    let done = result.map_err(to_py)?;
    let Some((checks, files)) = done else {
        return Err(interrupted(
            py,
            raised,
            "the validation stopped before its last module; nothing was written".into(),
        ));
    };
    if let Some(e) = raised {
        return Err(e); // it ended before it saw the stop: the interrupt is not lost
    }
    let rows = PyList::empty(py);
    for c in &checks {
        let row = PyDict::new(py);
        row.set_item("id", &c.id)?;
        row.set_item("title", &c.title)?;
        row.set_item("pass", c.pass)?;
        row.set_item("known_gap", known_gap(c))?;
        row.set_item("ours", &c.ours)?;
        row.set_item("published", &c.published)?;
        row.set_item("citation", &c.citation)?;
        row.set_item("notes", &c.notes)?;
        rows.append(row)?;
    }
    let dict = PyDict::new(py);
    dict.set_item("checks", rows)?;
    dict.set_item("markdown", files.markdown)?;
    dict.set_item("figures", files.figures)?;
    Ok(dict)
}

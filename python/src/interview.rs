//! `emergent interview RUN_DIR`: a finished run's LLM agents asked a question as they were at
//! a recorded tick (`emergent_runner::interview_run`, as the command line calls it).

use std::path::PathBuf;

use emergent_llm::LlmRunOptions;
use emergent_runner::{InterviewOptions, interview_run};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors::to_py;

/// `emergent interview RUN_DIR --agents SELECTOR --question Q …`: the file written, the tick
/// asked at, the HTTP requests made, and this interview's rows (agent_id, tick, question,
/// answer, value, choice) in the order of `agents`.
#[pyfunction]
#[pyo3(signature = (run_dir, agents, question, tick, choices, out, force, base_url, offline, max_calls))]
#[allow(clippy::too_many_arguments)]
pub fn interview<'py>(
    py: Python<'py>,
    run_dir: PathBuf,
    agents: String,
    question: String,
    tick: Option<u32>,
    choices: Option<String>,
    out: Option<PathBuf>,
    force: bool,
    base_url: Option<String>,
    offline: bool,
    max_calls: Option<u64>,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = InterviewOptions {
        agents,
        question,
        tick,
        choices,
        out,
        force,
        base_url,
        llm: LlmRunOptions {
            offline,
            max_calls,
            ..Default::default()
        },
    };
    let summary = py
        .detach(|| interview_run(&run_dir, &opts))
        .map_err(to_py)?;
    let rows = PyList::empty(py);
    for r in &summary.rows {
        let row = PyDict::new(py);
        row.set_item("agent_id", r.agent_id)?;
        row.set_item("tick", r.tick)?;
        row.set_item("question", &r.question)?;
        row.set_item("answer", &r.answer)?;
        row.set_item("value", r.value)?;
        row.set_item("choice", &r.choice)?;
        rows.append(row)?;
    }
    let dict = PyDict::new(py);
    dict.set_item("out", &summary.out)?;
    dict.set_item("tick", summary.tick)?;
    dict.set_item("requests", summary.requests)?;
    dict.set_item("rows", rows)?;
    Ok(dict)
}

//! `emergent.run` / `emergent.resume`: the runner the command line calls (`start`,
//! `resume`), with the GIL released while it works. Between ticks the progress hook takes the
//! GIL back for a moment: it runs Python's signal handlers (Ctrl-C in a terminal or a
//! notebook) and, when one raises, sets the runner's stop flag, so the run ends cleanly after
//! the tick, checkpointed and resumable, exactly as the CLI's SIGINT does.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use emergent_runner::{HaltCause, RunError, RunOptions, RunProgress, RunSummary, StopFlag};
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{EmergentError, message};

/// SIGINT's number, what the CLI's handler stores in the stop flag.
const SIGINT: usize = 2;

/// Progress to a Python callable `progress(event, a, b)` (`"started", ticks, agents`,
/// `"tick", done, 0`, `"attributing", 0, 0`), and Ctrl-C to the stop flag.
struct PyProgress {
    callback: Option<Py<PyAny>>,
    stop: StopFlag,
    /// The first Python exception seen (KeyboardInterrupt, or one the callback raised).
    raised: Mutex<Option<PyErr>>,
}

impl PyProgress {
    fn event(&self, name: &str, a: u64, b: u64) {
        Python::attach(|py| {
            let mut result = py.check_signals();
            if result.is_ok()
                && let Some(cb) = &self.callback
            {
                result = cb.call1(py, (name, a, b)).map(|_| ());
            }
            if let Err(e) = result {
                self.stop.store(SIGINT, Ordering::SeqCst);
                let mut raised = self.raised.lock().unwrap_or_else(|p| p.into_inner());
                raised.get_or_insert(e);
            }
        });
    }
}

impl RunProgress for PyProgress {
    fn started(&self, total: u32, agents: usize) {
        self.event("started", total as u64, agents as u64);
    }
    fn tick(&self, done: u32) {
        self.event("tick", done as u64, 0);
    }
    fn attributing(&self) {
        self.event("attributing", 0, 0);
    }
}

/// What a run or a resume is asked: the CLI's `emergent run` flags.
pub struct Ask {
    pub scenario: Option<PathBuf>,
    pub resume: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub seed: Option<u64>,
    pub set: Vec<String>,
    pub force: bool,
    pub offline: bool,
    pub max_calls: Option<u64>,
    pub max_tokens: Option<u64>,
    pub allow_prompt_path: Vec<PathBuf>,
}

pub fn run<'py>(
    py: Python<'py>,
    ask: Ask,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let stop: StopFlag = Arc::new(AtomicUsize::new(0));
    let hook = PyProgress {
        callback: progress,
        stop: stop.clone(),
        raised: Mutex::new(None),
    };
    let opts = RunOptions {
        scenario: ask.scenario.clone().unwrap_or_default(),
        out: ask.out,
        seed: ask.seed,
        overrides: ask.set,
        force: ask.force,
        throttle: None,
        offline: ask.offline,
        max_calls: ask.max_calls,
        max_tokens: ask.max_tokens,
        allow_prompt_paths: ask.allow_prompt_path,
        stop: Some(stop),
    };
    let result = py.detach(|| match &ask.resume {
        Some(dir) => emergent_runner::resume_with(dir, None, &opts, &hook),
        None => emergent_runner::start(&opts, &hook),
    });
    let raised = hook.raised.lock().unwrap_or_else(|p| p.into_inner()).take();
    match result {
        Ok(summary) => summary_dict(py, &summary),
        Err(halted @ RunError::Halted { cause, .. }) => {
            Err(halted_error(py, &halted, cause, raised))
        }
        Err(e) => Err(EmergentError::new_err(message(&e))),
    }
}

/// A run that stopped cleanly: Ctrl-C is KeyboardInterrupt (saying how to resume), an
/// exception of the progress callback is itself, a spent budget or a stuck policy an
/// [`EmergentError`] with the runner's message.
fn halted_error(
    py: Python<'_>,
    halted: &RunError,
    cause: HaltCause,
    raised: Option<PyErr>,
) -> PyErr {
    let text = message(halted);
    match (cause, raised) {
        (HaltCause::Signal(_), Some(e)) if !e.is_instance_of::<PyKeyboardInterrupt>(py) => e,
        (HaltCause::Signal(_), _) => PyKeyboardInterrupt::new_err(text),
        _ => EmergentError::new_err(text),
    }
}

fn summary_dict<'py>(py: Python<'py>, s: &RunSummary) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("dir", &s.dir)?;
    dict.set_item("agents", s.agents)?;
    dict.set_item("ticks", s.ticks)?;
    dict.set_item("seconds", s.seconds)?;
    let indicators =
        serde_json::to_string(&s.indicators).map_err(|e| EmergentError::new_err(e.to_string()))?;
    dict.set_item("indicators_json", indicators)?;
    dict.set_item("policy_stats", s.policy_stats.clone())?;
    Ok(dict)
}

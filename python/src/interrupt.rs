//! Long commands without the GIL that Ctrl-C still stops, and their progress in Python.
//!
//! Python runs signal handlers only on its main thread, and only when that thread runs
//! Python. So [`watched`] runs the work on a worker thread and keeps the calling thread
//! waiting without the GIL in short slices, running the signal handlers between them: the
//! first exception they raise (KeyboardInterrupt from Ctrl-C or a notebook's Interrupt) sets
//! the command's stop flag, which is what the CLI's SIGINT handler does, and the work ends
//! at its next clean stopping point (a tick, a run, a module).

use std::sync::atomic::Ordering;
use std::time::Duration;

use emergent_attribution::Progress;
use emergent_runner::StopFlag;
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;

/// SIGINT's number, what the CLI's handler stores in the stop flag.
pub const SIGINT: usize = 2;

/// How long the calling thread waits between two looks at Python's signals.
const SLICE: Duration = Duration::from_millis(50);

/// Runs `work` on a worker thread while this thread watches for Ctrl-C (see the module
/// doc). Returns what `work` returned and the exception that stopped it, if one did.
pub fn watched<T: Send>(
    py: Python<'_>,
    stop: &StopFlag,
    work: impl FnOnce() -> T + Send,
) -> (T, Option<PyErr>) {
    std::thread::scope(|scope| {
        let waiting = std::thread::current();
        let worker = scope.spawn(move || {
            let result = work();
            waiting.unpark();
            result
        });
        let mut raised = None;
        loop {
            if worker.is_finished() {
                match worker.join() {
                    Ok(result) => return (result, raised),
                    // The worker panicked: let the panic through (pyo3 makes it an exception).
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            py.detach(|| std::thread::park_timeout(SLICE));
            if raised.is_none()
                && let Err(e) = py.check_signals()
            {
                stop.store(SIGINT, Ordering::SeqCst);
                raised = Some(e);
            }
        }
    })
}

/// The exception for work that stopped because of `raised`: KeyboardInterrupt saying `text`
/// (what stopped and how to go on), or the exception itself when it was another one.
pub fn interrupted(py: Python<'_>, raised: Option<PyErr>, text: String) -> PyErr {
    match raised {
        Some(e) if !e.is_instance_of::<PyKeyboardInterrupt>(py) => e,
        _ => PyKeyboardInterrupt::new_err(text),
    }
}

/// The library's progress (`start(total, what)`, `advance(n)`) to a Python callable
/// `progress(event, n, what)`: `("start", total, what)` then `("advance", n, "")`. An
/// exception of the callable is dropped: a progress bar must not end the work.
pub struct PyBar(pub Option<Py<PyAny>>);

impl PyBar {
    fn call(&self, event: &str, n: u64, what: &str) {
        if let Some(cb) = &self.0 {
            Python::attach(|py| {
                let _ = cb.call1(py, (event, n, what));
            });
        }
    }
}

impl Progress for PyBar {
    fn start(&self, total: u64, what: &str) {
        self.call("start", total, what);
    }
    fn advance(&self, done: u64) {
        self.call("advance", done, "");
    }
}

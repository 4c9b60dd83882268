//! `emergent import bluesky` and `emergent synth bluesky`: the `emergent-bluesky` calls the
//! command line makes (`import_to_dir`, `synth_capture`), with its argument parsing
//! (`parse_time`, `Topic::parse`), progress to Python, and Ctrl-C stopping an import.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use emergent_bluesky::{
    BlueskyError, ImportOptions, SynthOptions, Topic, import_to_dir, parse_time, synth_capture,
};
use emergent_runner::StopFlag;
use pyo3::prelude::*;

use crate::errors::{EmergentError, message, to_py};
use crate::interrupt::{PyBar, watched};

/// The CLI's `anyhow` context (`--since: …`) on an argument's error.
fn flag(name: &str, e: BlueskyError) -> PyErr {
    EmergentError::new_err(format!("{name}: {}", message(&e)))
}

/// `emergent import bluesky FILE… --out DIR`: the import report (`import.json`) as JSON text.
#[pyfunction]
#[pyo3(signature = (files, out, force, since, until, topics, allow_partial, threads, progress))]
#[allow(clippy::too_many_arguments)]
pub fn import_bluesky(
    py: Python<'_>,
    files: Vec<PathBuf>,
    out: PathBuf,
    force: bool,
    since: Option<String>,
    until: Option<String>,
    topics: Vec<String>,
    allow_partial: bool,
    threads: usize,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let time = |name: &str, t: Option<String>| {
        t.as_deref()
            .map(parse_time)
            .transpose()
            .map_err(|e| flag(name, e))
    };
    let topics = topics
        .iter()
        .map(|t| Topic::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| flag("--topic", e))?;
    let stop: StopFlag = Arc::new(AtomicUsize::new(0));
    let opts = ImportOptions {
        since: time("--since", since)?,
        until: time("--until", until)?,
        topics,
        allow_partial,
        threads,
        force,
        stop: Some(stop.clone()),
    };
    let bar = PyBar(progress);
    let (result, raised) = watched(py, &stop, || import_to_dir(&files, &out, &opts, &bar));
    match (result, raised) {
        (Err(BlueskyError::Stopped), raised) => Err(crate::interrupt::interrupted(
            py,
            raised,
            BlueskyError::Stopped.to_string(),
        )),
        // It ended before it saw the stop: the interrupt is not lost.
        (_, Some(e)) => Err(e),
        (Err(e), None) => Err(to_py(e)),
        (Ok(report), None) => serde_json::to_string(&report).map_err(to_py),
    }
}

/// `emergent synth bluesky --users N --days D --out FILE`: the generated counts (the CLI's
/// `--json`) as JSON text.
#[pyfunction]
#[pyo3(signature = (users, days, out, seed, rate, start, level, threads, progress))]
#[allow(clippy::too_many_arguments)]
pub fn synth_bluesky(
    py: Python<'_>,
    users: u32,
    days: f64,
    out: PathBuf,
    seed: u64,
    rate: f64,
    start: String,
    level: i32,
    threads: usize,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let opts = SynthOptions {
        users,
        days,
        seed,
        events_per_user_day: rate,
        start_us: parse_time(&start).map_err(|e| flag("--start", e))?,
        zstd_level: level,
        threads,
    };
    let bar = PyBar(progress);
    let made = py
        .detach(|| synth_capture(&opts, &out, &bar))
        .map_err(to_py)?;
    serde_json::to_string(&made.report).map_err(to_py)
}

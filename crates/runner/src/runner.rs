//! The public entry points: start a run or resume one, in one process or as one rank of a
//! partitioned run. They read the scenario, pick the engine (social or economy) and hand
//! over to it; the loop itself is [`crate::engine::drive`].

use std::path::Path;
use std::time::{Duration, Instant};

use emergent_collective::{Collective, Solo};
use emergent_io::run_dir::{ECON_CHECKPOINT, MANIFEST};

use crate::error::RunError;
use crate::options::{LoopControl, RunOptions, RunProgress, RunSummary};
use crate::social::check_distributable;
use crate::source::{ScenarioSource, preload_network};

/// Start a fresh run.
pub fn start(opts: &RunOptions, progress: &dyn RunProgress) -> Result<RunSummary, RunError> {
    start_on(opts, progress, &Solo)
}

/// Start a fresh run as one rank of a partitioned run (every rank calls this with the same
/// options). Every rank simulates; rank 0 alone writes the run directory.
pub fn start_on(
    opts: &RunOptions,
    progress: &dyn RunProgress,
    exchange: &dyn Collective,
) -> Result<RunSummary, RunError> {
    let source = ScenarioSource::read(&opts.scenario, &opts.overrides, opts.seed)?;
    let scenario = source.scenario()?;
    let preloaded = preload_network(&scenario)?;
    let dir = opts.out.clone().unwrap_or_else(|| {
        crate::run_dir::default_dir(&scenario.scenario.name, scenario.scenario.seed)
    });
    let started = Instant::now();
    check_distributable(&scenario, exchange)?;
    let llm = opts.llm(&dir);
    // The LLM part's checks (prompt path, key variable) before the run directory is touched.
    emergent_llm::validate(&scenario, &llm)?;
    // A distilled policy's file is read and checked before anything is written, too.
    crate::distilled::check(&scenario)?;
    if scenario.econ.is_some() {
        return crate::econ::start(
            dir,
            opts.force,
            source,
            scenario,
            opts.control(),
            llm,
            progress,
        );
    }
    crate::social::start(
        dir,
        opts.force,
        source,
        scenario,
        preloaded,
        (opts.control(), &llm),
        started,
        progress,
        exchange,
    )
}

/// Continue an interrupted run from its last checkpoint.
pub fn resume(
    dir: &Path,
    throttle: Option<Duration>,
    progress: &dyn RunProgress,
) -> Result<RunSummary, RunError> {
    resume_with(dir, throttle, &RunOptions::default(), progress)
}

/// Continue an interrupted run, with this invocation's LLM options and stop flag (`offline`,
/// `max_calls`, `max_tokens`, `stop` of `llm`; its other fields are ignored).
pub fn resume_with(
    dir: &Path,
    throttle: Option<Duration>,
    llm: &RunOptions,
    progress: &dyn RunProgress,
) -> Result<RunSummary, RunError> {
    resume_on(dir, throttle, llm, progress, &Solo)
}

/// [`resume_with`] as one rank of a partitioned run: every rank reads its own part of the
/// committed checkpoint set and drops its own recorded parts after it; rank 0 writes the
/// run-wide files.
pub fn resume_on(
    dir: &Path,
    throttle: Option<Duration>,
    llm: &RunOptions,
    progress: &dyn RunProgress,
    exchange: &dyn Collective,
) -> Result<RunSummary, RunError> {
    // Rank 0 writes the run-wide files, and holds the directory for the whole job.
    let _lock = match exchange.rank() {
        0 => Some(crate::run_dir::lock_for_resume(dir)?),
        _ => None,
    };
    if dir.join(MANIFEST).exists() {
        return Err(RunError::Resume {
            dir: dir.to_path_buf(),
            why: "the run is already complete (manifest.json exists)".into(),
        });
    }
    let llm_opts = llm.llm(dir);
    let control = LoopControl {
        throttle,
        ..llm.control()
    };
    if dir.join(ECON_CHECKPOINT).exists() {
        if exchange.ranks() > 1 {
            return Err(RunError::Distributed {
                file: dir.join(ECON_CHECKPOINT).display().to_string(),
                why: "an [econ] run resumes in one process".into(),
            });
        }
        return crate::econ::resume(dir, control, llm_opts, progress);
    }
    crate::social::resume(dir, control, &llm_opts, progress, exchange)
}

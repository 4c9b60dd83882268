//! One arm × replicate: an ordinary run directory, started through the same path as
//! `emergent run` (so the one loop, `engine::drive`), or kept when a complete run of exactly
//! this scenario text, overrides and version is already there (an interrupted experiment
//! resumes).

use std::path::Path;
use std::time::Instant;

use emergent_io::run_dir::{self, experiment_run_done};

use crate::error::RunError;
use crate::options::{LoopControl, NoRunProgress};
use crate::source::{ScenarioSource, preload_network};

/// What became of a replicate's run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ran,
    Kept,
}

/// Make sure `dir` holds the complete run of `source`: keep it when its manifest says it is
/// that run, else (nothing there, or an interrupted run) run it afresh. A complete run of
/// something else is refused: the experiment's inputs changed, and `--force` starts over.
pub(crate) fn ensure_run(
    dir: &Path,
    source: &ScenarioSource,
    control: &LoopControl,
) -> Result<Outcome, RunError> {
    if experiment_run_done(dir) {
        let m = run_dir::read_manifest(dir)?;
        let same = m.scenario == source.text
            && m.overrides == source.overrides
            && m.emergent_version.as_deref() == Some(env!("CARGO_PKG_VERSION"));
        return match same {
            true => Ok(Outcome::Kept),
            false => Err(RunError::Experiment {
                what: dir.display().to_string(),
                message: "holds a complete run of another scenario, arm file, seed or emergent \
                          version than this experiment's; pass --force to start the experiment \
                          over"
                    .into(),
            }),
        };
    }
    let scenario = source.scenario()?;
    let preloaded = preload_network(&scenario)?;
    let llm = emergent_llm::LlmRunOptions::in_dir(dir);
    // force: whatever an interrupted run left in its own directory goes.
    crate::social::start(
        dir.to_path_buf(),
        true,
        source.clone(),
        scenario,
        preloaded,
        (control.clone(), &llm),
        Instant::now(),
        &NoRunProgress,
        &emergent_collective::Solo,
    )?;
    Ok(Outcome::Ran)
}

//! The run directory: created fresh, or cleared of an earlier run's outputs with --force,
//! and locked while a run writes into it.

use std::path::{Path, PathBuf};

use emergent_io::atomic_write_bytes;
use emergent_io::run_dir::{
    PARTIAL, RunDirLock, SCENARIO, is_non_empty, remove_output_temporaries, remove_run_outputs,
};

use crate::error::RunError;
use crate::fs::io;
use crate::source::ScenarioSource;

/// Make `dir` ready for a new run and lock it for the run's duration (see [`RunDirLock`]).
/// A directory holding anything needs `force`; every output of an earlier run is then
/// removed (a stale file beside the new run's would be presented as its own), while files
/// that are not emergent's outputs stay. Records the scenario, the run's identity and a
/// distilled policy's copies.
pub(crate) fn prepare(
    dir: &Path,
    force: bool,
    source: &ScenarioSource,
) -> Result<RunDirLock, RunError> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let lock = RunDirLock::acquire(dir, "emergent run")?;
    if is_non_empty(dir)? {
        if !force {
            return Err(RunError::Exists(dir.to_path_buf()));
        }
        let removed = remove_run_outputs(dir)?;
        tracing::info!(dir = %dir.display(), ?removed, "--force: removed the earlier run's outputs");
    }
    std::fs::create_dir_all(dir.join(PARTIAL)).map_err(|e| io(dir, e))?;
    atomic_write_bytes(&dir.join(SCENARIO), source.text.as_bytes())?;
    crate::checkpoint::write_identity(dir, source)?;
    crate::distilled_record::keep_copies(dir, source)?;
    Ok(lock)
}

/// Lock the run directory `dir` of an interrupted run for its resumption.
pub(crate) fn lock_for_resume(dir: &Path) -> Result<RunDirLock, RunError> {
    if !dir.is_dir() {
        return Err(RunError::Resume {
            dir: dir.to_path_buf(),
            why: "no such run directory".into(),
        });
    }
    let lock = RunDirLock::acquire(dir, "emergent run --resume")?;
    // No one else writes here while we hold the lock: temporary files are a killed
    // process's leftovers.
    remove_output_temporaries(dir)?;
    Ok(lock)
}

/// `runs/<scenario name>-seed<seed>`.
pub(crate) fn default_dir(name: &str, seed: u64) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    PathBuf::from("runs").join(format!("{safe}-seed{seed}"))
}

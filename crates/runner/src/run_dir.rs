//! The run directory: created fresh, or reused with --force, never half-overwritten.

use std::path::{Path, PathBuf};

use emergent_io::run_dir::{CHECKPOINT, PARTIAL};

use crate::error::RunError;
use crate::fs::{io, remove_if_exists};
use crate::rank_files::remove_rank_files;

/// Make `dir` ready for a new run. An existing non-empty directory needs `force`; its files
/// are then replaced one by one as the new run writes them (each atomically), so an earlier
/// output survives until its replacement is complete.
pub(crate) fn prepare(dir: &Path, force: bool) -> Result<(), RunError> {
    if dir.exists() {
        let non_empty = std::fs::read_dir(dir)
            .map_err(|e| io(dir, e))?
            .next()
            .is_some();
        if non_empty && !force {
            return Err(RunError::Exists(dir.to_path_buf()));
        }
        // Leftovers of an interrupted run must not be mistaken for this run's segments.
        remove_if_exists(&dir.join(PARTIAL))?;
        remove_if_exists(&dir.join(CHECKPOINT))?;
        remove_rank_files(dir, None, None)?;
    }
    std::fs::create_dir_all(dir.join(PARTIAL)).map_err(|e| io(dir, e))?;
    Ok(())
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

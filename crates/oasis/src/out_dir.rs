//! The output folder of an import: refused when writing there would destroy something.
//!
//! As with `emergent import bluesky`: an existing non-empty folder is replaced only with
//! `force`; a run directory and the folder holding the database are refused even then.

use std::path::Path;

use emergent_io::run_dir::{MANIFEST, is_non_empty};

use crate::error::OasisError;
use crate::output::{SUMMARY_FILE, TICKS_FILE};

/// Check `out_dir` against the database and `force` before any work is done.
pub(crate) fn check(out_dir: &Path, db: &Path, force: bool) -> Result<(), OasisError> {
    let Ok(out) = std::fs::canonicalize(out_dir) else {
        return Ok(()); // created when the outputs are written
    };
    if !out.is_dir() {
        return Err(OasisError::BadOutput {
            out: out_dir.to_path_buf(),
            reason: "not a folder".into(),
        });
    }
    if let Ok(db) = std::fs::canonicalize(db)
        && db.parent() == Some(out.as_path())
    {
        return Err(OasisError::BadOutput {
            out: out_dir.to_path_buf(),
            reason: format!(
                "{} is this import's database and lives there; write the import to another \
                 folder (--force does not change this)",
                db.display()
            ),
        });
    }
    if out.join(MANIFEST).exists() {
        return Err(OasisError::OutputIsRunDir(out_dir.to_path_buf()));
    }
    if !force && is_non_empty(&out)? {
        return Err(OasisError::OutputExists(out_dir.to_path_buf()));
    }
    Ok(())
}

/// Make a checked folder ready: an earlier import's `import.json` goes first (so no summary
/// vouches for a mix of old and new tables), and its `ticks.parquet` when this import writes
/// none.
pub(crate) fn prepare(out_dir: &Path, writes_ticks: bool) -> Result<(), OasisError> {
    remove_if_exists(&out_dir.join(SUMMARY_FILE))?;
    if !writes_ticks {
        remove_if_exists(&out_dir.join(TICKS_FILE))?;
    }
    std::fs::create_dir_all(out_dir).map_err(|e| OasisError::io(out_dir, e))
}

fn remove_if_exists(p: &Path) -> Result<(), OasisError> {
    match std::fs::remove_file(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(OasisError::io(p, e)),
    }
}

//! Removing leftovers, and file errors as [`RunError`]s.

use std::path::Path;

use emergent_io::IoError;

use crate::error::RunError;

/// Remove a file or a folder; one that is not there is fine.
pub(crate) fn remove_if_exists(p: &Path) -> Result<(), RunError> {
    let r = if p.is_dir() {
        std::fs::remove_dir_all(p)
    } else {
        std::fs::remove_file(p)
    };
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(p, e)),
    }
}

pub(crate) fn io(p: &Path, e: std::io::Error) -> RunError {
    RunError::Io(IoError::new(p, e.to_string()))
}

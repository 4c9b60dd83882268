use std::path::PathBuf;

use thiserror::Error;

/// Why a study or report could not be written. Every variant names the file or plot at
/// fault, so the message alone tells the user what to fix.
#[derive(Debug, Error)]
pub enum ReportError {
    /// An input file is missing, unreadable or not what a run directory should hold.
    #[error("{}: {why}", file.display())]
    Input { file: PathBuf, why: String },
    /// A plot could not be drawn (a bug, or numbers no axis can hold).
    #[error("drawing the plot {plot}: {why}")]
    Plot { plot: String, why: String },
    #[error(transparent)]
    Io(#[from] emergent_io::IoError),
}

impl ReportError {
    pub(crate) fn input(file: impl Into<PathBuf>, why: impl ToString) -> Self {
        ReportError::Input {
            file: file.into(),
            why: why.to_string(),
        }
    }
}

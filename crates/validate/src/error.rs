//! What can go wrong running or writing the suite.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("no validation module called `{0}`; the modules are: {1}")]
    UnknownModule(String, String),
    #[error("cannot write {}: {why}", path.display())]
    Write { path: PathBuf, why: String },
    #[error("cannot draw figure `{0}`: {1}")]
    Figure(String, String),
}

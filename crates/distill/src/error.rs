//! Why `emergent distill` cannot distill a run.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum DistillError {
    #[error(transparent)]
    Io(#[from] emergent_io::IoError),
    #[error(transparent)]
    Scenario(#[from] emergent_scenario::ScenarioError),
    /// The folder is not a finished run directory.
    #[error("{}: {why}", dir.display())]
    NotARun { dir: PathBuf, why: String },
    /// The run has too few usable LLM decisions to fit anything.
    #[error("{}: {why}", dir.display())]
    TooFewDecisions { dir: PathBuf, why: String },
    /// A model could not be fitted.
    #[error("fitting the {what} model of group `{group}`: {message}")]
    Fit {
        group: String,
        what: &'static str,
        message: String,
    },
}

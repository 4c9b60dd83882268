//! What can go wrong with a scenario file.

use thiserror::Error;

/// A scenario file could not be read, parsed or validated.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// Syntax, type, unknown-key or value error at a place in the file.
    #[error("{file}:{line}:{column}: {message}")]
    At {
        /// Scenario file name.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A `--set key=value` override is wrong.
    #[error("{file}: --set {key}: {message}")]
    Override {
        /// Scenario file name.
        file: String,
        /// Dotted key path.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A `--set` argument is not of the form `KEY=VALUE`.
    #[error("--set {0}: expected KEY=VALUE, e.g. --set population.agents=1000")]
    OverrideSyntax(String),
    /// A file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// File name.
        file: String,
        /// Cause.
        source: std::io::Error,
    },
}

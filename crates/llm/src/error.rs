use std::path::PathBuf;

use thiserror::Error;

/// Why the LLM policy could not be set up, or a request could not be served.
#[derive(Debug, Error)]
pub enum LlmError {
    /// The scenario's `[llm]` section cannot be used as is.
    #[error("{file}: [llm] {key}: {message}")]
    Config {
        /// Scenario file.
        file: String,
        /// Offending key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The environment variable named by `llm.api_key_env` is not set.
    #[error(
        "{file}: [llm] api_key_env: environment variable `{var}` is not set (export it, or leave api_key_env empty for a local server)"
    )]
    MissingKey {
        /// Scenario file.
        file: String,
        /// Variable name (never its value).
        var: String,
    },
    /// A prompt template could not be read or names an unknown placeholder.
    #[error("{path}: {message}")]
    Template {
        /// Template file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// `llm.prompt` names a file that may not or cannot be read (outside the allowed
    /// folders, missing, too large, not text).
    #[error("{file}:{line}:{column}: {message}")]
    Prompt {
        /// Scenario file.
        file: String,
        /// 1-based line of the `prompt` value (of `[llm]` when it came from `--set`).
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong and what to do.
        message: String,
    },
    /// A `--allow-prompt-path` does not exist.
    #[error("--allow-prompt-path {}: {message}", path.display())]
    AllowedPath {
        /// The path as given.
        path: PathBuf,
        /// Cause.
        message: String,
    },
    /// The replay cache could not be opened or written.
    #[error("replay cache {path}: {message}")]
    Cache {
        /// Cache file.
        path: PathBuf,
        /// Cause.
        message: String,
    },
    /// `--offline` and the cache has no answer for a request.
    #[error(
        "--offline: the replay cache has no answer for agent {agent} at tick {tick} (a cache miss); rerun without --offline to call the endpoint"
    )]
    OfflineMiss {
        /// Agent.
        agent: u32,
        /// Tick.
        tick: u32,
    },
    /// Interview or survey questions that got no answer (the endpoint failed after its
    /// retries, a budget, an offline miss); the answers that came are in the replay cache.
    #[error(
        "{} of {asked} agents got no answer (agents {}): {why}; the answers that came are kept in the replay cache, so asking again sends only the missing questions (check the endpoint, then rerun)",
        agents.len(),
        crate::error::list(agents)
    )]
    NoAnswer {
        /// Agents without an answer.
        agents: Vec<u32>,
        /// Agents asked.
        asked: usize,
        /// Why.
        why: String,
    },
    /// The async runtime could not start.
    #[error("cannot start the LLM runtime: {0}")]
    Runtime(String),
}

/// At most the first ten of `agents`, comma-separated, then how many more.
pub(crate) fn list(agents: &[u32]) -> String {
    let mut s: Vec<String> = agents.iter().take(10).map(u32::to_string).collect();
    if agents.len() > 10 {
        s.push(format!("and {} more", agents.len() - 10));
    }
    s.join(", ")
}

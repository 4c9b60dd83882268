use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Scenario(#[from] emergent_scenario::ScenarioError),
    #[error(transparent)]
    Build(#[from] emergent_sim::BuildError),
    #[error(transparent)]
    Io(#[from] emergent_io::IoError),
    #[error(transparent)]
    Llm(#[from] emergent_llm::LlmError),
    #[error("{file}: indicator `{name}`: {message}")]
    Indicator {
        file: String,
        name: String,
        message: String,
    },
    #[error(
        "{0}: the run directory exists and is not empty; pass --force to overwrite it, or --resume {0} to continue an interrupted run"
    )]
    Exists(PathBuf),
    #[error("{dir}: cannot resume: {why}")]
    Resume { dir: PathBuf, why: String },
    #[error("stopped cleanly after tick {tick}: {reason}. The state is checkpointed; continue with: emergent run --resume {}", dir.display())]
    Halted {
        dir: PathBuf,
        tick: u32,
        reason: String,
    },
    #[error("{file}: cannot run --distributed: {why}; run it without mpirun")]
    Distributed { file: String, why: String },
    #[error(
        "{file}: feature `{feature}` of agent {agent} became {value} at tick {tick}: the simulation left the range of finite numbers; use smaller parameters (see the ranges in scenarios/README.md)"
    )]
    NonFinite {
        file: String,
        feature: String,
        agent: usize,
        tick: u32,
        value: f64,
    },
    #[error("{file}: the features at tick {tick} are not a valid table: {message}")]
    Features {
        file: String,
        tick: u32,
        message: String,
    },
    #[error(transparent)]
    Wire(#[from] emergent_sim::wire::WireError),
}

use std::path::PathBuf;

use thiserror::Error;

/// Why a run stopped before its last tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HaltCause {
    /// An LLM budget (`--max-calls`, `--max-tokens`) is spent: the run did what it was asked.
    Budget,
    /// The policy cannot go on (an `--offline` cache miss, an endpoint down with
    /// `llm.on_outage = "pause"`): resumable, but the run did not do what it was asked.
    Policy,
    /// The process was asked to stop by this signal (SIGINT, SIGTERM).
    Signal(i32),
}

fn halted_message(dir: &std::path::Path, tick: u32, reason: &str, checkpointed: bool) -> String {
    match checkpointed {
        true => format!(
            "stopped cleanly after tick {tick}: {reason}. The state is checkpointed; continue \
             with: emergent run --resume {}",
            dir.display()
        ),
        false => format!(
            "stopped cleanly after tick {tick}: {reason}. Checkpoints are off ([checkpoint] \
             every = 0), so the run cannot be resumed; start it again with --force"
        ),
    }
}

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
    /// The run stopped cleanly before its last tick; not a failure of the run (see
    /// [`HaltCause`]).
    #[error("{}", halted_message(dir, *tick, reason, *checkpointed))]
    Halted {
        dir: PathBuf,
        tick: u32,
        reason: String,
        cause: HaltCause,
        /// Whether the state at `tick` is checkpointed (then `--resume` continues from it).
        checkpointed: bool,
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
    /// `emergent attribute --game` cannot play this game.
    #[error("{}: emergent attribute --game: {message}", dir.display())]
    Game { dir: PathBuf, message: String },
    #[error("{}: emergent attribute --dynamic --groups: {message}", dir.display())]
    DynamicGroups { dir: PathBuf, message: String },
    /// `emergent experiment` cannot run as asked.
    #[error("emergent experiment: {what}: {message}")]
    Experiment { what: String, message: String },
    #[error(transparent)]
    Wire(#[from] emergent_sim::wire::WireError),
    /// `emergent interview` cannot ask as told: `what` names the argument or file.
    #[error("emergent interview: {what}: {message}")]
    Interview { what: String, message: String },
}

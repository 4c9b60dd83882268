//! What a run is asked to do, what it tells a progress bar, and what it returns.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use emergent_io::run_dir::IndicatorOutcome;

/// What `emergent run` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub scenario: PathBuf,
    /// Run directory; default `runs/<scenario name>-seed<seed>`.
    pub out: Option<PathBuf>,
    pub seed: Option<u64>,
    /// `KEY=VALUE` overrides, applied in order.
    pub overrides: Vec<String>,
    pub force: bool,
    /// Sleep this long after every tick (tests use it to interrupt a run mid-way).
    pub throttle: Option<Duration>,
    /// LLM agents: never call the endpoint (replay cache only).
    pub offline: bool,
    /// LLM agents: stop cleanly (checkpointed) after this many HTTP calls.
    pub max_calls: Option<u64>,
    /// LLM agents: stop cleanly after this many prompt + completion tokens.
    pub max_tokens: Option<u64>,
    /// LLM agents: files or folders `llm.prompt` may name besides the scenario's folder and
    /// the project's `prompts/`.
    pub allow_prompt_paths: Vec<PathBuf>,
    /// Stop cleanly after the current tick once this holds a signal number (the command
    /// line sets it on SIGINT and SIGTERM; the library installs no handlers).
    pub stop: Option<StopFlag>,
}

/// A signal number (0: none yet), shared with a signal handler.
pub type StopFlag = Arc<AtomicUsize>;

/// How the loop is paced and stopped (`throttle`, `stop` of [`RunOptions`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct LoopControl {
    pub throttle: Option<Duration>,
    pub stop: Option<StopFlag>,
}

impl RunOptions {
    /// This invocation's pacing and stop flag.
    pub(crate) fn control(&self) -> LoopControl {
        LoopControl {
            throttle: self.throttle,
            stop: self.stop.clone(),
        }
    }

    /// The LLM options of this invocation for the run directory `dir`. The replay cache is
    /// the scenario's (`llm.cache` or the per-user default, resolved when the policy is
    /// built); a cache an earlier version kept in `dir` is copied into it first.
    pub(crate) fn llm(&self, dir: &Path) -> emergent_llm::LlmRunOptions {
        let legacy = dir.join(emergent_llm::CACHE_FILE);
        emergent_llm::LlmRunOptions {
            offline: self.offline,
            max_calls: self.max_calls,
            max_tokens: self.max_tokens,
            allow_prompt_paths: self.allow_prompt_paths.clone(),
            legacy_cache: legacy.is_file().then_some(legacy),
            ..Default::default()
        }
    }
}

/// Told about every tick, for progress bars.
pub trait RunProgress: Sync {
    fn started(&self, _total_ticks: u32, _agents: usize) {}
    fn tick(&self, _done: u32) {}
    fn attributing(&self) {}
}

pub struct NoRunProgress;
impl RunProgress for NoRunProgress {}

/// Where the outputs are and what the attribution says.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub dir: PathBuf,
    pub agents: usize,
    pub ticks: u32,
    pub seconds: f64,
    pub indicators: Vec<IndicatorOutcome>,
    /// The policy's counters (LLM calls, tokens, retries, fallbacks…), also in the manifest.
    pub policy_stats: Vec<(String, f64)>,
}

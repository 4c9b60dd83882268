//! emergent-llm: LLM agents over any OpenAI-compatible `/v1/chat/completions` endpoint
//! (Ollama, vLLM, llama.cpp server, OpenAI), behind the simulation's policy seams.
//!
//! This is the only crate of emergent that speaks HTTP. What it adds to a plain client:
//! prompt templates per role, structured output plus defensive parsing with one repair
//! request, the surrogate's decision as the fallback, bounded concurrency with optional
//! rate limits, retries with backoff honouring `Retry-After`, call/token budgets that stop
//! a run cleanly, outage handling, and a SQLite replay cache that makes a rerun make no
//! network call and give identical outputs.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let scenario = emergent_scenario::Scenario::from_path("scenarios/social-llm-20.toml".as_ref())?;
//! let run = emergent_llm::LlmRunOptions::default(); // the scenario's replay cache
//! let mut sim = emergent_sim::Simulation::new(&scenario, None)?;
//! sim.set_policy(emergent_llm::policy_for(&scenario, &run)?);
//! # Ok(()) }
//! ```

pub mod bounded;
mod cache;
mod client;
pub mod econ;
mod endpoints;
mod engine;
mod error;
pub mod groups;
#[cfg(feature = "test-server")]
pub mod hidden_econ;
#[cfg(feature = "test-server")]
pub mod hidden_policy;
pub mod interview;
mod limiter;
pub mod parse;
pub mod persona;
mod prompt;
pub mod prompt_path;
pub mod social;
mod stats;
#[cfg(feature = "test-server")]
pub mod testing;

use std::path::{Path, PathBuf};

use emergent_scenario::Scenario;
use emergent_sim::Policy;
use emergent_sim::econ::{EconPolicy, RuleBaseline};

pub use cache::admin::{
    CacheStats, Entry as CacheEntry, PruneFilter, RunUse, open_existing as open_cache,
};
pub use cache::location::{CACHE_ENV, cache_path, default_cache_path};
pub use cache::{Cached, ReplayCache, key as cache_key};
pub use client::{CallError, ChatClient, ChatRequest, Message, Reply, Role};
pub use engine::{Fallback, Outcome};
pub use error::LlmError;
pub use prompt::Template;

/// File name of the replay cache inside a run directory, as earlier versions kept it. A run
/// directory holding one still replays: its answers are copied into the shared cache when
/// the run is resumed or rerun there ([`LlmRunOptions::legacy_cache`]).
pub const CACHE_FILE: &str = "llm-cache.sqlite";

/// How this invocation may use the endpoint.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LlmRunOptions {
    /// Replay cache (SQLite); empty: [`cache_path`] of the scenario (`llm.cache`, else the
    /// per-user default), shared by every run.
    pub cache_path: PathBuf,
    /// A run-directory cache of an earlier version to copy into `cache_path` first (only
    /// read).
    pub legacy_cache: Option<PathBuf>,
    /// Never call the endpoint; a cache miss stops the run with a clear message.
    pub offline: bool,
    /// Stop cleanly (checkpointed) once this many HTTP calls were made.
    pub max_calls: Option<u64>,
    /// Stop cleanly once this many prompt + completion tokens were used.
    pub max_tokens: Option<u64>,
    /// Threads of the policy's tokio runtime (default 2).
    pub worker_threads: Option<usize>,
    /// Files or folders `llm.prompt` may name besides the scenario's folder and the
    /// project's `prompts/` (`emergent run --allow-prompt-path`).
    pub allow_prompt_paths: Vec<PathBuf>,
}

impl LlmRunOptions {
    /// Defaults with the cache file `path`.
    pub fn with_cache(path: &Path) -> Self {
        Self {
            cache_path: path.to_path_buf(),
            ..Default::default()
        }
    }

    /// Defaults with the cache file [`CACHE_FILE`] in `dir` (tests and benches that keep a
    /// cache per folder).
    pub fn in_dir(dir: &Path) -> Self {
        Self::with_cache(&dir.join(CACHE_FILE))
    }
}

/// Whether the scenario drives any agent with an LLM.
pub fn uses_llm(scenario: &Scenario) -> bool {
    scenario.llm.enabled
}

/// Check everything about the scenario's LLM part that can be checked without the
/// endpoint, before a run writes anything: the prompt template (where it is, its size, its
/// placeholders: [`prompt_path`]) and the API key variable. The policy constructors check
/// the same again; call this first so a refused scenario leaves no file behind.
pub fn validate(scenario: &Scenario, run: &LlmRunOptions) -> Result<(), LlmError> {
    if !uses_llm(scenario) {
        return Ok(());
    }
    for spec in endpoints::specs(&scenario.llm) {
        engine::api_key(&spec, &scenario.file, run)?;
    }
    // The cache file too: a path naming something else is refused before the run starts.
    let cache = if run.cache_path.as_os_str().is_empty() {
        cache_path(scenario)?
    } else {
        run.cache_path.clone()
    };
    cache::inspect(&cache).map_err(|message| LlmError::Cache {
        path: cache.clone(),
        message,
    })?;
    if scenario.econ.is_some() {
        econ::templates(scenario, run)?;
    } else {
        social::template(scenario, run)?;
    }
    Ok(())
}

/// The social policy for `scenario`: the surrogate when it has no LLM part, otherwise the
/// LLM for its groups and the surrogate for everyone else.
pub fn policy_for(scenario: &Scenario, run: &LlmRunOptions) -> Result<Box<dyn Policy>, LlmError> {
    let surrogate = emergent_sim::policy::from_config(&scenario.policy);
    if !uses_llm(scenario) {
        return Ok(surrogate);
    }
    // The template first: a refused prompt opens no cache and makes no request.
    let template = social::template(scenario, run)?;
    let driver = engine::Driver::new(&scenario.llm, &scenario.file, scenario.scenario.seed, run)?;
    Ok(Box::new(social::LlmSocialPolicy::new(
        driver, scenario, surrogate, template,
    )))
}

/// The economic policy for an `[econ]` scenario: EconAgent's rule baseline, or the LLM for
/// its groups with the rule baseline as everyone else's policy and the fallback.
pub fn econ_policy_for(
    scenario: &Scenario,
    run: &LlmRunOptions,
) -> Result<Box<dyn EconPolicy>, LlmError> {
    if !uses_llm(scenario) {
        return Ok(Box::new(RuleBaseline));
    }
    // The templates first: a refused prompt opens no cache and makes no request.
    let templates = econ::templates(scenario, run)?;
    let driver = engine::Driver::new(&scenario.llm, &scenario.file, scenario.scenario.seed, run)?;
    Ok(Box::new(econ::LlmEconPolicy::new(
        driver,
        &scenario.llm,
        scenario.scenario.seed,
        templates,
    )))
}

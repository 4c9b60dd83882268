//! `manifest.json`'s contents: the counts a social run accumulates and the parts every
//! manifest has. The schema itself is [`emergent_io::run_dir::Manifest`].

use std::collections::BTreeMap;

use emergent_io::run_dir::{Counts, LlmCacheUse, Manifest, PolicySummary, Timings};
use emergent_scenario::Scenario;
use emergent_sim::TickReport;
use emergent_sim::action::ACTION_NAMES;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::source::ScenarioSource;

/// Counts accumulated over the run (kept in checkpoints so a resumed run reports the same).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RunStats {
    pub ticks_run: u32,
    pub agent_steps: u64,
    pub active_agent_steps: u64,
    pub exposures: u64,
    pub rejected_actions: u64,
    pub actions: BTreeMap<String, u64>,
}

impl RunStats {
    pub(crate) fn add(&mut self, agents: usize, r: &TickReport) {
        self.ticks_run += 1;
        self.agent_steps += agents as u64;
        self.active_agent_steps += r.active as u64;
        self.exposures += r.exposures;
        self.rejected_actions += r.rejected as u64;
        for (name, &n) in ACTION_NAMES.iter().zip(&r.actions) {
            if n > 0 {
                *self.actions.entry(name.to_string()).or_default() += n;
            }
        }
    }
}

pub(crate) fn sha256_hex(text: &str) -> String {
    crate::source::hex(&Sha256::digest(text.as_bytes()))
}

/// Peak resident memory of this process, from the kernel (Linux), in bytes.
pub(crate) fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// What every run's manifest says: versions, the scenario as given, the seed, the counts,
/// the policy, the timings and the outputs. Kind-specific sections are left empty.
pub(crate) fn manifest(
    source: &ScenarioSource,
    seed: u64,
    counts: Counts,
    policy: PolicySummary,
    timings: Timings,
    outputs: Vec<String>,
) -> Manifest {
    Manifest {
        counts,
        distilled_policy: None,
        distributed: None,
        economy: None,
        emergent_version: Some(env!("CARGO_PKG_VERSION").to_string()),
        git_commit: option_env!("EMERGENT_GIT_COMMIT")
            .filter(|c| !c.is_empty())
            .map(String::from),
        interventions: Vec::new(),
        kind: None,
        llm_cache: None,
        outputs,
        overrides: source.overrides.clone(),
        policy,
        scenario: source.text.clone(),
        scenario_file: source.file.clone(),
        scenario_sha256: sha256_hex(&source.text),
        seed: Some(seed),
        threads: None,
        timings,
    }
}

/// This process's wall time and `agent_steps` per second of it, and its peak memory.
pub(crate) fn timings(seconds: f64, agent_steps: f64) -> Timings {
    Timings {
        agent_steps_per_second: Some(agent_steps / seconds.max(1e-9)),
        peak_rss_bytes: peak_rss_bytes(),
        wall_seconds: Some(seconds),
    }
}

/// `llm_cache` of an LLM run: the cache file the policy used (the scenario's, resolved the
/// same way in this process) and the policy's `cache_hits` / `cache_misses`.
pub(crate) fn llm_cache_use(scenario: &Scenario, stats: &[(String, f64)]) -> Option<LlmCacheUse> {
    if !emergent_llm::uses_llm(scenario) {
        return None;
    }
    let count = |name: &str| {
        stats
            .iter()
            .find(|(k, _)| k == name)
            .map_or(0, |(_, v)| *v as u64)
    };
    Some(LlmCacheUse {
        hits: count("cache_hits"),
        misses: count("cache_misses"),
        path: emergent_llm::cache_path(scenario)
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    })
}

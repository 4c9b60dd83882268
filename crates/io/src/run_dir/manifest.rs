//! `manifest.json`: what ran, on what, and what it cost. The runner writes it last, so a run
//! directory with a manifest is complete.
//!
//! Key order: the manifest used to be a `serde_json::json!` object, whose keys serde_json
//! (without `preserve_order`) sorts alphabetically. `write_json` writes through a
//! `serde_json::Value`, so the file's keys stay sorted; the structs here also declare their
//! fields alphabetically, so that serializing one directly gives the same bytes. Keep both
//! when adding a field.
//!
//! Reading is lenient (every section has a default), so a hand-written or older manifest
//! still reads; sections only some runs have are `Option`s that are left out when absent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What kind of run wrote the directory (absent: a social run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    /// An `[econ]` scenario (EconAgent-style macroeconomy).
    Econ,
}

/// The whole of `manifest.json`. Fields in alphabetical order (see the module comment).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Manifest {
    pub counts: Counts,
    /// Runs of a distilled policy: its file, hash, provenance and fidelity report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distilled_policy: Option<super::DistilledPolicyUse>,
    /// Partitioned runs only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distributed: Option<Distributed>,
    /// `[econ]` runs only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub economy: Option<EconomySummary>,
    pub emergent_version: Option<String>,
    /// The commit the binary was built from (`EMERGENT_GIT_COMMIT` at build time), or null.
    pub git_commit: Option<String>,
    /// The run's `[[interventions]]` as the engine applied them (absent: none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interventions: Vec<InterventionRecord>,
    /// `"econ"` for an `[econ]` run; absent for a social run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<RunKind>,
    /// LLM runs: the replay cache this process used, and its hits and misses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm_cache: Option<LlmCacheUse>,
    /// The run's output files, relative to the run directory.
    pub outputs: Vec<String>,
    /// The `--set KEY=VALUE` overrides (and `scenario.seed=S` for `--seed`), in order.
    pub overrides: Vec<String>,
    pub policy: PolicySummary,
    /// The scenario text as run (before the overrides).
    pub scenario: String,
    /// The scenario file the run was started from (relative paths in it are relative to it).
    pub scenario_file: String,
    /// SHA-256 of `scenario`, in hex.
    pub scenario_sha256: String,
    pub seed: Option<u64>,
    /// Rayon worker threads (social runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    pub timings: Timings,
}

/// `counts`: what happened, summed over the whole run (a resumed run included). Social runs
/// write every field but `months`; `[econ]` runs write `agents`, `months`,
/// `recorded_ticks` and `ticks`. Fields in alphabetical order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Applied actions by kind (`post`, `reply`, `like`, …); kinds never taken are absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<BTreeMap<String, u64>>,
    /// Agent-ticks in which the agent was active (acted or read its feed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_agent_steps: Option<u64>,
    /// Agents × ticks run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_steps: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agents: Option<u64>,
    /// Follow edges at the end of the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edges: Option<u64>,
    /// Feed items shown to agents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposures: Option<u64>,
    /// Items held at the end of the run (of the last rank's view in one process).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<u64>,
    /// Months simulated (`[econ]` runs; equals `ticks`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub months: Option<u64>,
    /// Rows of `indicators.csv` (recorded ticks, tick 0 included).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_ticks: Option<u64>,
    /// Actions the world refused (e.g. liking an item that is gone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected_actions: Option<u64>,
    /// Ticks run (in this and earlier, resumed-from processes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticks: Option<u64>,
}

/// `llm_cache`: which replay cache file an LLM run used (its path; never a key) and how
/// often it answered. Counts are this process's (a resumed run: since it resumed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LlmCacheUse {
    /// Requests answered from the cache.
    pub hits: u64,
    /// Requests it had no answer for (sent to an endpoint).
    pub misses: u64,
    /// The cache file.
    pub path: String,
}

/// `policy`: who decided, and its counters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicySummary {
    pub name: String,
    /// The policy's counters (LLM calls, tokens, retries, fallbacks…). A JSON number keeps
    /// how it was written (`3.0` or `3`); a non-finite value is `null` (None).
    pub stats: BTreeMap<String, Option<serde_json::Number>>,
}

impl PolicySummary {
    /// From the policy's name and its counters (as `Policy::stats` gives them).
    pub fn new(name: impl Into<String>, stats: Vec<(String, f64)>) -> Self {
        PolicySummary {
            name: name.into(),
            stats: stats
                .into_iter()
                .map(|(k, v)| (k, serde_json::Number::from_f64(v)))
                .collect(),
        }
    }
}

/// `timings`. Fields in alphabetical order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Timings {
    /// `counts.agent_steps` (agents × months for `[econ]`) over `wall_seconds` of this
    /// process.
    pub agent_steps_per_second: Option<f64>,
    /// Peak resident memory of the process writing the manifest (rank 0), bytes; null where
    /// the kernel does not say (not Linux).
    pub peak_rss_bytes: Option<u64>,
    /// Wall time of this process (a resumed run: since it resumed), seconds.
    pub wall_seconds: Option<f64>,
}

/// `distributed`: a partitioned run's ranks and what exchanging state cost rank 0, per tick
/// it ran. Fields in alphabetical order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Distributed {
    /// Follow edges whose two ends are on different ranks.
    pub cut_edges: u64,
    /// Every rank's peak resident memory, bytes, in rank order (0 where unknown).
    pub peak_rss_bytes_per_rank: Vec<u64>,
    /// Rank 0's agents: `[first, end)`.
    pub rank0_agents: [usize; 2],
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub rank0_bytes_received_per_tick: f64,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub rank0_bytes_sent_per_tick: f64,
    /// Items fetched from other ranks (feeds' halo).
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub rank0_items_fetched_per_tick: f64,
    pub rank0_seconds_per_tick: PhaseSeconds,
    pub ranks: usize,
    /// Ticks rank 0 ran in this process.
    pub ticks: u64,
}

/// Seconds per tick in each phase of a partitioned tick. Fields in alphabetical order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhaseSeconds {
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub apply: f64,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub decide: f64,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub exchange: f64,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub fetch: f64,
}

/// `economy`: the macro outcome of an `[econ]` run; null where undefined (no finite month).
/// Fields in alphabetical order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EconomySummary {
    pub final_interest_rate: Option<f64>,
    pub final_price: Option<f64>,
    /// Means over the months where the value is finite.
    pub mean_price_inflation: Option<f64>,
    pub mean_unemployment: Option<f64>,
    pub mean_wage_inflation: Option<f64>,
    /// Σ over months.
    pub total_nominal_gdp: Option<f64>,
    pub total_real_gdp: Option<f64>,
}

/// One intervention of a run (`interventions` in the manifest): what the report marks on its
/// plots, and who a `top` selector chose. Fields in alphabetical order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InterventionRecord {
    /// The agents a `top` selector chose at `from`, ascending (absent for other selectors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen: Option<Vec<u32>>,
    /// First tick it acts at (it acts before that tick's decisions).
    pub from: u32,
    /// What it does: `silence`, `inject`, `boost`, `downrank`, `feed`, `set`, `follow`,
    /// `unfollow`.
    pub kind: String,
    /// Its `label`, else its kind: what the report's plots write at `from`.
    pub label: String,
    /// The entry as the scenario (or the program that built the list) gave it.
    pub spec: serde_json::Value,
    /// End of its window, exclusive (the run's ticks when it lasts to the end).
    pub to: u32,
}

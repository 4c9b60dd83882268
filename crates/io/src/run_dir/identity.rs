//! `.partial/run.json`: which run a run directory in progress belongs to, so `--resume` can
//! refuse a checkpoint copied in from another run (its state would continue this directory's
//! recorded rows as if it were their own).

use serde::{Deserialize, Serialize};

/// The run in progress in a run directory; a checkpoint carries the same `run_key`.
/// Fields in alphabetical order (the order `write_json` writes them in anyway).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunIdentity {
    /// The emergent version that started the run.
    pub emergent_version: String,
    /// The `--set KEY=VALUE` overrides in order.
    pub overrides: Vec<String>,
    /// SHA-256 (hex) of the distilled policy file's bytes (`[policy] kind = "distilled"`;
    /// absent for other policies): the policy is part of what the run is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_sha256: Option<String>,
    /// SHA-256 (hex) over the version, the scenario text, the overrides and the distilled
    /// policy's bytes: equal keys mean the same scenario, seed, policy and code, so the same
    /// states tick by tick.
    pub run_key: String,
    /// SHA-256 (hex) of the scenario text (as `scenario.toml`).
    pub scenario_sha256: String,
}

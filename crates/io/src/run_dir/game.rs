//! `game.json`: ground-truth Shapley values of groups of agents, measured by rerunning the
//! simulator with every group outside a coalition silenced (`emergent attribute --game`), beside
//! the group sums of the run's static and dynamic attributions.
//!
//! The file's keys are sorted alphabetically at every level (see `write_json`). Non-finite
//! numbers (an interval from one replicate, a share of a zero total) are written as `null`.

use serde::{Deserialize, Serialize};

/// A mean over replicates with its standard error and 95 % interval (Student's t).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub mean: f64,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub std_error: f64,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub low: f64,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub high: f64,
}

impl Estimate {
    /// Whether `x` lies inside [low, high] (false when the interval is undefined).
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// A player of the game: a group of agents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameGroup {
    pub name: String,
    pub agents: usize,
}

/// One group's ground-truth value for one indicator, and the attributions' sums over it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupValue {
    pub name: String,
    pub agents: usize,
    /// Shapley value φ_g of the game, mean over replicates.
    pub shapley: Estimate,
    /// φ_g / (v(N) − v(∅)), per replicate, then its mean and interval.
    pub share: Estimate,
    /// Σ over the group of the run's static φ (`attribution.parquet`), and its share of Σφ.
    pub static_phi: Option<f64>,
    pub static_share: Option<f64>,
    /// The same for the dynamic φ (`dynamic_attribution.parquet`), when the run has one.
    pub dynamic_phi: Option<f64>,
    pub dynamic_share: Option<f64>,
    /// The group's share in the same game played on the expected-value twin (`--twin`):
    /// Shapley over the twin's coalition values M(w_S), of M(w_N) − M(w_∅).
    #[serde(default)]
    pub twin_share: Option<f64>,
}

/// The game of one indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameIndicator {
    pub name: String,
    pub expr: String,
    /// The run's own final value (`attribution.json`).
    pub run_value: Option<f64>,
    /// v(N) at replicate 0: the run's own noise, so equal to `run_value`.
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub replayed_value: f64,
    /// v(N): nobody silenced.
    pub grand: Estimate,
    /// v(∅): every group silenced.
    pub empty: Estimate,
    /// v(N) − v(∅), what the Shapley values share out.
    pub total: Estimate,
    /// Largest |Σ_g φ_g − (v(N) − v(∅))| over replicates (efficiency: rounding only).
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub efficiency_gap: f64,
    pub groups: Vec<GroupValue>,
    /// Exact games: the mean over replicates of v(S) for every coalition, indexed by its mask
    /// (bit g set = group g speaks); empty for sampled games.
    #[serde(default)]
    pub coalition_values: Vec<f64>,
    /// `--twin`: the twin's value M(w_S) of every coalition, indexed like
    /// `coalition_values` (empty without `--twin`).
    #[serde(default)]
    pub twin_coalition_values: Vec<f64>,
}

/// The whole of `game.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameFile {
    /// The `--groups` spec the players came from.
    pub groups_spec: String,
    pub groups: Vec<GameGroup>,
    pub replicates: usize,
    /// `exact` (all 2^G coalitions) or `permutations` (antithetic pairs).
    pub method: String,
    /// Permutations per replicate (`permutations` only).
    pub permutations: Option<usize>,
    pub seed: u64,
    /// Simulator runs: the distinct (coalition, replicate) pairs, each a whole run of the
    /// scenario.
    pub runs: usize,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub seconds: f64,
    pub indicators: Vec<GameIndicator>,
}

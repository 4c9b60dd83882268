//! The experiment directory of `emergent experiment`: one ordinary run directory per arm ×
//! replicate (`arms/<arm>/r<k>/`), and `experiment.json` summing them up: each indicator's
//! trajectory per arm with a band over replicates, the effect at the horizon of every treated
//! arm as a paired difference with the control, and which agents carried it.
//!
//! The file's keys are sorted alphabetically at every level (see `write_json`); non-finite
//! numbers are written as `null`. It holds no timings, so an experiment resumed after an
//! interruption writes the same bytes as an uninterrupted one.

use serde::{Deserialize, Serialize};

use super::game::Estimate;
use super::names::{EXPERIMENT_ARMS, MANIFEST};

/// The run directory of replicate `r` of arm `arm`, relative to the experiment directory.
pub fn experiment_run_dir(arm: &str, replicate: usize) -> String {
    format!("{EXPERIMENT_ARMS}/{arm}/r{replicate}")
}

/// Whether the replicate's run directory `dir` is complete.
pub fn experiment_run_done(dir: &std::path::Path) -> bool {
    dir.join(MANIFEST).is_file()
}

/// One arm: the scenario's interventions plus those of its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentArm {
    pub name: String,
    /// The arm file as given (None: no extra interventions, e.g. the implicit control).
    pub file: Option<String>,
    /// `[[interventions]]` entries of the arm file.
    pub interventions: usize,
    /// Its run directories, one per replicate, relative to the experiment directory.
    pub runs: Vec<String>,
}

/// One arm's trajectory of one indicator: at each recorded tick the mean over replicates
/// and its 95 % t-interval (the band).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmTrajectory {
    pub arm: String,
    pub ticks: Vec<u32>,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64_vec")]
    pub mean: Vec<f64>,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64_vec")]
    pub low: Vec<f64>,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64_vec")]
    pub high: Vec<f64>,
}

/// An arm's value at the horizon (on the final features), per replicate and over them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmValue {
    pub arm: String,
    pub value: Estimate,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64_vec")]
    pub per_replicate: Vec<f64>,
}

/// One tier of agents (ranked by the control arm's `tier_by` column): their Σφ per
/// replicate, then its mean and interval over replicates, and the share of the effect it
/// carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierEffect {
    pub name: String,
    pub agents: usize,
    pub phi_sum: Estimate,
    /// Mean Σφ of the tier / the mean effect (a ratio of means: per-replicate shares of an
    /// effect near 0 are unstable); NaN when the mean effect is 0.
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub share: f64,
}

/// An agent with a large φ (mean over replicates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarriedAgent {
    pub agent_id: String,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub phi: f64,
}

/// Which agents carried a treated arm's effect: the treated arm's indicator attributed with
/// the control arm's features of the same replicate as the baseline (agent i's baseline row
/// is agent i in the control run), so Σφ = treated − control in every replicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Carried {
    /// The attribution method used (as in `attribution.json`).
    pub method: Option<String>,
    /// Largest completeness gap over replicates.
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub completeness_gap: f64,
    /// The column the tiers rank agents by, in the control arm (None: the table has none).
    pub tier_by: Option<String>,
    pub tiers: Vec<TierEffect>,
    /// The largest |φ| (mean over replicates), largest first.
    pub top_agents: Vec<CarriedAgent>,
    /// `phi/<arm>.csv`: agent_id and every indicator's φ, mean over replicates.
    pub phi_file: String,
}

/// A treated arm's effect on one indicator at the horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmEffect {
    pub arm: String,
    /// treated − control over the same replicate, then the mean and 95 % t-interval.
    pub effect: Estimate,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64_vec")]
    pub per_replicate: Vec<f64>,
    /// None when the attribution failed (`error` says why).
    pub carried: Option<Carried>,
    pub error: Option<String>,
}

/// One indicator of the scenario across the arms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentIndicator {
    pub name: String,
    pub expr: String,
    pub trajectories: Vec<ArmTrajectory>,
    /// Per treated arm, treated − control of the same replicate at every recorded tick: the
    /// mean and 95 % t-interval over replicates.
    pub differences: Vec<ArmTrajectory>,
    pub horizon: Vec<ArmValue>,
    /// One per treated arm (every arm but the control).
    pub effects: Vec<ArmEffect>,
}

/// The whole of `experiment.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentFile {
    /// The scenario file as given.
    pub scenario_file: String,
    /// The scenario's name.
    pub scenario: String,
    /// `--set` overrides applied to every run (with `--seed` as `scenario.seed=S`).
    pub overrides: Vec<String>,
    /// The seed that builds the world (network, population): the same in every run.
    pub seed: u64,
    pub replicates: usize,
    /// Per replicate, the noise seed every arm's run uses (None: the scenario's own noise,
    /// replicate 0 when the scenario sets no `noise_seed`).
    pub noise_seeds: Vec<Option<u64>>,
    /// The arm every other is compared with.
    pub control: String,
    /// Control first, then the treated arms in command-line order.
    pub arms: Vec<ExperimentArm>,
    pub indicators: Vec<ExperimentIndicator>,
}

//! `dynamic_attribution.json`: each indicator attributed through the expected-value dynamics
//! of the run's policy, and compared with the static attribution of the same run.
//!
//! The file's keys are sorted alphabetically at every level (see `write_json`).

use emergent_attribution::TierShare;
use serde::{Deserialize, Serialize};

use crate::run_dir::game::GameGroup;

/// One indicator attributed through the dynamics, and how it compares with the static one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DynamicOutcome {
    pub name: String,
    pub expr: String,
    /// M(1) of the expected-value model.
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub value: f64,
    /// M(0): nobody influences anybody.
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub baseline_value: f64,
    /// M(0) is undefined (e.g. a Gini of all-zero wealth) and `baseline_value` is its limit
    /// from inside the path.
    #[serde(default)]
    pub baseline_is_limit: bool,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub sum_phi: f64,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub completeness_gap: f64,
    /// Gauss–Legendre nodes: gradient evaluations over all panels.
    pub nodes: usize,
    /// Panels of α the nodes were spread over (adaptive quadrature; 1: one rule over [0, 1]).
    #[serde(default)]
    pub panels: usize,
    /// The completeness tolerance asked for (none: a fixed `--nodes K`), and whether the gap
    /// met it within the budget of gradient evaluations.
    #[serde(default)]
    pub tolerance: Option<f64>,
    #[serde(default = "met")]
    pub tolerance_met: bool,
    /// The refinement stopped before the budget: halving panels no longer reduced the gap
    /// (M(α·1) has steps finer than the panels; docs/dynamic-attribution.md).
    #[serde(default)]
    pub stalled: bool,
    /// Wall time of this indicator's attribution.
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub seconds: f64,
    /// Adjoint-pass time over forward-pass time (the design goal is ≤ 3).
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub backward_over_forward: f64,
    pub note: Option<String>,
    /// The stochastic run's value of the same indicator, for how closely the model tracks it.
    pub run_value: Option<f64>,
    pub comparison: Option<Comparison>,
    #[serde(default, deserialize_with = "crate::run_dir::tiers::tier_shares")]
    pub tiers: Vec<TierShare>,
    /// With a coalition structure (`--groups`): each group's Σφ beside the Shapley value of
    /// the twin's corner game, which it equals up to the quadrature's gap. Empty without one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<DynamicGroup>,
    /// With a coalition structure: M(1_S) for every coalition mask S of the groups (bit g set
    /// = group g participates), 2^G values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corner_values: Vec<f64>,
    /// Set when the quadrature missed its tolerance and stretches of the paths were anchored
    /// to the change between their ends (docs/dynamic-attribution.md, "Paths the quadrature
    /// cannot integrate").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchoring: Option<Anchoring>,
    /// Dynamic φ of every agent: written to `dynamic_attribution.parquet`, not to the JSON.
    #[serde(skip)]
    pub phi: Vec<f64>,
}

/// What anchoring did (`DynamicOutcome::anchoring`): panels of α anchored to M(b) − M(a)
/// (`replaced_panels`: of those, the ones off by more than their change, whose change is shared
/// equally), whole paths of the grouped attribution anchored to their corners (a fixed rule),
/// and the completeness gap of the quadratures before anchoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anchoring {
    #[serde(default)]
    pub anchored_panels: usize,
    #[serde(default)]
    pub replaced_panels: usize,
    #[serde(default)]
    pub anchored_paths: usize,
    #[serde(default)]
    pub replaced_paths: usize,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub quadrature_gap: f64,
}

fn met() -> bool {
    true
}

/// Static vs dynamic attribution of the same indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Spearman rank correlation of static and dynamic φ.
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub spearman: f64,
    /// Jaccard overlap of the 100 largest |φ| of each.
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub top100_jaccard: f64,
    /// The static φ's tier shares, over the same ranking as the dynamic ones.
    #[serde(default, deserialize_with = "crate::run_dir::tiers::tier_shares")]
    pub static_tiers: Vec<TierShare>,
}

/// One group's dynamic attribution under a coalition structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DynamicGroup {
    pub name: String,
    /// Σ φ_i over the group's agents.
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub phi: f64,
    /// φ / Σφ (null when Σφ is 0).
    pub share: Option<f64>,
    /// The exact Shapley value of the twin's corner game v(S) = M(1_S).
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub corner_shapley: f64,
}

/// How a grouped dynamic attribution was taken (`emergent attribute --dynamic RUN --groups
/// SPEC`): Aumann–Shapley with a coalition structure (docs/dynamic-attribution.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DynamicStructure {
    /// `owen`: exact Shapley between the groups (every coalition of the others), Aumann–Shapley
    /// inside each group (after Owen 1977, values of games with a priori unions).
    pub method: String,
    /// The `--groups` spec as given.
    pub groups_spec: String,
    pub groups: Vec<GameGroup>,
    /// Paths of α integrated per indicator: G·2^(G−1).
    pub paths: usize,
}

/// The whole of `dynamic_attribution.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DynamicAttributionFile {
    pub indicators: Vec<DynamicOutcome>,
    /// Set when the attribution had a coalition structure; absent for the diagonal path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structure: Option<DynamicStructure>,
}

/// [`DynamicAttributionFile`] borrowed, for writing.
#[derive(Serialize)]
pub(crate) struct DynamicAttributionFileRef<'a> {
    pub indicators: &'a [DynamicOutcome],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structure: Option<&'a DynamicStructure>,
}

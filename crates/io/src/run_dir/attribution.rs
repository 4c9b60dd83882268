//! `attribution.json`: what attributing each of the scenario's indicators on the run's final
//! features gave. The runner builds these while finishing a run; the report reads them back.
//!
//! The file's keys are sorted alphabetically at every level (see `write_json`), whatever
//! the order of the fields here.

use emergent_attribution::TierShare;
use serde::{Deserialize, Serialize};

/// An agent among the largest |φ|, with its features for the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopAgent {
    pub agent_id: String,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub phi: f64,
    /// φ / Σφ; NaN (`null` in the file) when Σφ is 0.
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    pub share: f64,
    /// (feature, final value), in the feature table's column order.
    #[serde(default, deserialize_with = "crate::run_dir::nullable::pairs")]
    pub features: Vec<(String, f64)>,
}

/// What attributing one indicator gave (or why it could not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorOutcome {
    pub name: String,
    pub expr: String,
    pub baseline: String,
    pub value: Option<f64>,
    pub baseline_value: Option<f64>,
    pub sum_phi: Option<f64>,
    pub completeness_gap: Option<f64>,
    pub method: Option<String>,
    pub steps: Option<usize>,
    pub tier_by: Option<String>,
    #[serde(default, deserialize_with = "crate::run_dir::tiers::tier_shares")]
    pub tiers: Vec<TierShare>,
    #[serde(default)]
    pub top_agents: Vec<TopAgent>,
    pub error: Option<String>,
    /// φ of every agent (of this process's agents in a partitioned run): written to
    /// `attribution.parquet`, not to the JSON.
    #[serde(skip)]
    pub phi: Option<Vec<f64>>,
}

/// The whole of `attribution.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionFile {
    pub indicators: Vec<IndicatorOutcome>,
}

/// [`AttributionFile`] borrowed, for writing.
#[derive(Serialize)]
pub(crate) struct AttributionFileRef<'a> {
    pub indicators: &'a [IndicatorOutcome],
}

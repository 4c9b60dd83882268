//! What a run writes besides the world: `[record]`, `[checkpoint]`, `[attribution]`.

use crate::limits::{MAX_NODES, MAX_TICKS, MAX_TOTAL_NODES};
use crate::location::{Problem, Problems};
use serde::{Deserialize, Serialize};

/// `[record]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecordConfig {
    /// Record features every this many ticks.
    pub every: u32,
    /// Keep the action trace (`actions.parquet`). Off, the file is written with no rows:
    /// throughput runs need not pay for a log nobody reads.
    pub actions: bool,
}

impl Default for RecordConfig {
    fn default() -> Self {
        Self {
            every: 1,
            actions: true,
        }
    }
}

/// `[checkpoint]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckpointConfig {
    /// Write a checkpoint every this many ticks; 0 disables.
    pub every: u32,
}

/// `[attribution]`: what `emergent run` attributes at the end, besides the static attribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttributionConfig {
    /// Also attribute every indicator through the dynamics (expected-value model + adjoint).
    pub dynamic: bool,
    /// Gauss–Legendre nodes in α for the dynamic attribution, per panel of α.
    pub nodes: usize,
    /// Completeness gap (relative) the dynamic attribution refines its panels of α to.
    pub tol: f64,
    /// Most gradient evaluations (nodes over all panels) the refinement may spend per
    /// indicator; `max_nodes = nodes` is one fixed rule.
    pub max_nodes: usize,
}

impl Default for AttributionConfig {
    fn default() -> Self {
        AttributionConfig {
            dynamic: false,
            nodes: 8,
            tol: 1e-6,
            max_nodes: 512,
        }
    }
}

impl RecordConfig {
    /// Semantic problems of `[record]`.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Problems::default();
        out.count(&["record", "every"], self.every.into(), 1, MAX_TICKS.into());
        out.0
    }
}

impl CheckpointConfig {
    /// Semantic problems of `[checkpoint]`.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Problems::default();
        out.count(
            &["checkpoint", "every"],
            self.every.into(),
            0,
            MAX_TICKS.into(),
        );
        out.0
    }
}

impl AttributionConfig {
    /// Semantic problems of `[attribution]`: checked before the run, not after it (a bad
    /// `nodes` used to fail only at the end, leaving a run directory without a manifest).
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Problems::default();
        out.count(
            &["attribution", "nodes"],
            self.nodes as u64,
            1,
            MAX_NODES as u64,
        );
        out.real_above(&["attribution", "tol"], self.tol, 0.0, 1.0);
        out.count(
            &["attribution", "max_nodes"],
            self.max_nodes as u64,
            self.nodes.max(1) as u64,
            MAX_TOTAL_NODES as u64,
        );
        out.0
    }
}

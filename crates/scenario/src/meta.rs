//! `[scenario]`: the run's name, length and seeds.

use crate::location::{Problem, Problems};
use serde::{Deserialize, Serialize};

/// `[scenario]`: identity and run length.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioMeta {
    /// Short identifier, used in output file names.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Number of ticks to simulate.
    #[serde(default = "default_ticks")]
    pub ticks: u32,
    /// Master seed of every random stream.
    #[serde(default)]
    pub seed: u64,
    /// When set, the tick-by-tick draws (who is active, what they do) use this seed while the
    /// network and the population still come from `seed`: replicate runs of one world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise_seed: Option<u64>,
}

/// A scenario that does not say how long it runs runs 100 ticks.
fn default_ticks() -> u32 {
    100
}

impl ScenarioMeta {
    /// Semantic problems of `[scenario]`.
    pub fn problems(&self) -> Vec<Problem> {
        let mut p = Problems::default();
        p.check(
            self.ticks >= 1,
            &["scenario", "ticks"],
            "must be at least 1".into(),
        );
        p.0
    }
}

//! `[population]`: who the agents are.

use crate::location::{Problem, Problems};
use serde::{Deserialize, Serialize};

/// `[population]`: who the agents are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PopulationConfig {
    /// Number of agents N.
    pub agents: usize,
    /// Number of contiguous communities (SBM blocks, initial stance groups).
    pub communities: usize,
    /// Number of opinion topics (stance columns).
    pub topics: usize,
    /// How initial stances are drawn.
    pub initial_stance: InitialStance,
    /// Standard deviation of noise around a community's stance centre.
    pub stance_noise: f64,
    /// Per-tick probability of being active (lognormal, clipped).
    pub activity: ActivityConfig,
    /// How strongly agents respond to what they see.
    pub susceptibility: SusceptibilityConfig,
    /// Agents whose posts, replies, reposts and quotes are suppressed: nobody sees anything
    /// of theirs. The stochastic counterpart of participation w_i = 0, for leave-one-out
    /// checks of dynamic attribution.
    pub silenced: Vec<u32>,
}

/// Initial stance distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitialStance {
    /// Uniform on [-1, 1], independent of community.
    Uniform,
    /// Community `c` of `C` centred at `-1 + (2c + 1)/C`, plus normal noise.
    ByCommunity,
}

/// `[population.activity]`: lognormal activity probability per tick.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActivityConfig {
    /// Median probability of being active in a tick.
    pub median: f64,
    /// Log-scale standard deviation (heavier tail when larger).
    pub sigma: f64,
    /// Lower clip.
    pub min: f64,
    /// Upper clip.
    pub max: f64,
}

/// `[population.susceptibility]`: uniform on `[low, high]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SusceptibilityConfig {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

impl Default for PopulationConfig {
    fn default() -> Self {
        Self {
            agents: 1000,
            communities: 1,
            topics: 1,
            initial_stance: InitialStance::Uniform,
            stance_noise: 0.3,
            activity: ActivityConfig::default(),
            susceptibility: SusceptibilityConfig::default(),
            silenced: Vec::new(),
        }
    }
}

impl Default for ActivityConfig {
    fn default() -> Self {
        Self {
            median: 0.1,
            sigma: 1.0,
            min: 0.0,
            max: 1.0,
        }
    }
}

impl Default for SusceptibilityConfig {
    fn default() -> Self {
        Self {
            low: 0.0,
            high: 1.0,
        }
    }
}

impl PopulationConfig {
    /// Semantic problems of `[population]` and its sub-tables.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Problems::default();
        let prob = |x: f64| (0.0..=1.0).contains(&x);
        let p = self;
        out.check(
            p.agents >= 1,
            &["population", "agents"],
            "must be at least 1".into(),
        );
        out.check(
            p.agents < u32::MAX as usize,
            &["population", "agents"],
            format!("must be below {}", u32::MAX),
        );
        out.check(
            (1..=p.agents.max(1)).contains(&p.communities),
            &["population", "communities"],
            "must be between 1 and the number of agents".into(),
        );
        out.check(
            (1..=256).contains(&p.topics),
            &["population", "topics"],
            "must be between 1 and 256".into(),
        );
        out.check(
            p.stance_noise >= 0.0,
            &["population", "stance_noise"],
            "must be non-negative".into(),
        );
        let a = &p.activity;
        for (k, v) in [("median", a.median), ("min", a.min), ("max", a.max)] {
            out.check(
                prob(v),
                &["population", "activity", k],
                format!("is a probability, must be in [0, 1], got {v}"),
            );
        }
        out.check(
            a.sigma >= 0.0,
            &["population", "activity", "sigma"],
            "must be non-negative".into(),
        );
        out.check(
            a.min <= a.max,
            &["population", "activity", "min"],
            "must not exceed max".into(),
        );
        let su = &p.susceptibility;
        for (k, v) in [("low", su.low), ("high", su.high)] {
            out.check(
                prob(v),
                &["population", "susceptibility", k],
                format!("must be in [0, 1], got {v}"),
            );
        }
        out.check(
            su.low <= su.high,
            &["population", "susceptibility", "low"],
            "must not exceed high".into(),
        );
        out.0
    }
}

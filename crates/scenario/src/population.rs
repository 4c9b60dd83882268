//! `[population]`: who the agents are.

use crate::limits::MAX_AGENTS;
use crate::location::{KeySeg, Problem, Problems};
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
    /// How many of the agents are bot accounts: the last `bots` ids (N − bots … N − 1). A bot
    /// never acts on its own and nothing moves its stance but a campaign (it takes the stance
    /// it is made to post); it authors items only when an
    /// intervention makes it (`inject` with the `bots` selector), so the run without that
    /// intervention — the control — holds the same dormant accounts.
    pub bots: usize,
}

impl PopulationConfig {
    /// The bot accounts' ids, `N − bots .. N` (empty without bots).
    pub fn bot_ids(&self) -> std::ops::Range<u32> {
        self.agents.saturating_sub(self.bots) as u32..self.agents as u32
    }
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

/// `[population.activity]`: activity probability per tick, lognormal (clipped to
/// `[min, max]`) or a power law on `[min, max]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActivityConfig {
    /// Which distribution.
    pub distribution: ActivityDistribution,
    /// Power law: F(a) ∝ a^−exponent on `[min, max]` (γ of activity-driven networks).
    pub exponent: f64,
    /// Median probability of being active in a tick (lognormal).
    pub median: f64,
    /// Log-scale standard deviation (heavier tail when larger; lognormal).
    pub sigma: f64,
    /// Lower clip (lognormal) or lower end ε (power law).
    pub min: f64,
    /// Upper clip (lognormal) or upper end (power law).
    pub max: f64,
}

/// How activities are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityDistribution {
    /// `median · exp(sigma · N(0, 1))`, clipped to `[min, max]`.
    #[default]
    Lognormal,
    /// F(a) = (1 − γ)/(max^{1−γ} − min^{1−γ}) · a^−γ on `[min, max]` (γ = `exponent`), drawn
    /// by inverting its distribution function: the activity-driven networks of Perra et al.
    /// (2012) and Baumann et al. (2020).
    Powerlaw,
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
            bots: 0,
        }
    }
}

impl Default for ActivityConfig {
    fn default() -> Self {
        Self {
            distribution: ActivityDistribution::Lognormal,
            exponent: 2.1,
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
        let p = self;
        out.count(
            &["population", "agents"],
            p.agents as u64,
            1,
            MAX_AGENTS as u64,
        );
        out.count(
            &["population", "communities"],
            p.communities as u64,
            1,
            p.agents.max(1) as u64,
        );
        out.count(&["population", "topics"], p.topics as u64, 1, 256);
        out.count(
            &["population", "bots"],
            p.bots as u64,
            0,
            p.agents.saturating_sub(1) as u64,
        );
        out.real(&["population", "stance_noise"], p.stance_noise, 0.0, 10.0);
        let a = &p.activity;
        for (k, v) in [("median", a.median), ("min", a.min), ("max", a.max)] {
            out.probability(&["population", "activity", k], v);
        }
        out.real(&["population", "activity", "sigma"], a.sigma, 0.0, 10.0);
        if a.distribution == ActivityDistribution::Powerlaw {
            // γ = 1 would need a logarithmic draw, and the activity-driven literature takes
            // γ > 1 (a normalisable tail as ε → 0).
            out.real_above(
                &["population", "activity", "exponent"],
                a.exponent,
                1.0,
                100.0,
            );
            out.check(
                a.min > 0.0,
                &["population", "activity", "min"],
                "must be above 0 for a power law (its lower end ε)".into(),
            );
        } else {
            out.real(
                &["population", "activity", "exponent"],
                a.exponent,
                0.0,
                100.0,
            );
        }
        out.check(
            a.min <= a.max,
            &["population", "activity", "min"],
            "must not exceed max".into(),
        );
        let su = &p.susceptibility;
        for (k, v) in [("low", su.low), ("high", su.high)] {
            out.probability(&["population", "susceptibility", k], v);
        }
        out.check(
            su.low <= su.high,
            &["population", "susceptibility", "low"],
            "must not exceed high".into(),
        );
        let mut found = out.0;
        if let Some(i) = p.silenced.iter().position(|&a| a as usize >= p.agents) {
            found.push((
                vec![
                    KeySeg::Key("population"),
                    KeySeg::Key("silenced"),
                    KeySeg::Index(i),
                ],
                format!(
                    "agent id {} is not below the number of agents ({})",
                    p.silenced[i], p.agents
                ),
            ));
        }
        found
    }
}

//! Agent attributes as flat per-agent arrays (struct of arrays), so a tick
//! touches contiguous memory and a partition of agents is a slice.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AgentId;
use crate::network::community_of;
use crate::owned::Owned;
use crate::rng::{AgentRng, purpose};
use emergent_scenario::{ActivityConfig, ActivityDistribution, InitialStance, PopulationConfig};

/// One agent's activity from its own stream: lognormal clipped to `[min, max]`, or the power
/// law F(a) ∝ a^−γ on `[min, max]` by inversion, a = (min^{1−γ} + u·(max^{1−γ} −
/// min^{1−γ}))^{1/(1−γ)} with u uniform on [0, 1) (γ > 1 and min > 0, checked with the
/// scenario).
pub fn draw_activity(cfg: &ActivityConfig, rng: &mut AgentRng) -> f64 {
    match cfg.distribution {
        ActivityDistribution::Lognormal => {
            (cfg.median * (cfg.sigma * rng.normal()).exp()).clamp(cfg.min, cfg.max)
        }
        ActivityDistribution::Powerlaw => {
            let e = 1.0 - cfg.exponent;
            let (lo, hi) = (cfg.min.powf(e), cfg.max.powf(e));
            let u = rng.uniform(0.0, 1.0);
            (lo + u * (hi - lo)).powf(1.0 / e).clamp(cfg.min, cfg.max)
        }
    }
}

/// Per-agent attributes, indexed by agent id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Population {
    /// Number of agents in the whole population (also on a rank that holds only its own).
    pub agents: usize,
    /// Number of opinion topics.
    pub topics: usize,
    /// Community of each agent.
    pub community: Owned<u32>,
    /// Stance in [-1, 1], `topics` values per agent: `stance[a * topics + t]`.
    pub stance: Owned<f64>,
    /// Probability of being active in a tick.
    pub activity: Owned<f64>,
    /// Responsiveness in [0, 1].
    pub susceptibility: Owned<f64>,
    /// Silenced agents, sorted (see `PopulationConfig::silenced`).
    #[serde(default)]
    pub silenced: Vec<u32>,
    /// The scenario's id of each agent when a METIS partition renamed them
    /// ([`crate::relabel`]); `None` when ids are the scenario's. (Always serialised:
    /// checkpoints are bincode, which cannot skip a field.)
    #[serde(default)]
    pub original_id: Option<Owned<u32>>,
}

impl Population {
    /// Draw `cfg.agents` agents; every attribute of agent `a` comes from
    /// `a`'s own stream, so the draw is parallel and partition-independent.
    pub fn generate(cfg: &PopulationConfig, seed: u64) -> Self {
        Self::generate_in(cfg, seed, 0..cfg.agents)
    }

    /// The attributes of agents `agents` only (a rank's own), as [`Population::generate`]
    /// draws them.
    pub fn generate_in(cfg: &PopulationConfig, seed: u64, agents: std::ops::Range<usize>) -> Self {
        let n = cfg.agents;
        let topics = cfg.topics.max(1);
        let c = cfg.communities.max(1);
        let lo = agents.start;
        let rows: Vec<(u32, f64, f64)> = agents
            .clone()
            .into_par_iter()
            .map(|a| {
                let mut rng = AgentRng::new(seed, a as u64, 0, purpose::POPULATION);
                let activity = draw_activity(&cfg.activity, &mut rng);
                let sus = rng.uniform(cfg.susceptibility.low, cfg.susceptibility.high);
                (community_of(a, n, c), activity, sus)
            })
            .collect();
        let stance: Vec<f64> = (lo * topics..agents.end * topics)
            .into_par_iter()
            .map(|i| {
                let (a, t) = (i / topics, i % topics);
                let mut rng =
                    AgentRng::with_extra(seed, a as u64, 0, purpose::POPULATION, 1 + t as u64);
                match cfg.initial_stance {
                    InitialStance::Uniform => rng.uniform(-1.0, 1.0),
                    InitialStance::ByCommunity => {
                        let k = rows[a - lo].0 as f64;
                        let centre = -1.0 + (2.0 * k + 1.0) / c as f64;
                        (centre + cfg.stance_noise * rng.normal()).clamp(-1.0, 1.0)
                    }
                }
            })
            .collect();
        Self {
            topics,
            agents: n,
            community: Owned::starting_at(lo, rows.iter().map(|r| r.0).collect()),
            activity: Owned::starting_at(lo, rows.iter().map(|r| r.1).collect()),
            susceptibility: Owned::starting_at(lo, rows.iter().map(|r| r.2).collect()),
            stance: Owned::starting_at(lo * topics, stance),
            silenced: {
                let mut s = cfg.silenced.clone();
                s.sort_unstable();
                s.dedup();
                s
            },
            original_id: None,
        }
    }

    /// Whether `agent`'s items are suppressed.
    #[inline]
    pub fn is_silenced(&self, agent: AgentId) -> bool {
        !self.silenced.is_empty() && self.silenced.binary_search(&agent).is_ok()
    }

    /// Number of agents (the whole population's).
    pub fn len(&self) -> usize {
        self.agents
    }

    /// True if there are no agents.
    pub fn is_empty(&self) -> bool {
        self.agents == 0
    }

    /// Keep only the attributes of `agents` (a rank's own).
    pub fn restrict(&mut self, agents: std::ops::Range<usize>) {
        let t = self.topics;
        self.community.restrict(agents.clone());
        self.activity.restrict(agents.clone());
        self.susceptibility.restrict(agents.clone());
        self.stance.restrict(agents.start * t..agents.end * t);
        if let Some(ids) = self.original_id.as_mut() {
            ids.restrict(agents);
        }
    }

    /// Stance of `agent` on `topic`.
    #[inline]
    pub fn stance(&self, agent: AgentId, topic: usize) -> f64 {
        self.stance[agent as usize * self.topics + topic]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_respect_their_ranges_and_community_centres() {
        let cfg = PopulationConfig {
            agents: 4000,
            communities: 2,
            initial_stance: InitialStance::ByCommunity,
            stance_noise: 0.1,
            ..Default::default()
        };
        let p = Population::generate(&cfg, 1);
        assert!(p.activity.local().iter().all(|&x| (0.0..=1.0).contains(&x)));
        assert!(p.stance.local().iter().all(|&x| (-1.0..=1.0).contains(&x)));
        let mean = |c: u32| {
            let v: Vec<f64> = (0..4000)
                .filter(|&a| p.community[a] == c)
                .map(|a| p.stance[a])
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!((mean(0) + 0.5).abs() < 0.02 && (mean(1) - 0.5).abs() < 0.02);
        // Lognormal median is preserved by clipping at [0, 1] when median < 1.
        let mut act = p.activity.local().to_vec();
        act.sort_by(f64::total_cmp);
        assert!((act[2000] - 0.1).abs() < 0.01, "median {}", act[2000]);
    }
}

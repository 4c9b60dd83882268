//! The whole simulation state: population, follow graph, items, counters, market, tick.
//!
//! This module holds the state and what reads or narrows it (accessors, the activity draw,
//! forgetting old items, restricting to a rank's agents). What a tick does to it lives above,
//! in [`crate::tick`]; the features recorded from it in [`crate::features`].

use std::collections::BTreeSet;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::counters::Counters;
use crate::interventions::Active;
use crate::items::Items;
use crate::market::Market;
use crate::network::Network;
use crate::population::Population;
use crate::rng::{AgentRng, purpose};
use crate::{AgentId, ItemId};
use emergent_scenario::{FeedConfig, PolicyConfig, PolicyKind};

/// What the scenario's policy makes of the engine's rules, set when the world is built.
///
/// Every policy but radicalization keeps stances in [−1, 1] and lets the activity draw pick
/// who decides. Baumann et al.'s (2020) opinions are unbounded, and every agent moves every
/// step (dx_i/dt = −x_i + …, whether or not it is active): there every agent decides each
/// tick, and the policy reads its activity as the probability of starting contacts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyRules {
    /// Stances are clamped to [−b, b]; `None`: unbounded.
    pub stance_bound: Option<f64>,
    /// Every agent decides every tick (the activity draw is left to the policy).
    pub everyone_decides: bool,
    /// Agents from this id on are bot accounts (`population.bots`): they never decide and no
    /// influence moves their stance; they post (and take the stance they post) only when an
    /// intervention makes them.
    pub bots_from: Option<AgentId>,
}

impl Default for PolicyRules {
    fn default() -> Self {
        Self {
            stance_bound: Some(1.0),
            everyone_decides: false,
            bots_from: None,
        }
    }
}

impl PolicyRules {
    /// The rules `[policy]` asks for.
    pub fn of(policy: &PolicyConfig) -> Self {
        match policy.kind {
            PolicyKind::Radicalization => Self {
                stance_bound: None,
                everyone_decides: true,
                bots_from: None,
            },
            _ => Self::default(),
        }
    }

    /// Whether `agent` is a bot account.
    #[inline]
    pub fn is_bot(&self, agent: AgentId) -> bool {
        self.bots_from.is_some_and(|b| agent >= b)
    }

    /// `value` within the stance bound.
    #[inline]
    pub fn bound(&self, value: f64) -> f64 {
        match self.stance_bound {
            Some(b) => value.clamp(-b, b),
            None => value,
        }
    }
}

/// Complete, serialisable simulation state (the checkpoint).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct World {
    /// Master seed.
    pub seed: u64,
    /// Next tick to run (ticks already run).
    pub tick: u32,
    /// Feed settings.
    pub feed: FeedConfig,
    /// Follow graph.
    pub network: Network,
    /// Agent attributes.
    pub population: Population,
    /// All items.
    pub items: Items,
    /// Per-agent cumulative counts.
    pub counters: Counters,
    /// Market (panic scenario only).
    pub market: Option<Market>,
    /// `(root << 32) | agent` for every repost made, so nobody reposts the
    /// same cascade twice. A BTreeSet keeps serialisation order stable.
    pub reposted: BTreeSet<u64>,
    /// Stance bound and who decides, from the policy.
    pub rules: PolicyRules,
    /// What the run's interventions hold now (bans, feed weights, `top` choices).
    pub interventions: Active,
}

impl World {
    /// A world at tick 0.
    pub fn new(
        seed: u64,
        feed: FeedConfig,
        network: Network,
        population: Population,
        market: Option<Market>,
    ) -> Self {
        let n = population.len();
        assert_eq!(network.len(), n, "network and population sizes differ");
        // All agents, or the rank's own when the population was generated for them only.
        let held = population.community.held();
        Self {
            seed,
            tick: 0,
            feed,
            network,
            items: Items::new(n),
            counters: Counters::for_agents(held),
            population,
            market,
            reposted: BTreeSet::new(),
            rules: PolicyRules::default(),
            interventions: Active::default(),
        }
    }

    /// Number of agents.
    pub fn agents(&self) -> usize {
        self.population.len()
    }

    /// Whether `agent` already reposted cascade `root`.
    #[inline]
    pub fn has_reposted(&self, agent: AgentId, root: ItemId) -> bool {
        self.reposted
            .contains(&(((root as u64) << 32) | agent as u64))
    }

    /// Agents active this tick, ascending; each draws from its own stream.
    pub fn active_agents(&self) -> Vec<AgentId> {
        self.active_agents_in(0..self.agents() as AgentId)
    }

    /// Active agents among `range`, ascending (a rank's share of [`World::active_agents`]).
    pub fn active_agents_in(&self, range: std::ops::Range<AgentId>) -> Vec<AgentId> {
        // Bot accounts never decide: they are the last ids, so the range stops before them.
        let end = self.rules.bots_from.map_or(range.end, |b| range.end.min(b));
        let range = range.start.min(end)..end;
        if self.rules.everyone_decides {
            return range.collect();
        }
        let (seed, tick) = (self.seed, self.tick as u64);
        range
            .into_par_iter()
            .with_min_len(4096)
            .filter(|&a| {
                AgentRng::new(seed, a as u64, tick, purpose::ACTIVITY)
                    .chance(self.population.activity[a as usize])
            })
            .collect()
    }

    /// Forget the items no feed can show any more (older than the feed window): what bounds
    /// the items a run keeps (every rank of a partitioned run, and a single-process run of
    /// surrogate policies). Nothing reads them: feeds, surrogate policies and the actions they
    /// take see recent items only, and of a cascade's old root only its author, which every
    /// item carries. (LLM prompts quote an agent's own older posts: LLM runs keep them.)
    pub fn forget_unseen_items(&mut self) {
        let first = self
            .items
            .first_since(self.tick.saturating_sub(self.feed.window));
        self.items.forget_before(first);
    }

    /// Keep only the state of `agents` (a rank's own): other authors' items and rings are
    /// blanked (their ids stay taken), the market price stays whole.
    pub fn restrict(&mut self, agents: std::ops::Range<usize>) {
        self.population.restrict(agents.clone());
        self.counters.restrict(agents.clone());
        self.network.restrict(agents.clone());
        if let Some(m) = self.market.as_mut() {
            m.restrict(agents.clone());
        }
        self.reposted
            .retain(|k| agents.contains(&((k & 0xffff_ffff) as usize)));
        self.items.blank_authors_outside(agents);
    }
}

//! The whole simulation state and the bulk-synchronous tick.
//!
//! A tick is two phases: [`World::decide`] reads the tick-t state only
//! (`&self`, parallel), then [`World::apply`] applies every decision in agent
//! id order (`&mut self`, sequential). Decisions cannot see each other, so the
//! result is the same for any thread count or agent partition. `apply` mutates
//! in place instead of returning a new state because copying a 1e6-agent
//! world every tick would cost more than the tick.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::action::{Action, Decision};
use crate::config::FeedConfig;
use crate::counters::Counters;
use crate::feed::{Feeds, build_feeds};
use crate::items::{ItemKind, Items, NO_ITEM};
use crate::market::Market;
use crate::network::Network;
use crate::policy::Policy;
use crate::population::Population;
use crate::rng::{AgentRng, purpose};
use crate::wire::DecisionLog;
use crate::{AgentId, ItemId};

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
}

/// The decisions of one tick, with the feeds they were made on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decisions {
    /// Active agents (ascending) and their feeds.
    pub feeds: Feeds,
    /// `decisions[i]` belongs to `feeds.agents[i]`.
    pub decisions: Vec<Decision>,
}

/// One applied action.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Who acted.
    pub agent: AgentId,
    /// What they did.
    pub action: Action,
    /// Item created by it, or `NO_ITEM`.
    pub item: ItemId,
}

/// What happened in one tick, for the recorder.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TickReport {
    /// The tick that was run.
    pub tick: u32,
    /// Agents active in it.
    pub active: usize,
    /// Feed items shown in total.
    pub exposures: u64,
    /// Applied actions in application order.
    pub events: Vec<Event>,
    /// Actions skipped as invalid.
    pub rejected: usize,
    /// Market price after the tick (panic scenario).
    pub price: Option<f64>,
    /// Net order flow of the tick (panic scenario).
    pub net_flow: Option<f64>,
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
        Self {
            seed,
            tick: 0,
            feed,
            network,
            items: Items::new(n),
            counters: Counters::new(n),
            population,
            market,
            reposted: BTreeSet::new(),
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

    /// Phase 1: feeds and decisions of the active agents, from this state only.
    pub fn decide(&self, policy: &dyn Policy) -> Decisions {
        self.decide_range(policy, 0..self.agents() as AgentId)
    }

    /// Phase 1 for the agents in `range` only: what one rank of a partitioned run decides.
    /// The decisions of consecutive ranges, concatenated, are those of [`World::decide`].
    pub fn decide_range(&self, policy: &dyn Policy, range: std::ops::Range<AgentId>) -> Decisions {
        let feeds = build_feeds(self, &self.active_agents_in(range));
        let decisions = policy.decide_batch(self, &feeds);
        assert_eq!(
            decisions.len(),
            feeds.len(),
            "policy returned a wrong number of decisions"
        );
        Decisions { feeds, decisions }
    }

    /// Phase 2: apply decisions in agent-id order and advance the tick.
    pub fn apply(&mut self, d: &Decisions) -> TickReport {
        self.apply_each(d.feeds.len(), |i| {
            (d.feeds.agents[i], d.feeds.feed(i).len(), &d.decisions[i])
        })
    }

    /// Phase 2 from a decoded [`DecisionLog`] (the decisions of every rank of a partitioned
    /// run); the same as [`World::apply`] on the decisions it was made from.
    pub fn apply_log(&mut self, log: &DecisionLog) -> TickReport {
        self.apply_each(log.agents.len(), |i| {
            (log.agents[i], log.seen[i] as usize, &log.decisions[i])
        })
    }

    /// `entry(i)` = (agent, feed items seen, decision) of the `i`-th of `n` decisions.
    fn apply_each<'d>(
        &mut self,
        n: usize,
        entry: impl Fn(usize) -> (AgentId, usize, &'d Decision),
    ) -> TickReport {
        let t = self.tick;
        self.items.begin_tick(t);
        let mut report = TickReport {
            tick: t,
            active: n,
            ..Default::default()
        };
        let mut trades: Vec<(AgentId, f64)> = Vec::new();
        // Final desired presence of each edited edge, so a follow then
        // unfollow in one tick cancels out.
        let mut edge_edits: BTreeMap<(AgentId, AgentId), bool> = BTreeMap::new();
        for i in 0..n {
            let (agent, seen, decision) = entry(i);
            self.counters.exposures[agent as usize] += seen as u32;
            report.exposures += seen as u64;
            for &action in decision.actions() {
                match self.apply_one(agent, action, &mut trades, &mut edge_edits) {
                    Some(item) => report.events.push(Event {
                        agent,
                        action,
                        item,
                    }),
                    None => report.rejected += 1,
                }
            }
        }
        if let Some(m) = self.market.as_mut() {
            m.clear(&trades);
            report.price = Some(m.price);
            report.net_flow = Some(m.last_net_flow);
        }
        let (mut adds, mut removes) = (Vec::new(), Vec::new());
        for ((u, v), want) in edge_edits {
            match (want, self.network.follows(u, v)) {
                (true, false) => adds.push((u, v)),
                (false, true) => removes.push((u, v)),
                _ => {}
            }
        }
        self.network.apply_edits(adds, removes);
        self.tick += 1;
        report
    }

    /// Both phases.
    pub fn step(&mut self, policy: &dyn Policy) -> TickReport {
        let d = self.decide(policy);
        self.apply(&d)
    }

    /// Apply one action; `Some(created item or NO_ITEM)` if valid.
    fn apply_one(
        &mut self,
        agent: AgentId,
        action: Action,
        trades: &mut Vec<(AgentId, f64)>,
        edge_edits: &mut BTreeMap<(AgentId, AgentId), bool>,
    ) -> Option<ItemId> {
        let t = self.tick;
        let a = agent as usize;
        let n_items = self.items.len() as ItemId;
        let topics = self.population.topics;
        if matches!(
            action,
            Action::Post { .. }
                | Action::Reply { .. }
                | Action::Quote { .. }
                | Action::Repost { .. }
        ) && self.population.is_silenced(agent)
        {
            return None;
        }
        let c = &mut self.counters;
        match action {
            Action::Nothing => Some(NO_ITEM),
            Action::Post { topic, stance } => {
                if topic as usize >= topics {
                    return None;
                }
                c.posts[a] += 1;
                Some(
                    self.items
                        .push(agent, t, topic, stance, ItemKind::Post, NO_ITEM),
                )
            }
            Action::Reply { parent, stance } | Action::Quote { parent, stance } => {
                if parent >= n_items {
                    return None;
                }
                let p = parent as usize;
                let author = self.items.author[p] as usize;
                let kind = if matches!(action, Action::Reply { .. }) {
                    c.replies[a] += 1;
                    c.replies_received[author] += 1;
                    ItemKind::Reply
                } else {
                    c.quotes[a] += 1;
                    c.quotes_received[author] += 1;
                    ItemKind::Quote
                };
                self.items.shares[p] += 1;
                let topic = self.items.topic[p];
                Some(self.items.push(agent, t, topic, stance, kind, parent))
            }
            Action::Repost { parent } => {
                if parent >= n_items {
                    return None;
                }
                let p = parent as usize;
                let root = self.items.root[p];
                let key = ((root as u64) << 32) | agent as u64;
                if self.items.author[root as usize] == agent || self.reposted.contains(&key) {
                    return None;
                }
                self.reposted.insert(key);
                let author = self.items.author[p] as usize;
                c.reposts[a] += 1;
                c.reposts_received[author] += 1;
                self.items.shares[p] += 1;
                let (topic, stance) = (self.items.topic[p], self.items.stance[p]);
                Some(
                    self.items
                        .push(agent, t, topic, stance, ItemKind::Repost, parent),
                )
            }
            Action::Like { item } => {
                if item >= n_items || self.items.author[item as usize] == agent {
                    return None;
                }
                let author = self.items.author[item as usize] as usize;
                c.likes_given[a] += 1;
                c.likes_received[author] += 1;
                self.items.likes[item as usize] += 1;
                Some(NO_ITEM)
            }
            Action::Follow { agent: v } | Action::Unfollow { agent: v } => {
                if v == agent || v as usize >= self.agents() {
                    return None;
                }
                edge_edits.insert((agent, v), matches!(action, Action::Follow { .. }));
                Some(NO_ITEM)
            }
            Action::SetStance { topic, value } => {
                if topic as usize >= topics || !value.is_finite() {
                    return None;
                }
                self.population.stance[a * topics + topic as usize] = value.clamp(-1.0, 1.0);
                Some(NO_ITEM)
            }
            Action::Trade { quantity } => {
                let m = self.market.as_mut()?;
                let q = m.execute(agent, quantity, t);
                if q == 0.0 {
                    return None;
                }
                trades.push((agent, q));
                Some(NO_ITEM)
            }
        }
    }
}

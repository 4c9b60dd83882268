//! The whole simulation state and the bulk-synchronous tick.
//!
//! A tick is two phases: [`World::decide`] reads the tick-t state only
//! (`&self`, parallel), then [`World::apply`] applies every decision in agent
//! id order (`&mut self`, sequential). Decisions cannot see each other, so the
//! result is the same for any thread count or agent partition. `apply` mutates
//! in place instead of returning a new state because copying a 1e6-agent
//! world every tick would cost more than the tick.
//!
//! `apply` is itself two steps, so that a partitioned run can split it: the
//! **owner step** ([`World::apply_own`]) checks each action against the actor's
//! own state and the items that existed when the tick began, and applies what
//! only the actor's state sees (its counters, stance, reposts, trades); the
//! **global step** ([`World::apply_global`]) applies the accepted actions'
//! effects on others, in agent order: new items, likes and shares, the
//! engagement counters of authors, follow edges, the market price. A rank runs
//! the owner step for its own agents, the ranks exchange the accepted actions
//! ([`crate::wire`]), and every rank runs the global step on all of them,
//! touching only the per-agent state it holds ([`crate::owned`]).

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
use crate::wire::TickLog;
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

/// An action its owner accepted, with what the global step needs of it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Accepted {
    /// Who acted.
    pub agent: AgentId,
    /// What they did, as decided.
    pub action: Action,
    /// For a trade, the quantity executed (clipped to holdings or cash); else 0.
    pub traded: f64,
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
        let log = self.apply_own(d);
        self.apply_global(&log)
    }

    /// The owner step of phase 2 for decisions of agents whose state is held here: check each
    /// action, apply its effects on the actor, and list what was accepted.
    pub fn apply_own(&mut self, d: &Decisions) -> TickLog {
        // Items an action may refer to: those that existed when the tick began (and that this
        // process still keeps: a partitioned run forgets those no feed can show).
        let items = self.items.author.held();
        let items = items.start as ItemId..items.end as ItemId;
        let mut log = TickLog {
            active: d.feeds.len() as u64,
            ..Default::default()
        };
        for (i, decision) in d.decisions.iter().enumerate() {
            let agent = d.feeds.agents[i];
            let seen = d.feeds.feed(i).len() as u32;
            self.counters.exposures[agent as usize] += seen;
            log.exposures += seen as u64;
            for &action in decision.actions() {
                match self.own_effects(agent, action, &items) {
                    Some(traded) => log.accepted.push(Accepted {
                        agent,
                        action,
                        traded,
                    }),
                    None => log.rejected += 1,
                }
            }
        }
        log
    }

    /// The global step of phase 2: the accepted actions of every agent (in agent order),
    /// applied to the state held here; advances the tick.
    pub fn apply_global(&mut self, log: &TickLog) -> TickReport {
        let t = self.tick;
        self.items.begin_tick(t);
        let mut report = TickReport {
            tick: t,
            active: log.active as usize,
            exposures: log.exposures,
            rejected: log.rejected as usize,
            events: Vec::with_capacity(log.accepted.len()),
            ..Default::default()
        };
        let mut trades: Vec<(AgentId, f64)> = Vec::new();
        // Final desired presence of each edited edge, so a follow then
        // unfollow in one tick cancels out.
        let mut edge_edits: BTreeMap<(AgentId, AgentId), bool> = BTreeMap::new();
        for e in &log.accepted {
            let item = self.global_effects(e, &mut trades, &mut edge_edits);
            report.events.push(Event {
                agent: e.agent,
                action: e.action,
                item,
            });
        }
        if let Some(m) = self.market.as_mut() {
            m.clear(&trades);
            report.price = Some(m.price);
            report.net_flow = Some(m.last_net_flow);
        }
        self.network.apply_wanted(&edge_edits);
        self.tick += 1;
        report
    }

    /// Both phases.
    pub fn step(&mut self, policy: &dyn Policy) -> TickReport {
        let d = self.decide(policy);
        self.apply(&d)
    }

    /// Check one action of `agent` (held here) and apply its effects on the actor;
    /// `Some(executed trade quantity, or 0)` if accepted. `items`: those it may refer to.
    fn own_effects(
        &mut self,
        agent: AgentId,
        action: Action,
        items: &std::ops::Range<ItemId>,
    ) -> Option<f64> {
        let a = agent as usize;
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
            Action::Nothing => {}
            Action::Post { topic, .. } => {
                if topic as usize >= topics {
                    return None;
                }
                c.posts[a] += 1;
            }
            Action::Reply { parent, .. } | Action::Quote { parent, .. } => {
                if !items.contains(&parent) {
                    return None;
                }
                if matches!(action, Action::Reply { .. }) {
                    c.replies[a] += 1;
                } else {
                    c.quotes[a] += 1;
                }
            }
            Action::Repost { parent } => {
                if !items.contains(&parent) {
                    return None;
                }
                let p = parent as usize;
                let key = ((self.items.root[p] as u64) << 32) | agent as u64;
                if self.items.root_author[p] == agent || self.reposted.contains(&key) {
                    return None;
                }
                self.reposted.insert(key);
                c.reposts[a] += 1;
            }
            Action::Like { item } => {
                if !items.contains(&item) || self.items.author[item as usize] == agent {
                    return None;
                }
                c.likes_given[a] += 1;
            }
            Action::Follow { agent: v } | Action::Unfollow { agent: v } => {
                if v == agent || v as usize >= self.agents() {
                    return None;
                }
            }
            Action::SetStance { topic, value } => {
                if topic as usize >= topics || !value.is_finite() {
                    return None;
                }
                self.population.stance[a * topics + topic as usize] = value.clamp(-1.0, 1.0);
            }
            Action::Trade { quantity } => {
                let m = self.market.as_mut()?;
                let q = m.execute(agent, quantity);
                if q == 0.0 {
                    return None;
                }
                return Some(q);
            }
        }
        Some(0.0)
    }

    /// The effects of an accepted action on everything but the actor's own state; returns the
    /// item it created, or `NO_ITEM`. Engagement counters move only for authors held here.
    fn global_effects(
        &mut self,
        e: &Accepted,
        trades: &mut Vec<(AgentId, f64)>,
        edge_edits: &mut BTreeMap<(AgentId, AgentId), bool>,
    ) -> ItemId {
        let (t, agent) = (self.tick, e.agent);
        let c = &mut self.counters;
        match e.action {
            Action::Post { topic, stance } => {
                self.items
                    .push(agent, t, topic, stance, ItemKind::Post, NO_ITEM)
            }
            Action::Reply { parent, stance } | Action::Quote { parent, stance } => {
                let p = parent as usize;
                let author = self.items.author[p] as usize;
                let reply = matches!(e.action, Action::Reply { .. });
                if c.holds(author) {
                    if reply {
                        c.replies_received[author] += 1;
                    } else {
                        c.quotes_received[author] += 1;
                    }
                }
                let kind = if reply {
                    ItemKind::Reply
                } else {
                    ItemKind::Quote
                };
                self.items.shares[p] += 1;
                let topic = self.items.topic[p];
                self.items.push(agent, t, topic, stance, kind, parent)
            }
            Action::Repost { parent } => {
                let p = parent as usize;
                let author = self.items.author[p] as usize;
                if c.holds(author) {
                    c.reposts_received[author] += 1;
                }
                self.items.shares[p] += 1;
                let (topic, stance) = (self.items.topic[p], self.items.stance[p]);
                self.items
                    .push(agent, t, topic, stance, ItemKind::Repost, parent)
            }
            Action::Like { item } => {
                let author = self.items.author[item as usize] as usize;
                if c.holds(author) {
                    c.likes_received[author] += 1;
                }
                self.items.likes[item as usize] += 1;
                NO_ITEM
            }
            Action::Follow { agent: v } | Action::Unfollow { agent: v } => {
                edge_edits.insert((agent, v), matches!(e.action, Action::Follow { .. }));
                NO_ITEM
            }
            Action::Trade { .. } => {
                if let Some(m) = self.market.as_mut() {
                    m.record_sale(agent, e.traded, t);
                }
                trades.push((agent, e.traded));
                NO_ITEM
            }
            Action::Nothing | Action::SetStance { .. } => NO_ITEM,
        }
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

    /// Keep only the state of `agents` (a rank's own); items, the market price and the
    /// per-author recent items stay whole (every rank's feeds and policies read them).
    pub fn restrict(&mut self, agents: std::ops::Range<usize>) {
        self.population.restrict(agents.clone());
        self.counters.restrict(agents.clone());
        self.network.restrict(agents.clone());
        if let Some(m) = self.market.as_mut() {
            m.restrict(agents.clone());
        }
        self.reposted
            .retain(|k| agents.contains(&((k & 0xffff_ffff) as usize)));
    }
}

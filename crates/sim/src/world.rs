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
//! own state and the items it was shown, and applies what only the actor's state
//! sees (its counters, stance, reposts, trades); the **global step**
//! ([`World::apply_global`]) creates the actor's items and applies what other
//! agents' actions did to the state held here (engagement with its items, follow
//! edits, the market price), delivered by their ranks ([`crate::delivery`]). One
//! process delivers everything to itself, so both run the same code.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::action::{Action, Decision};
use crate::counters::Counters;
use crate::delivery::{self, Engagement, creates_item};
use crate::feed::{Feeds, build_feeds};
use crate::items::{ItemKind, Items, NO_ITEM};
use crate::market::Market;
use crate::network::Network;
use crate::policy::Policy;
use crate::population::Population;
use crate::rng::{AgentRng, purpose};
use crate::wire::{TickLog, WireError};
use crate::{AgentId, ItemId};
use emergent_scenario::FeedConfig;

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
    /// Applied actions in application order: this rank's (all of them in one process).
    pub events: Vec<Event>,
    /// Applied actions of the whole tick (every rank's), by kind ([`Action::code`]).
    pub actions: [u64; crate::action::ACTION_NAMES.len()],
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
        self.decide_for(policy, &self.active_agents_in(range))
    }

    /// Phase 1 for `agents` (active, ascending).
    pub fn decide_for(&self, policy: &dyn Policy, agents: &[AgentId]) -> Decisions {
        let feeds = build_feeds(self, agents);
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
        let own = self.apply_own(d);
        let edges = [0, self.agents()];
        let inbox = delivery::route(self, &own, 0, &edges);
        self.apply_global(&own, &inbox, 0)
            .expect("a process decodes what it encoded itself")
    }

    /// The owner step of phase 2 for decisions of agents whose state is held here: check each
    /// action, apply its effects on the actor, and list what was accepted. An action may name
    /// only an item its agent was shown this tick (so a rank knows every item its agents act
    /// on: those it fetched for their feeds, see [`crate::halo`]).
    pub fn apply_own(&mut self, d: &Decisions) -> TickLog {
        // Items an action may refer to: those that existed when the tick began (and that this
        // process still keeps: runs of surrogate policies forget those no feed can show).
        let items = self.items.author.held();
        let items = items.start as ItemId..items.end as ItemId;
        let mut log = TickLog {
            active: d.feeds.len() as u64,
            ..Default::default()
        };
        for (i, decision) in d.decisions.iter().enumerate() {
            let agent = d.feeds.agents[i];
            let shown = d.feeds.feed(i);
            self.counters.exposures[agent as usize] += shown.len() as u32;
            log.exposures += shown.len() as u64;
            for &action in decision.actions() {
                let named = match action {
                    Action::Reply { parent, .. }
                    | Action::Quote { parent, .. }
                    | Action::Repost { parent } => Some(parent),
                    Action::Like { item } => Some(item),
                    _ => None,
                };
                let known = named.is_none_or(|i| items.contains(&i) && shown.contains(&i));
                match known.then(|| self.own_effects(agent, action)).flatten() {
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

    /// The global step of phase 2 on this rank (`me`): its own accepted actions `own` (from
    /// [`World::apply_own`]) create their items, and every rank's deliveries to it (`inbox`,
    /// indexed by sender, see [`crate::delivery`]) are applied in rank order, which is agent
    /// order: engagements with the items it owns, follow edits of the rows it holds, every
    /// trade. Advances the tick.
    ///
    /// The report counts the whole tick's actions and lists this rank's (every rank records
    /// its own).
    pub fn apply_global(
        &mut self,
        own: &TickLog,
        inbox: &[Vec<u8>],
        me: usize,
    ) -> Result<TickReport, WireError> {
        let t = self.tick;
        self.items.begin_tick(t);
        let parts = inbox
            .iter()
            .map(|p| delivery::decode(p))
            .collect::<Result<Vec<_>, _>>()?;
        if parts[me].new_items as usize
            != own
                .accepted
                .iter()
                .filter(|e| creates_item(&e.action))
                .count()
        {
            return Err(WireError("a rank's own item count differs", 0));
        }
        // Each rank's block of this tick's item ids, in rank order.
        let mut starts = Vec::with_capacity(parts.len());
        let mut next = self.items.len() as ItemId;
        for (r, p) in parts.iter().enumerate() {
            starts.push(next);
            if p.new_items > 0 {
                self.items.owners.push((next, r as u32));
            }
            next += p.new_items;
        }
        self.items
            .push_blanks((starts[me] as usize) - self.items.len());
        for e in &own.accepted {
            if creates_item(&e.action) {
                self.create_item(e);
            }
        }
        self.items.push_blanks(next as usize - self.items.len());
        let c = &mut self.counters;
        for p in &parts {
            for &(item, kind) in &p.engagements {
                let i = item as usize;
                let author = self.items.author[i] as usize;
                if !c.holds(author) {
                    return Err(WireError(
                        "an engagement sent to a rank not owning its item",
                        0,
                    ));
                }
                let received = match kind {
                    Engagement::Like => {
                        self.items.likes[i] += 1;
                        &mut c.likes_received
                    }
                    Engagement::Reply => &mut c.replies_received,
                    Engagement::Quote => &mut c.quotes_received,
                    Engagement::Repost => &mut c.reposts_received,
                };
                received[author] += 1;
                if kind != Engagement::Like {
                    self.items.shares[i] += 1;
                }
            }
        }
        // Final desired presence of each edited edge, so a follow then unfollow in one tick
        // cancels out.
        let wanted: BTreeMap<(AgentId, AgentId), bool> =
            parts.iter().flat_map(|p| p.edges.iter().copied()).collect();
        self.network.apply_wanted(&wanted);
        let mut report = TickReport {
            tick: t,
            ..Default::default()
        };
        if let Some(m) = self.market.as_mut() {
            let trades: Vec<(AgentId, f64)> = parts
                .iter()
                .flat_map(|p| p.trades.iter().copied())
                .collect();
            for &(a, q) in &trades {
                m.record_sale(a, q, t);
            }
            m.clear(&trades);
            report.price = Some(m.price);
            report.net_flow = Some(m.last_net_flow);
        }
        for p in &parts {
            report.active += p.counts[0] as usize;
            report.exposures += p.counts[1];
            report.rejected += p.counts[2] as usize;
            for (n, k) in report.actions.iter_mut().zip(p.by_kind) {
                *n += k;
            }
        }
        let mut item = starts[me];
        report.events.extend(own.accepted.iter().map(|e| Event {
            agent: e.agent,
            action: e.action,
            item: match creates_item(&e.action) {
                true => {
                    item += 1;
                    item - 1
                }
                false => NO_ITEM,
            },
        }));
        self.tick += 1;
        Ok(report)
    }

    /// Both phases.
    pub fn step(&mut self, policy: &dyn Policy) -> TickReport {
        let d = self.decide(policy);
        self.apply(&d)
    }

    /// Check one action of `agent` (held here; any item it names was shown to it) and apply
    /// its effects on the actor; `Some(executed trade quantity, or 0)` if accepted.
    fn own_effects(&mut self, agent: AgentId, action: Action) -> Option<f64> {
        let a = agent as usize;
        let topics = self.population.topics;
        if creates_item(&action) && self.population.is_silenced(agent) {
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
            Action::Reply { .. } => c.replies[a] += 1,
            Action::Quote { .. } => c.quotes[a] += 1,
            Action::Repost { parent } => {
                let p = parent as usize;
                let key = ((self.items.root[p] as u64) << 32) | agent as u64;
                if self.items.root_author[p] == agent || self.reposted.contains(&key) {
                    return None;
                }
                self.reposted.insert(key);
                c.reposts[a] += 1;
            }
            Action::Like { item } => {
                if self.items.author[item as usize] == agent {
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

    /// Append the item an accepted post, reply, quote or repost of an agent held here
    /// creates (its parent's fields are here: the parent was in the agent's feed).
    fn create_item(&mut self, e: &Accepted) -> ItemId {
        let (t, agent) = (self.tick, e.agent);
        let items = &mut self.items;
        match e.action {
            Action::Post { topic, stance } => {
                items.push(agent, t, topic, stance, ItemKind::Post, NO_ITEM)
            }
            Action::Reply { parent, stance } | Action::Quote { parent, stance } => {
                let kind = match e.action {
                    Action::Reply { .. } => ItemKind::Reply,
                    _ => ItemKind::Quote,
                };
                let topic = items.topic[parent as usize];
                items.push(agent, t, topic, stance, kind, parent)
            }
            Action::Repost { parent } => {
                let p = parent as usize;
                let (topic, stance) = (items.topic[p], items.stance[p]);
                items.push(agent, t, topic, stance, ItemKind::Repost, parent)
            }
            _ => unreachable!("only posts, replies, quotes and reposts create items"),
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

//! The bulk-synchronous tick over the [`World`] state, whole or on one rank of a split run.
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
//!
//! [`step_partitioned`] is one tick of a run split over ranks ([`crate::partition`]): the
//! fetch of other ranks' items ([`crate::halo`]), the phases above, and the delivery between
//! the two steps ([`crate::delivery`]).

use std::collections::BTreeMap;

use emergent_collective::Collective;

use crate::action::Action;
use crate::delivery::{self, Delivery, Engagement, creates_item};
use crate::feed::build_feeds;
use crate::halo::{self, Halo};
use crate::items::{ItemKind, NO_ITEM};
use crate::partition::Partition;
use crate::policy::Policy;
use crate::tick_types::{Decisions, Event, TickReport};
use crate::wire::{Accepted, TickLog, WireError};
use crate::world::World;
use crate::{AgentId, ItemId};

impl World {
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
                    Action::Like { item } | Action::Influence { item, .. } => Some(item),
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
        let first_own = self.create_items(own, &parts, me)?;
        self.receive_engagements(&parts)?;
        self.receive_influences(&parts)?;
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
                m.record_trade(a, q, t);
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
        let mut item = first_own;
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

    /// This tick's items: every rank's block of ids in rank order (`parts`, indexed by sender,
    /// say how many each creates), this rank's (`me`) filled from its accepted actions `own`,
    /// the others' left blank. Returns the first id of this rank's block.
    fn create_items(
        &mut self,
        own: &TickLog,
        parts: &[Delivery],
        me: usize,
    ) -> Result<ItemId, WireError> {
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
        Ok(starts[me])
    }

    /// Count every rank's engagements with the items held here, in rank order, on the items
    /// and on their authors.
    fn receive_engagements(&mut self, parts: &[Delivery]) -> Result<(), WireError> {
        let c = &mut self.counters;
        for p in parts {
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
        Ok(())
    }

    /// Shift the stances of the authors of the items held here that every rank's agents
    /// influenced (radicalization's reciprocity), in rank order, which is agent order.
    fn receive_influences(&mut self, parts: &[Delivery]) -> Result<(), WireError> {
        let topics = self.population.topics;
        for p in parts {
            for &(item, delta) in &p.influences {
                let i = item as usize;
                let author = self.items.author[i] as usize;
                if !self.counters.holds(author) {
                    return Err(WireError(
                        "an influence sent to a rank not owning its item",
                        0,
                    ));
                }
                if self.rules.is_bot(author as AgentId) {
                    continue; // nothing moves a bot's stance
                }
                let at = author * topics + self.items.topic[i] as usize;
                let x = self.population.stance[at] + delta;
                self.population.stance[at] = self.rules.bound(x);
            }
        }
        Ok(())
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
        // A banned agent still reads and updates its own stance; nothing it does reaches
        // anyone else.
        if self.interventions.bans()
            && self.interventions.is_banned(agent)
            && !matches!(action, Action::Nothing | Action::SetStance { .. })
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
                self.population.stance[a * topics + topic as usize] = self.rules.bound(value);
            }
            Action::Influence { item, delta } => {
                if self.items.author[item as usize] == agent || !delta.is_finite() {
                    return None;
                }
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
}

/// What one partitioned tick cost, for the run's manifest and the scale evidence.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TickCost {
    /// Bytes this rank sent to other ranks (fetch requests and answers, deliveries).
    pub bytes_sent: u64,
    /// Bytes this rank received from other ranks.
    pub bytes_received: u64,
    /// Items fetched from other ranks for this rank's feeds.
    pub items_fetched: u64,
    /// Seconds drawing the active agents and fetching other ranks' items for their feeds
    /// (including waiting for the slowest rank).
    pub fetch_seconds: f64,
    /// Seconds deciding and running the owner step (own agents).
    pub decide_seconds: f64,
    /// Seconds in the delivery exchange (including waiting for the slowest rank).
    pub exchange_seconds: f64,
    /// Seconds in the global step (own items, deliveries received) and forgetting.
    pub apply_seconds: f64,
}

/// Bytes of `parts` other than the one at `me`.
fn foreign_bytes(parts: &[Vec<u8>], me: usize) -> u64 {
    parts
        .iter()
        .enumerate()
        .filter(|&(r, _)| r != me)
        .map(|(_, p)| p.len() as u64)
        .sum()
}

/// One tick of a partitioned run: fetch the other ranks' items the owned agents' feeds read
/// ([`crate::halo`]), decide and run the owner step for the owned agents, deliver what their
/// actions do to state other ranks own ([`crate::delivery`]), run the global step, forget
/// items no feed can show, and blank the fetched items. With [`emergent_collective::Solo`] and
/// [`Partition::single`] this is exactly [`World::step`] (then the forgetting).
pub fn step_partitioned(
    world: &mut World,
    policy: &dyn Policy,
    part: &Partition,
    exchange: &dyn Collective,
) -> Result<(TickReport, TickCost), WireError> {
    step_partitioned_with(world, policy, part, exchange, &|_, _| {})
}

/// [`step_partitioned`] with `add` adding to this rank's decisions before they apply (the
/// posts interventions inject, see [`crate::interventions`]).
pub fn step_partitioned_with(
    world: &mut World,
    policy: &dyn Policy,
    part: &Partition,
    exchange: &dyn Collective,
    add: &dyn Fn(&World, &mut Decisions),
) -> Result<(TickReport, TickCost), WireError> {
    let (me, ranks) = (exchange.rank(), exchange.ranks());
    let edges = Partition::edges(world.agents(), ranks);
    let mut cost = TickCost::default();
    let t0 = std::time::Instant::now();
    let active = world.active_agents_in(part.agent_range());
    let fetched = if ranks > 1 {
        let requests = halo::requests(world, &active, &edges, me);
        cost.bytes_sent += foreign_bytes(&requests, me);
        let asked = exchange.all_to_all(requests);
        cost.bytes_received += foreign_bytes(&asked, me);
        let answers = halo::answer(world, &asked, me)?;
        cost.bytes_sent += foreign_bytes(&answers, me);
        let got = exchange.all_to_all(answers);
        cost.bytes_received += foreign_bytes(&got, me);
        halo::install(world, &got)?
    } else {
        Halo::default()
    };
    cost.items_fetched = fetched.items() as u64;
    let t1 = std::time::Instant::now();
    let mut mine = world.decide_for(policy, &active);
    add(world, &mut mine);
    let own = world.apply_own(&mine);
    let out = delivery::route(world, &own, me, &edges);
    cost.bytes_sent += foreign_bytes(&out, me);
    let t2 = std::time::Instant::now();
    let inbox = exchange.all_to_all(out);
    cost.bytes_received += foreign_bytes(&inbox, me);
    let t3 = std::time::Instant::now();
    let report = world.apply_global(&own, &inbox, me)?;
    world.forget_unseen_items();
    fetched.clear(world);
    let t4 = std::time::Instant::now();
    cost.fetch_seconds = (t1 - t0).as_secs_f64();
    cost.decide_seconds = (t2 - t1).as_secs_f64();
    cost.exchange_seconds = (t3 - t2).as_secs_f64();
    cost.apply_seconds = (t4 - t3).as_secs_f64();
    Ok((report, cost))
}

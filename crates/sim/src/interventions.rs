//! Interventions during a run (`[[interventions]]`, or a list a program builds): who they act
//! on and what they do to the world at each tick.
//!
//! Everything here is a pure function of the scenario's list, the tick and the state, and is
//! the same on every rank of a partitioned run:
//! - the [`Plan`] (the list, and the `[feed]`/`[policy]` in force from each tick) comes from
//!   the scenario alone;
//! - what holds during a window — the banned agents, the feed weights, and the agents a `top`
//!   selector chose at its first tick (which depends on the state then) — is [`Active`], part
//!   of the [`World`] and so of every checkpoint: a resumed run continues with exactly it.
//!
//! Each rank computes the whole [`Active`] (a bitset over all agents, the weighted authors),
//! since feeds on any rank show any author's items; a `top` choice gathers every rank's
//! candidates once.

use std::collections::BTreeMap;
use std::ops::Range;

use emergent_collective::Collective;
use emergent_scenario::{
    FeedConfig, InterventionConfig, InterventionKind, PolicyConfig, Selector, TopSelector,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AgentId;
use crate::action::{Action, Decision, MAX_ACTIONS};
use crate::engine_config::EngineConfig;
use crate::features::FOLLOWEE_STANCE;
use crate::feed::Feeds;
use crate::items::ItemKind;
use crate::network::community_start;
use crate::partition::Partition;
use crate::rng::{AgentRng, purpose};
use crate::tick_types::Decisions;
use crate::world::World;

/// The interventions of a run and the settings they put in force.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The interventions, in the scenario's order (an index names one).
    pub list: Vec<InterventionConfig>,
    /// `(tick, feed, policy)`: the settings in force from each tick a `feed` or `set`
    /// intervention starts or ends (see `Scenario::setting_changes`).
    pub settings: Vec<(u32, FeedConfig, PolicyConfig)>,
    /// The scenario's own `[feed]` and `[policy]` (in force before the first change).
    pub base: (FeedConfig, PolicyConfig),
    /// Ticks of the run (the end of a window without `to`).
    pub ticks: u32,
    /// Agents.
    pub agents: usize,
    /// `population.communities`.
    pub communities: usize,
    /// The first bot account's id (`population.bots`; `agents` when there are none).
    pub first_bot: AgentId,
    /// The seed `share` selections draw from: the scenario's, not the noise seed, so every
    /// replicate picks the same agents.
    pub seed: u64,
}

/// What the interventions hold now (part of the world, so of its checkpoint).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Active {
    /// The agents each `top` selector chose at its intervention's first tick: (index,
    /// agents ascending).
    pub chosen: Vec<(u32, Vec<AgentId>)>,
    /// Agents banned now (`silence`): a bitset over every agent, empty when nobody is.
    pub banned: Vec<u64>,
    /// ln of every agent's feed weight now (0: neither boosted nor downranked), indexed by
    /// agent; empty when nobody is. Dense: a feed looks one up per ranked item.
    pub log_weights: Vec<f32>,
}

impl Active {
    /// Whether `agent` is banned now.
    #[inline]
    pub fn is_banned(&self, agent: AgentId) -> bool {
        let (w, b) = (agent as usize / 64, agent % 64);
        self.banned.get(w).is_some_and(|x| x >> b & 1 == 1)
    }

    /// Whether any agent is banned now.
    #[inline]
    pub fn bans(&self) -> bool {
        !self.banned.is_empty()
    }

    /// Whether an item leaves every feed: a banned author's, or a repost of a banned
    /// author's post (a repost carries no content of its own).
    #[inline]
    pub fn hides(&self, author: AgentId, root_author: AgentId, kind: ItemKind) -> bool {
        self.is_banned(author) || (kind == ItemKind::Repost && self.is_banned(root_author))
    }

    /// Whether any author's items are weighted now.
    #[inline]
    pub fn weighs(&self) -> bool {
        !self.log_weights.is_empty()
    }

    /// ln of the feed weight of `author`'s items (0 unless boosted or downranked).
    #[inline]
    pub fn log_weight(&self, author: AgentId) -> f64 {
        self.log_weights
            .get(author as usize)
            .map_or(0.0, |&w| w as f64)
    }
}

impl Plan {
    /// The plan of a scenario's engine sections.
    pub fn of(cfg: &EngineConfig) -> Self {
        Self {
            list: cfg.interventions.to_vec(),
            settings: cfg.settings.clone(),
            base: (cfg.feed.clone(), cfg.policy.clone()),
            ticks: cfg.meta.ticks,
            agents: cfg.population.agents,
            communities: cfg.population.communities.max(1),
            first_bot: cfg.population.bot_ids().start,
            seed: cfg.meta.seed,
        }
    }

    /// True when the run has no interventions (the tick then does nothing more).
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Which entry of [`Plan::settings`] is in force at tick `t` (`None`: the scenario's).
    pub fn settings_at(&self, t: u32) -> Option<usize> {
        self.settings.iter().rposition(|s| s.0 <= t)
    }

    /// The `[feed]` and `[policy]` of entry `i` of [`Plan::settings_at`].
    pub fn settings_of(&self, i: Option<usize>) -> (&FeedConfig, &PolicyConfig) {
        match i {
            Some(i) => (&self.settings[i].1, &self.settings[i].2),
            None => (&self.base.0, &self.base.1),
        }
    }

    /// Before tick `world.tick` runs on this rank (`part`; a collective call): make the
    /// `top` choices of the interventions starting now, update the bans and feed weights
    /// when one starts or ends, and apply the follow edits due now.
    pub fn begin_tick(&self, world: &mut World, part: &Partition, exchange: &dyn Collective) {
        let t = world.tick;
        let mut changed = false;
        for (i, iv) in self.list.iter().enumerate() {
            if iv.start() == t
                && let Some(Selector::Top(top)) = iv.selector()
            {
                let agents = top_agents(world, top, part, exchange);
                let chosen = &mut world.interventions.chosen;
                chosen.retain(|c| c.0 != i as u32);
                chosen.push((i as u32, agents));
                chosen.sort_unstable_by_key(|c| c.0);
            }
            let lasting = matches!(
                iv.kind,
                InterventionKind::Silence | InterventionKind::Boost | InterventionKind::Downrank
            );
            changed |= lasting && (iv.start() == t || iv.end(self.ticks) == t);
        }
        if changed {
            self.update_active(world);
        }
        let edits = self.follow_edits(world, t);
        if !edits.is_empty() {
            world.network.apply_wanted(&edits);
        }
    }

    /// The agents of `range` intervention `i` acts on, ascending.
    pub fn members(&self, i: usize, active: &Active, range: Range<AgentId>) -> Vec<AgentId> {
        let within = |lo: u32, hi: u32| lo.max(range.start)..hi.min(range.end);
        match self.list[i].selector() {
            Some(Selector::Ids(ids)) => {
                let mut v: Vec<AgentId> =
                    ids.iter().copied().filter(|a| range.contains(a)).collect();
                v.sort_unstable();
                v.dedup();
                v
            }
            Some(Selector::Range(lo, hi)) => within(lo, hi).collect(),
            Some(Selector::Share(s)) => {
                let seed = self.seed;
                range
                    .into_par_iter()
                    .with_min_len(4096)
                    .filter(|&a| share_draw(seed, a) < s)
                    .collect()
            }
            Some(Selector::Community(c)) => {
                let (n, k) = (self.agents, self.communities);
                let lo = community_start(c as usize, n, k) as u32;
                let hi = community_start(c as usize + 1, n, k) as u32;
                within(lo, hi).collect()
            }
            Some(Selector::Bots(k)) => within(self.first_bot, self.first_bot + k).collect(),
            Some(Selector::Top(_)) => active
                .chosen
                .iter()
                .find(|c| c.0 == i as u32)
                .map(|c| c.1.iter().copied().filter(|a| range.contains(a)).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// Recompute the bans and feed weights in force at the world's tick.
    fn update_active(&self, world: &mut World) {
        let (t, n) = (world.tick, self.agents as AgentId);
        let mut banned = Vec::new();
        let mut log_weights: Vec<f32> = Vec::new();
        for (i, iv) in self.list.iter().enumerate() {
            if !iv.active_at(t, self.ticks) {
                continue;
            }
            let factor = iv.factor.unwrap_or(1.0);
            let scale = match iv.kind {
                InterventionKind::Silence => None,
                InterventionKind::Boost => Some(factor),
                InterventionKind::Downrank => Some(1.0 / factor),
                _ => continue,
            };
            let members = self.members(i, &world.interventions, 0..n);
            match scale {
                None => {
                    banned.resize(self.agents.div_ceil(64), 0u64);
                    for a in members {
                        banned[a as usize / 64] |= 1 << (a % 64);
                    }
                }
                Some(s) => {
                    log_weights.resize(self.agents, 0.0);
                    for a in members {
                        log_weights[a as usize] += s.ln() as f32;
                    }
                }
            }
        }
        let active = &mut world.interventions;
        active.banned = banned;
        active.log_weights = log_weights;
    }

    /// The follow edits due at tick `t`: (follower, followee) → wanted, later interventions
    /// overriding earlier ones.
    fn follow_edits(&self, world: &World, t: u32) -> BTreeMap<(AgentId, AgentId), bool> {
        let mut edits = BTreeMap::new();
        for (i, iv) in self.list.iter().enumerate() {
            let want = match iv.kind {
                InterventionKind::Follow => true,
                InterventionKind::Unfollow => false,
                _ => continue,
            };
            if !iv.active_at(t, self.ticks) {
                continue;
            }
            let accounts = iv.accounts.as_deref().unwrap_or_default();
            for u in self.members(i, &world.interventions, 0..self.agents as AgentId) {
                for &v in accounts.iter().filter(|&&v| v != u) {
                    edits.insert((u, v), want);
                }
            }
        }
        edits
    }

    /// Add the posts `inject` interventions make at the world's tick by the agents of
    /// `range` (this rank's) to `d`: first in their authors' decisions, before what they
    /// decided themselves; an author not active this tick acts on an empty feed.
    pub fn inject(&self, world: &World, d: &mut Decisions, range: Range<AgentId>) {
        let t = world.tick;
        let mut posts: BTreeMap<AgentId, Vec<Action>> = BTreeMap::new();
        for (i, iv) in self.list.iter().enumerate() {
            if iv.kind != InterventionKind::Inject || !iv.active_at(t, self.ticks) {
                continue;
            }
            let (topic, stance) = (iv.topic.unwrap_or(0), iv.stance.unwrap_or(0.0));
            let post = Action::Post {
                topic,
                stance: stance as f32,
            };
            // A bot is a mouthpiece: it holds the stance it posts (models whose influence
            // reads the author's opinion, such as radicalization's, see the campaign's).
            let voice = Action::SetStance {
                topic,
                value: stance,
            };
            for a in self.members(i, &world.interventions, range.clone()) {
                let actions = posts.entry(a).or_default();
                if world.rules.is_bot(a) {
                    actions.push(voice);
                }
                actions.push(post);
            }
        }
        if !posts.is_empty() {
            *d = merged(std::mem::take(d), posts);
        }
    }
}

/// `d` with `posts` put first in their authors' decisions (authors not in `d` added, on
/// empty feeds), agents ascending.
fn merged(d: Decisions, mut posts: BTreeMap<AgentId, Vec<Action>>) -> Decisions {
    let mut agents = Vec::with_capacity(d.feeds.len() + posts.len());
    let mut feeds = Vec::with_capacity(agents.capacity());
    let mut decisions = Vec::with_capacity(agents.capacity());
    let with_posts = |extra: Vec<Action>, own: Option<&Decision>| {
        let mut out = Decision::with_limit(MAX_ACTIONS);
        for a in extra
            .into_iter()
            .chain(own.into_iter().flat_map(|o| o.actions().iter().copied()))
        {
            out.push(a);
        }
        out
    };
    let mut i = 0;
    loop {
        let next_own = d.feeds.agents.get(i).copied();
        let next_post = posts.keys().next().copied();
        let agent = match (next_own, next_post) {
            (None, None) => break,
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (Some(a), Some(b)) => a.min(b),
        };
        let extra = posts.remove(&agent);
        if next_own == Some(agent) {
            feeds.push(d.feeds.feed(i).to_vec());
            decisions.push(match extra {
                Some(extra) => with_posts(extra, Some(&d.decisions[i])),
                None => d.decisions[i],
            });
            i += 1;
        } else {
            feeds.push(Vec::new());
            decisions.push(with_posts(extra.unwrap_or_default(), None));
        }
        agents.push(agent);
    }
    Decisions {
        feeds: Feeds::from_feeds(agents, &feeds),
        decisions,
    }
}

/// Agent `a`'s uniform draw for `share` selections: the same in every intervention, so a
/// smaller share picks a subset of a larger one.
fn share_draw(seed: u64, a: AgentId) -> f64 {
    AgentRng::new(seed, a as u64, 0, purpose::INTERVENTION_SHARE).next_f64()
}

/// The `top.count()` agents with the highest `top.feature` now, ties to the lower id (a
/// collective call: each rank offers its own best, every rank merges them). An unknown
/// feature chooses nobody (the runner refuses it before the run).
fn top_agents(
    world: &World,
    top: &TopSelector,
    part: &Partition,
    exchange: &dyn Collective,
) -> Vec<AgentId> {
    let k = top.count(world.agents());
    let own = part.owned.clone();
    let values = if top.feature == FOLLOWEE_STANCE && exchange.ranks() > 1 {
        let all = world.gathered_stances(own.clone(), exchange);
        Some(world.followee_stance_in(own.clone(), &all))
    } else {
        world.feature_in(&top.feature, own.clone())
    };
    let mut best: Vec<(f64, AgentId)> = values
        .unwrap_or_default()
        .into_iter()
        .zip(own.start as AgentId..)
        .map(|(v, a)| (if v.is_nan() { f64::NEG_INFINITY } else { v }, a))
        .collect();
    let order = |x: &(f64, AgentId), y: &(f64, AgentId)| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1));
    best.sort_unstable_by(order);
    best.truncate(k);
    if exchange.ranks() > 1 {
        let mine: Vec<u8> = best
            .iter()
            .flat_map(|(v, a)| v.to_le_bytes().into_iter().chain(a.to_le_bytes()))
            .collect();
        best = exchange
            .all_gather(&mine)
            .iter()
            .flat_map(|b| {
                b.chunks_exact(12).map(|c| {
                    let v = f64::from_le_bytes(c[..8].try_into().unwrap_or([0; 8]));
                    let a = u32::from_le_bytes(c[8..].try_into().unwrap_or([0; 4]));
                    (v, a)
                })
            })
            .collect();
        best.sort_unstable_by(order);
        best.truncate(k);
    }
    let mut agents: Vec<AgentId> = best.into_iter().map(|e| e.1).collect();
    agents.sort_unstable();
    agents
}

//! Feed construction: what each active agent sees at a tick.
//!
//! This is the hot loop at 1e6 agents, so it never scans all followees' items:
//! each author keeps a ring of their last few items, at most
//! `followee_sample` followees are sampled, and per-thread scratch buffers are
//! reused (no allocation per agent).

use rayon::prelude::*;

use crate::items::Items;
use crate::rng::{AgentRng, purpose};
use crate::world::World;
use crate::{AgentId, ItemId};
use emergent_scenario::{FeedConfig, Ranking};

/// Feeds of many agents laid end to end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Feeds {
    /// Agents, ascending.
    pub agents: Vec<AgentId>,
    offsets: Vec<u32>,
    items: Vec<ItemId>,
}

impl Feeds {
    /// Number of feeds.
    pub fn len(&self) -> usize {
        self.agents.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.agents.is_empty()
    }

    /// The `i`-th feed (of `agents[i]`), ranked.
    pub fn feed(&self, i: usize) -> &[ItemId] {
        &self.items[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// Empty feeds for `agents` (ascending): for applying decisions made
    /// without a feed, e.g. injected seed posts.
    pub fn empty_for(agents: Vec<AgentId>) -> Self {
        let offsets = vec![0; agents.len() + 1];
        Self {
            agents,
            offsets,
            items: Vec::new(),
        }
    }

    /// The feeds `feeds[i]` of `agents[i]` (ascending): for applying decisions made on
    /// feeds built elsewhere.
    pub fn from_feeds(agents: Vec<AgentId>, feeds: &[Vec<ItemId>]) -> Self {
        assert_eq!(agents.len(), feeds.len(), "one feed per agent");
        let mut offsets = vec![0u32];
        for f in feeds {
            offsets.push(offsets[offsets.len() - 1] + f.len() as u32);
        }
        Self {
            agents,
            offsets,
            items: feeds.concat(),
        }
    }

    /// Total items across feeds.
    pub fn total_items(&self) -> usize {
        self.items.len()
    }
}

/// Agents per parallel task.
const CHUNK: usize = 1024;

/// Build the feeds of `agents` (ascending) from the current state.
pub fn build_feeds(world: &World, agents: &[AgentId]) -> Feeds {
    let parts: Vec<(Vec<u32>, Vec<ItemId>)> = agents
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut scratch = Vec::new();
            let mut lens = Vec::with_capacity(chunk.len());
            let mut out = Vec::with_capacity(chunk.len() * world.feed.size);
            for &a in chunk {
                let before = out.len();
                build_one(world, a, &mut scratch, &mut out);
                lens.push((out.len() - before) as u32);
            }
            (lens, out)
        })
        .collect();
    let mut offsets = Vec::with_capacity(agents.len() + 1);
    offsets.push(0u32);
    let mut items = Vec::with_capacity(parts.iter().map(|p| p.1.len()).sum());
    for (lens, part) in parts {
        for l in lens {
            let last = *offsets.last().unwrap_or(&0);
            offsets.push(last + l);
        }
        items.extend_from_slice(&part);
    }
    Feeds {
        agents: agents.to_vec(),
        offsets,
        items,
    }
}

/// Ranking key of `item` for `agent` (higher first).
#[inline]
fn rank_key(cfg: &FeedConfig, items: &Items, world: &World, agent: AgentId, item: ItemId) -> f64 {
    let i = item as usize;
    let key = match cfg.ranking {
        Ranking::Chronological => item as f64,
        Ranking::Popularity => items.score(item),
        Ranking::Hot => {
            let s = items.score(item);
            let age = world.tick.saturating_sub(items.tick[i]) as f64;
            s.signum() * s.abs().max(1.0).log10() - cfg.hot_decay * age
        }
        Ranking::StanceSimilarity => {
            let own = world.population.stance(agent, items.topic[i] as usize);
            -(own - items.stance[i] as f64).abs()
        }
    };
    let active = &world.interventions;
    match active.weighs() {
        false => key,
        true => {
            let age = world.tick.saturating_sub(items.tick[i]);
            log_score(cfg, key, age) + active.log_weight(items.author[i])
        }
    }
}

/// The logarithm of the positive score a ranking orders by, from its key (the same order):
/// chronological 1/(1 + age in ticks) (ties newest first, as the key), popularity 1 +
/// engagement, hot Reddit's score 10^key, stance similarity e^−|distance|. A feed weight w
/// (boost, downrank) multiplies that score: it adds ln w here.
#[inline]
fn log_score(cfg: &FeedConfig, key: f64, age: u32) -> f64 {
    match cfg.ranking {
        Ranking::Chronological => -(1.0 + age as f64).ln(),
        Ranking::Popularity => key.max(0.0).ln_1p(),
        Ranking::Hot => key * std::f64::consts::LN_10,
        Ranking::StanceSimilarity => key,
    }
}

/// Whether `item` leaves every feed (an intervention banned its author).
#[inline]
fn hidden(world: &World, item: ItemId) -> bool {
    let (active, items, i) = (&world.interventions, &world.items, item as usize);
    active.bans() && active.hides(items.author[i], items.root_author[i], items.kind[i])
}

/// The feed window of this tick, `first..last` item ids, or `None` when feeds are empty.
fn window(world: &World) -> Option<(ItemId, ItemId)> {
    let first = world
        .items
        .first_since(world.tick.saturating_sub(world.feed.window));
    let last = world.items.len() as ItemId;
    (first < last && world.feed.size > 0).then_some((first, last))
}

/// Call `f` on each followee whose recent items `agent`'s feed reads: all of them, or
/// `followee_sample` draws (which may repeat; then `true`).
fn for_each_read_followee(
    world: &World,
    agent: AgentId,
    rng: &mut AgentRng,
    mut f: impl FnMut(AgentId),
) -> bool {
    let followees = world.network.followees(agent);
    let k = world.feed.followee_sample;
    if followees.len() <= k {
        followees.iter().for_each(|&x| f(x));
        false
    } else {
        for _ in 0..k {
            f(followees[rng.below(followees.len() as u64) as usize]);
        }
        true
    }
}

/// Out-of-network items in a feed.
fn out_of_network(cfg: &FeedConfig) -> usize {
    ((cfg.size as f64) * cfg.out_of_network_share).round() as usize
}

/// Bounded attempts at out-of-network items, so their cost stays O(count).
fn out_of_network_attempts(cfg: &FeedConfig) -> usize {
    2 * out_of_network(cfg)
}

/// What building `agent`'s feed will read, drawn from the same stream in the same order as
/// [`build_feeds`]: the followees whose recent items it ranks (appended to `authors`) and
/// every out-of-network candidate it may draw (appended to `items`). A partitioned run
/// fetches these from their owners before building feeds ([`crate::halo`]).
pub(crate) fn feed_reads(
    world: &World,
    agent: AgentId,
    authors: &mut Vec<AgentId>,
    items: &mut Vec<ItemId>,
) {
    let Some((first, last)) = window(world) else {
        return;
    };
    let mut rng = AgentRng::new(world.seed, agent as u64, world.tick as u64, purpose::FEED);
    for_each_read_followee(world, agent, &mut rng, |f| authors.push(f));
    let span = (last - first) as u64;
    for _ in 0..out_of_network_attempts(&world.feed) {
        items.push(first + rng.below(span) as ItemId);
    }
}

/// Append `agent`'s feed to `out`: top-ranked recent items of (sampled)
/// followees, then random recent out-of-network items.
fn build_one(
    world: &World,
    agent: AgentId,
    scratch: &mut Vec<(f64, ItemId)>,
    out: &mut Vec<ItemId>,
) {
    let cfg = &world.feed;
    let items = &world.items;
    let Some((first, last)) = window(world) else {
        return;
    };
    let mut rng = AgentRng::new(world.seed, agent as u64, world.tick as u64, purpose::FEED);
    scratch.clear();
    let sampled = for_each_read_followee(world, agent, &mut rng, |f| {
        for i in items.recent_of(f) {
            if i >= first && !hidden(world, i) {
                scratch.push((rank_key(cfg, items, world, agent, i), i));
            }
        }
    });
    if sampled {
        scratch.sort_unstable_by_key(|e| e.1);
        scratch.dedup_by_key(|e| e.1);
    }
    let n_oon = out_of_network(cfg);
    let quota = cfg.size.saturating_sub(n_oon);
    let by_rank = |a: &(f64, ItemId), b: &(f64, ItemId)| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1));
    if scratch.len() > quota && quota > 0 {
        scratch.select_nth_unstable_by(quota - 1, by_rank);
    }
    scratch.truncate(quota);
    scratch.sort_unstable_by(by_rank);
    let start = out.len();
    out.extend(scratch.iter().map(|e| e.1));
    // Out-of-network: uniform over the recent suffix, skipping own items and
    // repeats.
    let span = (last - first) as u64;
    for _ in 0..out_of_network_attempts(cfg) {
        if out.len() - start >= quota.min(scratch.len()) + n_oon {
            break;
        }
        let i = first + rng.below(span) as ItemId;
        if items.author[i as usize] != agent && !out[start..].contains(&i) && !hidden(world, i) {
            out.push(i);
        }
    }
}

//! Feed construction: what each active agent sees at a tick.
//!
//! This is the hot loop at 1e6 agents, so it never scans all followees' items:
//! each author keeps a ring of their last few items, at most
//! `followee_sample` followees are sampled, and per-thread scratch buffers are
//! reused (no allocation per agent).

use rayon::prelude::*;

use crate::config::{FeedConfig, Ranking};
use crate::items::Items;
use crate::rng::{AgentRng, purpose};
use crate::world::World;
use crate::{AgentId, ItemId};

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
    match cfg.ranking {
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
    let first = items.first_since(world.tick.saturating_sub(cfg.window));
    let last = items.len() as ItemId;
    if first >= last || cfg.size == 0 {
        return;
    }
    let mut rng = AgentRng::new(world.seed, agent as u64, world.tick as u64, purpose::FEED);
    scratch.clear();
    let followees = world.network.followees(agent);
    let take = |f: AgentId, scratch: &mut Vec<(f64, ItemId)>| {
        for i in items.recent_of(f) {
            if i >= first {
                scratch.push((rank_key(cfg, items, world, agent, i), i));
            }
        }
    };
    if followees.len() <= cfg.followee_sample {
        for &f in followees {
            take(f, scratch);
        }
    } else {
        for _ in 0..cfg.followee_sample {
            let f = followees[rng.below(followees.len() as u64) as usize];
            take(f, scratch);
        }
        scratch.sort_unstable_by_key(|e| e.1);
        scratch.dedup_by_key(|e| e.1);
    }
    let n_oon = ((cfg.size as f64) * cfg.out_of_network_share).round() as usize;
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
    // repeats; bounded attempts keep the cost O(n_oon).
    let span = (last - first) as u64;
    for _ in 0..2 * n_oon {
        if out.len() - start >= quota.min(scratch.len()) + n_oon {
            break;
        }
        let i = first + rng.below(span) as ItemId;
        if items.author[i as usize] != agent && !out[start..].contains(&i) {
            out.push(i);
        }
    }
}

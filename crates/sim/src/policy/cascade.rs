//! Information cascades by reposting: independent cascade and linear threshold.

use super::context::{DecisionContext, Policy};
use crate::action::{Action, Decision};
use crate::network::Network;
use crate::rng::{AgentRng, purpose};
use crate::{AgentId, ItemId};
use emergent_scenario::{CascadeModel, CascadeParams, ThresholdDistribution};

/// Whether the item `root`, shared by `from`, makes `to` repost it.
///
/// Keyed by the triple rather than by tick, so seeing the same share again
/// in a later tick repeats the same outcome: every edge gets exactly one
/// chance, as the independent-cascade model requires. The policy and
/// [`independent_cascade_size`] both call this, so the analytic check of the
/// latter validates the former.
#[inline]
pub fn ic_transmits(seed: u64, root: ItemId, from: AgentId, to: AgentId, p: f64) -> bool {
    AgentRng::with_extra(
        seed,
        to as u64,
        root as u64,
        purpose::CASCADE_EDGE,
        from as u64,
    )
    .chance(p)
}

/// Final size (agents reached, origin included) of the independent cascade of
/// item `root` posted by `origin`, by breadth-first search over followers
/// with the same edge trials as the policy.
pub fn independent_cascade_size(
    network: &Network,
    seed: u64,
    root: ItemId,
    origin: AgentId,
    p: f64,
) -> usize {
    let mut reached = vec![false; network.len()];
    reached[origin as usize] = true;
    let mut frontier = vec![origin];
    let mut size = 1;
    while let Some(u) = frontier.pop() {
        for &v in network.followers(u) {
            if !reached[v as usize] && ic_transmits(seed, root, u, v, p) {
                reached[v as usize] = true;
                size += 1;
                frontier.push(v);
            }
        }
    }
    size
}

/// Repost what followees share (IC: one chance per exposure along an edge;
/// threshold: when enough followees shared it), occasionally start a cascade; or the Watts
/// (2002) threshold model ([`CascadeModel::Watts`]).
#[derive(Clone, Debug)]
pub struct Cascade {
    params: CascadeParams,
    /// `params.seeds`, sorted.
    seeds: Vec<AgentId>,
}

impl Cascade {
    /// The policy with `params`.
    pub fn new(params: CascadeParams) -> Self {
        let mut seeds = params.seeds.clone();
        seeds.sort_unstable();
        seeds.dedup();
        Self { params, seeds }
    }

    /// Whether `agent` starts a cascade at its first active tick: named in `seeds`, or drawn
    /// with probability `seed_fraction` (once per agent, keyed).
    pub fn is_seed(&self, seed: u64, agent: AgentId) -> bool {
        self.seeds.binary_search(&agent).is_ok()
            || (self.params.seed_fraction > 0.0
                && AgentRng::new(seed, agent as u64, 0, purpose::CASCADE_SEED)
                    .chance(self.params.seed_fraction))
    }

    /// Agent `agent`'s Watts threshold φ_i (drawn once per agent, keyed).
    pub fn threshold_of(&self, seed: u64, agent: AgentId) -> f64 {
        let p = &self.params;
        let mut rng = AgentRng::new(seed, agent as u64, 0, purpose::THRESHOLD);
        match p.thresholds {
            ThresholdDistribution::Fixed => p.threshold,
            ThresholdDistribution::Uniform => rng.uniform(p.threshold_low, p.threshold_high),
            ThresholdDistribution::Normal => {
                // Truncated to [0, 1] by redrawing; the mean lies in [0, 1], so a draw lands
                // there with probability ≥ ~1/6 whatever the s.d., and 64 misses in a row
                // (≤ 1e-5) fall back to the nearest end.
                let mut x = p.threshold;
                for _ in 0..64 {
                    x = p.threshold + p.threshold_sd * rng.normal();
                    if (0.0..=1.0).contains(&x) {
                        return x;
                    }
                }
                x.clamp(0.0, 1.0)
            }
        }
    }
}

/// Whether `agent` (held here) has authored an item: in the Watts model, whether it adopted.
/// Adoption is persistent because the counters only grow.
fn has_shared(w: &crate::World, agent: AgentId) -> bool {
    w.counters.posts[agent as usize] + w.counters.reposts[agent as usize] > 0
}

impl Policy for Cascade {
    fn name(&self) -> &'static str {
        "cascade"
    }

    fn reconfigure(&mut self, cfg: &emergent_scenario::PolicyConfig) -> bool {
        *self = Self::new(cfg.cascade.clone());
        true
    }

    fn decide(&self, ctx: &DecisionContext<'_>, rng: &mut AgentRng) -> Decision {
        match self.params.model {
            CascadeModel::Watts => self.decide_watts(ctx, rng),
            CascadeModel::Independent | CascadeModel::Threshold => self.decide_sharing(ctx, rng),
        }
    }
}

impl Cascade {
    /// Watts (2002), "A simple model of global cascades on random networks", PNAS 99, 5766:
    /// agent i, with k_i followees, adopts for good once the fraction of them who adopted is
    /// at least its threshold φ_i. Adopting is authoring an item: a seed posts, any other agent
    /// reposts the first adopter's item in its feed (so `cascades.parquet` traces the
    /// adoption tree back to a seed). An agent learns which followees adopted only from their
    /// items in its feed: the model is Watts's exactly when every adopted followee's item is in
    /// every feed, i.e. `feed.window` ≥ the run's ticks, `feed.size` and
    /// `feed.followee_sample` ≥ the largest followee count, `out_of_network_share = 0`
    /// (the count below skips strangers anyway); with every agent active at every tick the
    /// cascade advances one step per tick (Watts's synchronous update; the final state of this
    /// monotone dynamics does not depend on the update order).
    fn decide_watts(&self, ctx: &DecisionContext<'_>, rng: &mut AgentRng) -> Decision {
        let (w, me) = (ctx.world, ctx.agent);
        let mut d = Decision::none();
        if has_shared(w, me) {
            return d;
        }
        if self.is_seed(w.seed, me) {
            d.push(Action::Post {
                topic: 0,
                stance: 1.0,
            });
            return d;
        }
        let k = w.network.following_count(me);
        if k == 0 || ctx.feed.is_empty() {
            return d;
        }
        let mut adopted: Vec<AgentId> = Vec::with_capacity(ctx.feed.len());
        let mut first = None;
        for &i in ctx.feed {
            let a = w.items.author[i as usize];
            if a != me && w.network.follows(me, a) {
                adopted.push(a);
                first.get_or_insert(i);
            }
        }
        adopted.sort_unstable();
        adopted.dedup();
        let fraction = adopted.len() as f64 / k as f64;
        match first {
            Some(parent) if fraction >= self.threshold_of(w.seed, me) => {
                d.push(Action::Repost { parent });
            }
            _ => {
                for &i in ctx.feed {
                    if !d.is_full() && rng.chance(self.params.like_prob) {
                        d.push(Action::Like { item: i });
                    }
                }
            }
        }
        d
    }

    /// The independent-cascade and feed-threshold models.
    fn decide_sharing(&self, ctx: &DecisionContext<'_>, rng: &mut AgentRng) -> Decision {
        let p = &self.params;
        let w = ctx.world;
        let me = ctx.agent;
        let mut d = Decision::none();
        let seeding = !self.seeds.is_empty() || p.seed_fraction > 0.0;
        if rng.chance(p.post_prob) || (seeding && !has_shared(w, me) && self.is_seed(w.seed, me)) {
            let stance = w.population.stance(me, 0) as f32;
            d.push(Action::Post { topic: 0, stance });
        }
        let mut chosen_roots: [ItemId; 8] = [ItemId::MAX; 8];
        let mut n_chosen = 0;
        for (k, &i) in ctx.feed.iter().enumerate() {
            if d.is_full() {
                break;
            }
            let iu = i as usize;
            let root = w.items.root[iu];
            if w.items.root_author[iu] == me
                || chosen_roots[..n_chosen].contains(&root)
                || w.has_reposted(me, root)
            {
                continue;
            }
            let go = match p.model {
                CascadeModel::Independent => {
                    ic_transmits(w.seed, root, w.items.author[iu], me, p.p)
                }
                CascadeModel::Watts => unreachable!("decide_watts decides the Watts model"),
                CascadeModel::Threshold => {
                    // Only evaluate a root at its first occurrence in the feed.
                    if ctx.feed[..k]
                        .iter()
                        .any(|&j| w.items.root[j as usize] == root)
                    {
                        continue;
                    }
                    let mut sharers: [AgentId; 32] = [AgentId::MAX; 32];
                    let mut s = 0;
                    for &j in &ctx.feed[k..] {
                        let a = w.items.author[j as usize];
                        if w.items.root[j as usize] == root
                            && s < sharers.len()
                            && !sharers[..s].contains(&a)
                            && w.network.follows(me, a)
                        {
                            sharers[s] = a;
                            s += 1;
                        }
                    }
                    let following = w.network.following_count(me).max(1);
                    s as f64 / following as f64 > p.threshold
                }
            };
            if go && n_chosen < chosen_roots.len() {
                chosen_roots[n_chosen] = root;
                n_chosen += 1;
                d.push(Action::Repost { parent: i });
            } else if rng.chance(p.like_prob) && w.items.author[iu] != me {
                d.push(Action::Like { item: i });
            }
        }
        d
    }
}

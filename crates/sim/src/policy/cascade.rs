//! Information cascades by reposting: independent cascade and linear threshold.

use super::context::{DecisionContext, Policy};
use crate::action::{Action, Decision};
use crate::network::Network;
use crate::rng::{AgentRng, purpose};
use crate::{AgentId, ItemId};
use emergent_scenario::{CascadeModel, CascadeParams};

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
/// threshold: when enough followees shared it), occasionally start a cascade.
#[derive(Clone, Debug)]
pub struct Cascade(pub CascadeParams);

impl Policy for Cascade {
    fn name(&self) -> &'static str {
        "cascade"
    }

    fn decide(&self, ctx: &DecisionContext<'_>, rng: &mut AgentRng) -> Decision {
        let p = &self.0;
        let w = ctx.world;
        let me = ctx.agent;
        let mut d = Decision::none();
        if rng.chance(p.post_prob) {
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

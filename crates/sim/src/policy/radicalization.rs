//! Radicalization and echo chambers: Baumann, Lorenz-Spreen, Sokolov & Starnini,
//! "Modeling echo chambers and polarization dynamics in social networks", PRL 124, 048301
//! (2020).
//!
//! The published model (their Eqs. 1–2): N agents with unbounded opinions x_i and activities
//! a_i drawn from F(a) ∝ a^−γ on [ε, 1]. Each time step dt every agent is activated with
//! probability a_i; an active agent i contacts m distinct agents j, each drawn with
//! probability p_ij = |x_i − x_j|^−β / Σ_k |x_i − x_k|^−β (homophily), and is influenced by
//! them (A_ij(t) = 1); a contacted agent is influenced back (A_ji(t) = 1) with probability r
//! (reciprocity). Opinions follow dx_i/dt = −x_i + K Σ_j A_ij(t) tanh(α x_j) for every agent,
//! active or not.
//!
//! Here one tick is one explicit Euler step of length `dt` (the paper integrates with a
//! fresh A(t) each dt as well), with these differences, all forced by what a partitioned
//! engine can see:
//!
//! - **Who can be contacted.** The paper draws among all N − 1 agents. Here the candidates
//!   are the items of the agent's feed on the tick's topic, by other authors: its followees'
//!   recent items (ranked by `[feed] ranking`) and `out_of_network_share` of the feed drawn
//!   uniformly from all recent items — what `crate::halo` fetches in a partitioned run. The
//!   homophily draw p ∝ max(|x_i − y|, 10⁻⁶)^−β is made among those candidates (m draws
//!   without replacement, one per author), so with `out_of_network_share = 1` it is the
//!   paper's choice restricted to a uniform sample of `[feed] size` agents; as the feed size
//!   approaches N it becomes the paper's all-pairs choice. (The 10⁻⁶ floor keeps p finite
//!   when two opinions coincide, which the paper leaves undefined.)
//! - **What a contact's opinion is.** Every agent posts its opinion each tick (`post_prob` =
//!   1): the item carries the stance after the author's own Euler step. With `[feed] window =
//!   1` a contact at tick t reads x_j(t) up to the reciprocal shifts j received at t − 1
//!   (an O(dt) lag).
//! - **Who moves.** The engine's activity draw is replaced by "every agent decides every
//!   tick" ([`crate::world::PolicyRules`]): each agent takes its own Euler step (the decay
//!   −x_i applies to everyone); its activity a_i is read here as the probability of starting
//!   contacts, as in the paper.
//! - **Reciprocity** is an [`Action::Influence`] on the contacted item: its owner adds
//!   dt·K·tanh(α x_i) to the author's opinion after the author's own step (so the sum is the
//!   Euler step of the paper).
//!
//! Options beyond the paper: following contacted authors (`follow_prob`) and unfollowing
//! followees whose items are further than `unfollow_distance` (`unfollow_prob`), so the
//! follow graph sorts by opinion (echo chambers on the follow graph, not only in A(t)).

use super::context::{DecisionContext, Policy, attended_topic};
use crate::action::{Action, Decision, MAX_ACTIONS};
use crate::rng::AgentRng;
use crate::{AgentId, ItemId};
use emergent_scenario::RadicalizationParams;
use emergent_scenario::radicalization::MAX_CONTACTS;

/// Opinion distances below this count as this in the homophily weight |Δx|^−β.
pub const MIN_DISTANCE: f64 = 1e-6;

/// The homophily weight of a candidate at opinion distance `d`: max(d, 10⁻⁶)^−β.
#[inline]
pub fn homophily_weight(d: f64, beta: f64) -> f64 {
    if beta == 0.0 {
        1.0
    } else {
        d.abs().max(MIN_DISTANCE).powf(-beta)
    }
}

/// The radicalization policy (see the module documentation).
#[derive(Clone, Debug)]
pub struct Radicalization(pub RadicalizationParams);

/// Up to `m` contacts among `cands` (item, author, weight), drawn one after another with
/// probability ∝ weight among the authors not drawn yet.
fn draw_contacts(
    cands: &mut [(ItemId, AgentId, f64)],
    m: usize,
    rng: &mut AgentRng,
    out: &mut [ItemId; MAX_CONTACTS as usize],
) -> usize {
    let mut n = 0;
    while n < m {
        let total: f64 = cands.iter().map(|c| c.2).sum();
        if total.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            break;
        }
        let mut u = rng.uniform(0.0, total);
        let mut pick = None;
        for (k, c) in cands.iter().enumerate() {
            if c.2 > 0.0 {
                pick = Some(k);
                if u < c.2 {
                    break;
                }
                u -= c.2;
            }
        }
        let Some(k) = pick else { break };
        let (item, author) = (cands[k].0, cands[k].1);
        out[n] = item;
        n += 1;
        for c in cands.iter_mut().filter(|c| c.1 == author) {
            c.2 = 0.0;
        }
    }
    n
}

impl Policy for Radicalization {
    fn name(&self) -> &'static str {
        "radicalization"
    }

    fn reconfigure(&mut self, cfg: &emergent_scenario::PolicyConfig) -> bool {
        *self = Self(cfg.radicalization.clone());
        true
    }

    fn decide(&self, ctx: &DecisionContext<'_>, rng: &mut AgentRng) -> Decision {
        let p = &self.0;
        let w = ctx.world;
        let me = ctx.agent;
        let topics = w.population.topics;
        let topic = attended_topic(topics, rng);
        let x = w.population.stance(me, topic);
        let mut d = Decision::with_limit(MAX_ACTIONS);
        let active = rng.chance(w.population.activity[me as usize]);
        let mut contacts = [0 as ItemId; MAX_CONTACTS as usize];
        let mut n_contacts = 0;
        if active {
            let mut cands: Vec<(ItemId, AgentId, f64)> = ctx
                .feed
                .iter()
                .filter(|&&i| {
                    w.items.topic[i as usize] as usize == topic && w.items.author[i as usize] != me
                })
                .map(|&i| {
                    let y = w.items.stance[i as usize] as f64;
                    (
                        i,
                        w.items.author[i as usize],
                        homophily_weight(x - y, p.beta),
                    )
                })
                .collect();
            n_contacts = draw_contacts(&mut cands, p.contacts as usize, rng, &mut contacts);
        }
        let drive: f64 = contacts[..n_contacts]
            .iter()
            .map(|&i| (p.alpha * w.items.stance[i as usize] as f64).tanh())
            .sum();
        let value = (1.0 - p.dt) * x + p.dt * p.k * drive;
        d.push(Action::SetStance {
            topic: topic as u16,
            value,
        });
        if rng.chance(p.post_prob) {
            d.push(Action::Post {
                topic: topic as u16,
                stance: value as f32,
            });
        }
        let back = p.dt * p.k * (p.alpha * x).tanh();
        for &i in &contacts[..n_contacts] {
            if rng.chance(p.reciprocity) {
                d.push(Action::Influence {
                    item: i,
                    delta: back,
                });
            }
        }
        self.rewire(ctx, &contacts[..n_contacts], x, rng, &mut d);
        d
    }
}

impl Radicalization {
    /// Follow one contacted author not followed yet; unfollow one followee whose item in
    /// the feed is further than `unfollow_distance`.
    fn rewire(
        &self,
        ctx: &DecisionContext<'_>,
        contacts: &[ItemId],
        x: f64,
        rng: &mut AgentRng,
        d: &mut Decision,
    ) {
        let (p, w, me) = (&self.0, ctx.world, ctx.agent);
        if p.follow_prob > 0.0 {
            let new = contacts
                .iter()
                .map(|&i| w.items.author[i as usize])
                .find(|&a| !w.network.follows(me, a));
            if let Some(a) = new
                && rng.chance(p.follow_prob)
            {
                d.push(Action::Follow { agent: a });
            }
        }
        if p.unfollow_prob > 0.0 {
            let (mut pick, mut seen) = (None, 0u64);
            for &i in ctx.feed {
                let a = w.items.author[i as usize];
                let y = w.items.stance[i as usize] as f64;
                if a != me && (y - x).abs() > p.unfollow_distance && w.network.follows(me, a) {
                    seen += 1;
                    if rng.below(seen) == 0 {
                        pick = Some(a);
                    }
                }
            }
            if let Some(a) = pick
                && rng.chance(p.unfollow_prob)
            {
                d.push(Action::Unfollow { agent: a });
            }
        }
    }
}

//! Bounded-confidence opinion dynamics with homophilous (un)following: the
//! polarization surrogate.

use super::context::{DecisionContext, Policy, attended_topic};
use crate::ItemId;
use crate::action::{Action, Decision};
use crate::rng::AgentRng;
use emergent_scenario::BoundedConfidenceParams;

/// Hegselmann–Krause-style update: move toward the mean stance of feed items
/// within ε, at rate μ·susceptibility; unfollow far followees, follow close
/// strangers. Each tick the agent attends to one topic.
///
/// Backfire (`repulsion` > 0): after Jager & Amblard, "Uniformity, bipolarization and
/// pluriformity captured as generic stylized behavior with an agent-based simulation model of
/// attitude change", Comput. Math. Organ. Theory 10, 307–324 (2005): items beyond the
/// latitude of rejection (`rejection_distance`) push the stance away from their mean, x −=
/// repulsion·s·(mean − x), on top of the assimilation toward the items within ε. (Their
/// agents meet one other agent at a time and move by μ toward or away from it; here the mean
/// of the feed's accepted and rejected items stands for the partners of one tick.) Items in
/// between are ignored. The engine keeps the stance in [−1, 1].
#[derive(Clone, Debug)]
pub struct BoundedConfidence(pub BoundedConfidenceParams);

impl Policy for BoundedConfidence {
    fn name(&self) -> &'static str {
        "bounded_confidence"
    }

    fn reconfigure(&mut self, cfg: &emergent_scenario::PolicyConfig) -> bool {
        *self = Self(cfg.bounded_confidence.clone());
        true
    }

    fn decide(&self, ctx: &DecisionContext<'_>, rng: &mut AgentRng) -> Decision {
        let p = &self.0;
        let w = ctx.world;
        let me = ctx.agent;
        let topics = w.population.topics;
        let topic = attended_topic(topics, rng);
        let x = w.population.stance(me, topic);
        let sus = w.population.susceptibility[me as usize];
        let mut d = Decision::none();

        // One pass: mean of close items, and one random pick (reservoir) of a
        // close item, a far item, an unfollow and a follow candidate.
        let (mut sum, mut close_n, mut far_n) = (0.0, 0u32, 0u32);
        let (mut close_pick, mut far_pick) = (None::<ItemId>, None::<ItemId>);
        let (mut unf, mut unf_n, mut fol, mut fol_n) = (None, 0u32, None, 0u32);
        let (mut rej_sum, mut rej_n) = (0.0, 0u32);
        let backfire = p.repulsion > 0.0;
        for &i in ctx.feed {
            let iu = i as usize;
            if w.items.topic[iu] as usize != topic {
                continue;
            }
            let y = w.items.stance[iu] as f64;
            let dist = (y - x).abs();
            let author = w.items.author[iu];
            if backfire && dist > p.rejection_distance {
                rej_sum += y;
                rej_n += 1;
            }
            if dist < p.epsilon {
                sum += y;
                close_n += 1;
                if rng.below(close_n as u64) == 0 {
                    close_pick = Some(i);
                }
            } else {
                far_n += 1;
                if rng.below(far_n as u64) == 0 {
                    far_pick = Some(i);
                }
            }
            if author == me {
                continue;
            }
            let following = w.network.follows(me, author);
            if following && dist > p.unfollow_distance {
                unf_n += 1;
                if rng.below(unf_n as u64) == 0 {
                    unf = Some(author);
                }
            } else if !following && dist < p.follow_distance {
                fol_n += 1;
                if rng.below(fol_n as u64) == 0 {
                    fol = Some(author);
                }
            }
        }
        if close_n > 0 || rej_n > 0 {
            let mut value = x;
            if close_n > 0 {
                let target = sum / close_n as f64;
                value = x + p.mu * sus * (target - x);
            }
            if rej_n > 0 {
                value -= p.repulsion * sus * (rej_sum / rej_n as f64 - x);
            }
            d.push(Action::SetStance {
                topic: topic as u16,
                value,
            });
        }
        let topic16 = topic as u16;
        if rng.chance(p.post_prob) {
            let stance = (x + p.post_noise * rng.normal()).clamp(-1.0, 1.0) as f32;
            d.push(Action::Post {
                topic: topic16,
                stance,
            });
        }
        if let Some(i) = close_pick {
            if rng.chance(p.reply_prob) {
                d.push(Action::Reply {
                    parent: i,
                    stance: x as f32,
                });
            }
            if rng.chance(p.repost_prob) {
                d.push(Action::Repost { parent: i });
            }
        }
        if let Some(i) = far_pick
            && rng.chance(p.quote_prob)
        {
            d.push(Action::Quote {
                parent: i,
                stance: x as f32,
            });
        }
        if let Some(a) = unf
            && rng.chance(p.unfollow_prob)
        {
            d.push(Action::Unfollow { agent: a });
        }
        if let Some(a) = fol
            && rng.chance(p.follow_prob)
        {
            d.push(Action::Follow { agent: a });
        }
        for &i in ctx.feed {
            if d.is_full() {
                break;
            }
            let iu = i as usize;
            if w.items.author[iu] != me
                && ((w.items.stance[iu] as f64) - x).abs() < p.epsilon
                && rng.chance(p.like_prob)
            {
                d.push(Action::Like { item: i });
            }
        }
        d
    }
}

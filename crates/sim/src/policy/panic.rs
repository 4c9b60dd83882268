//! Herding sell-off: the market-panic surrogate.

use super::context::{DecisionContext, Policy};
use crate::action::{Action, Decision};
use crate::rng::AgentRng;
use emergent_scenario::PanicParams;

/// Sell with probability `base + susceptibility·(herding·f + fear·drop)`,
/// where `f` is the fraction of feed items by authors who sold within the
/// feed window and `drop` the relative price fall over `lookback` ticks.
/// Sellers post a bearish item, which is how panic spreads through feeds.
#[derive(Clone, Debug)]
pub struct Panic(pub PanicParams);

impl Policy for Panic {
    fn name(&self) -> &'static str {
        "panic"
    }

    fn decide(&self, ctx: &DecisionContext<'_>, rng: &mut AgentRng) -> Decision {
        let p = &self.0;
        let w = ctx.world;
        let mut d = Decision::none();
        let Some(m) = w.market.as_ref() else {
            return d;
        };
        let me = ctx.agent;
        let a = me as usize;
        let sellers = ctx
            .feed
            .iter()
            .filter(|&&i| m.sold_recently(w.items.author[i as usize], w.tick, w.feed.window))
            .count();
        let frac = if ctx.feed.is_empty() {
            0.0
        } else {
            sellers as f64 / ctx.feed.len() as f64
        };
        let drop = m.recent_drop(p.lookback);
        let sus = w.population.susceptibility[a];
        let p_sell = (p.base_sell + sus * (p.herding * frac + p.fear * drop)).clamp(0.0, 1.0);
        if m.holdings[a] > 0.0 && rng.chance(p_sell) {
            d.push(Action::Trade {
                quantity: -m.holdings[a] * p.sell_fraction,
            });
            d.push(Action::Post {
                topic: 0,
                stance: -1.0,
            });
        } else if m.cash[a] > 0.0 && rng.chance(p.buy_prob) {
            d.push(Action::Trade {
                quantity: p.buy_amount,
            });
        } else if rng.chance(p.post_prob) {
            d.push(Action::Post {
                topic: 0,
                stance: w.population.stance(me, 0) as f32,
            });
        }
        d
    }
}

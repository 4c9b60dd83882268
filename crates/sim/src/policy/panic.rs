//! Herding market: the market-panic surrogate.

use super::context::{DecisionContext, Policy};
use crate::action::{Action, Decision};
use crate::market::Market;
use crate::rng::AgentRng;
use crate::world::World;
use emergent_scenario::PanicParams;

/// Three sources of trades, checked in this order for an active agent:
///
/// 1. **Cluster herding** (Cont & Bouchaud, Macroeconomic Dynamics 4, 170–196, 2000, eq. 1–3):
///    the agent's herding cluster buys with probability `cluster_trade` = a, sells with
///    probability a, else stays out, one keyed draw per (seed, cluster, tick); a trading
///    cluster's active members each trade `cluster_amount` units. Volatility feedback
///    (`cluster_feedback` b, `feedback_panic` π): at tick t a cluster sells with probability
///    min(½, a + b·v_t) and buys with min(½, a + (1 − π)·b·v_t), v_t the mean |one-tick log
///    return| over the last `lookback` ticks that every agent sees. Turbulence draws clusters
///    into the market, more of them to sell when π > 0 (panic). Each cluster's side stays a
///    draw of its own, so the feedback makes volatility cluster without making returns
///    predictable (Cont, "Volatility clustering in financial markets: empirical facts and
///    agent-based models", in Long Memory in Economics, Springer 2007, §4: activity that
///    responds to recent volatility).
/// 2. **Social herding and fear** (sell side): sell with probability
///    `base + susceptibility·(herding·f + fear·drop)`, where `f` is the fraction of feed items
///    by authors who sold within the feed window and `drop` the relative price fall over
///    `lookback` ticks. Sellers post a bearish item, which is how panic spreads through feeds.
/// 3. **Social herding** (buy side): buy with probability
///    `buy_prob + susceptibility·buy_herding·g`, `g` the fraction of feed items by recent
///    buyers; when `buy_herding > 0` buyers post a bullish item.
///
/// Differences from Cont–Bouchaud: only the active members of a cluster trade (the paper's
/// every member, our `activity = 1`), trades are clipped to holdings and cash, and the price
/// moves by `exp(impact·flow/N)` (their linear ΔX = λ⁻¹ Σ W_α φ_α, the same for small moves).
#[derive(Clone, Debug)]
pub struct Panic(pub PanicParams);

impl Policy for Panic {
    fn name(&self) -> &'static str {
        "panic"
    }

    fn reconfigure(&mut self, cfg: &emergent_scenario::PolicyConfig) -> bool {
        *self = Self(cfg.panic.clone());
        true
    }

    fn decide(&self, ctx: &DecisionContext<'_>, rng: &mut AgentRng) -> Decision {
        let p = &self.0;
        let w = ctx.world;
        let mut d = Decision::none();
        let Some(m) = w.market.as_ref() else {
            return d;
        };
        let a = ctx.agent as usize;
        let drawn = p.cluster_feedback * m.recent_volatility(p.lookback);
        let sell = (p.cluster_trade + drawn).min(0.5);
        let buy = (p.cluster_trade + (1.0 - p.feedback_panic) * drawn).min(0.5);
        match m.cluster_side(w.seed, ctx.agent, w.tick, buy, sell) {
            1 => return self.buy(d, m, a, p.cluster_amount),
            -1 => return self.sell(d, m, a, p.cluster_amount),
            _ => {}
        }
        let frac_sellers = feed_share(ctx, |author| m.sold_recently(author, w.tick, w.feed.window));
        let drop = m.recent_drop(p.lookback);
        let sus = w.population.susceptibility[a];
        let p_sell =
            (p.base_sell + sus * (p.herding * frac_sellers + p.fear * drop)).clamp(0.0, 1.0);
        let frac_buyers = if p.buy_herding > 0.0 {
            feed_share(ctx, |author| {
                m.bought_recently(author, w.tick, w.feed.window)
            })
        } else {
            0.0
        };
        let p_buy = (p.buy_prob + sus * p.buy_herding * frac_buyers).clamp(0.0, 1.0);
        if m.holdings[a] > 0.0 && rng.chance(p_sell) {
            self.sell(d, m, a, m.holdings[a] * p.sell_fraction)
        } else if m.cash[a] > 0.0 && rng.chance(p_buy) {
            self.buy(d, m, a, p.buy_amount)
        } else {
            if rng.chance(p.post_prob) {
                d.push(Action::Post {
                    topic: 0,
                    stance: w.population.stance(ctx.agent, 0) as f32,
                });
            }
            d
        }
    }
}

impl Panic {
    /// Sell `units` (when holding any) and post a bearish item.
    fn sell(&self, mut d: Decision, m: &Market, a: usize, units: f64) -> Decision {
        if m.holdings[a] > 0.0 {
            d.push(Action::Trade { quantity: -units });
            d.push(Action::Post {
                topic: 0,
                stance: -1.0,
            });
        }
        d
    }

    /// Buy `units` (when holding cash), posting a bullish item when buyers herd.
    fn buy(&self, mut d: Decision, m: &Market, a: usize, units: f64) -> Decision {
        if m.cash[a] > 0.0 {
            d.push(Action::Trade { quantity: units });
            if self.0.buy_herding > 0.0 {
                d.push(Action::Post {
                    topic: 0,
                    stance: 1.0,
                });
            }
        }
        d
    }
}

/// Share of the items in the agent's feed whose author satisfies `traded` (0 for an empty
/// feed).
fn feed_share(ctx: &DecisionContext<'_>, traded: impl Fn(u32) -> bool) -> f64 {
    if ctx.feed.is_empty() {
        return 0.0;
    }
    let w: &World = ctx.world;
    let n = ctx
        .feed
        .iter()
        .filter(|&&i| traded(w.items.author[i as usize]))
        .count();
    n as f64 / ctx.feed.len() as f64
}

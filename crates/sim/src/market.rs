//! The market of the panic scenario: holdings, cash and a price moved by net
//! order flow and, when a market maker is on, pulled back toward a fundamental value.

use serde::{Deserialize, Serialize};

use crate::AgentId;
use crate::owned::Owned;
use crate::reduce::block_sum_sparse;

/// Market state. The price update uses a block-ordered sum of the flow so it
/// is identical under any partition of agents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Market {
    /// Current price.
    pub price: f64,
    /// Price at the start of every tick so far (`history[t]`), then current.
    pub history: Vec<f64>,
    /// Price impact λ.
    pub impact: f64,
    /// Asset units held per agent.
    pub holdings: Owned<f64>,
    /// Cash per agent.
    pub cash: Owned<f64>,
    /// Cumulative units sold per agent.
    pub sold: Owned<f64>,
    /// Last tick the agent sold, `u32::MAX` if never. Kept for every agent on every rank:
    /// policies look at whether the authors in a feed sold (herding).
    pub last_sell_tick: Vec<u32>,
    /// Last tick the agent bought, `u32::MAX` if never. Kept for every agent on every rank
    /// (buy-side herding looks at the authors in a feed).
    pub last_buy_tick: Vec<u32>,
    /// Net order flow of the last tick (buys − sells).
    pub last_net_flow: f64,
    /// Number of agents (the whole population's).
    pub agents: usize,
    /// The market maker: fundamental value F and mean reversion κ (0: no market maker).
    pub maker: MarketMaker,
    /// Herding cluster of every agent (its smallest member's id), for every agent on every
    /// rank; empty when cluster trading is off. See [`crate::herding_clusters`].
    pub cluster: Vec<u32>,
}

/// A market maker who moves its quote toward the fundamental value: per tick
/// `ln P ← ln P + κ·ln(F/P)` on top of the order flow's impact. Equivalently, fundamentalist
/// traders whose net demand is (κN/λ)·ln(F/P) units (Farmer & Joshi 2002's value investors
/// with a log-linear impact). κ = 0 leaves the price to the agents' flow alone.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MarketMaker {
    pub fundamental: f64,
    pub reversion: f64,
}

impl Market {
    /// Everyone starts with the same holdings and cash.
    pub fn new(n: usize, price: f64, holdings: f64, cash: f64, impact: f64) -> Self {
        Self {
            price,
            history: vec![price],
            impact,
            holdings: Owned::whole(vec![holdings; n]),
            cash: Owned::whole(vec![cash; n]),
            sold: Owned::whole(vec![0.0; n]),
            last_sell_tick: vec![u32::MAX; n],
            last_buy_tick: vec![u32::MAX; n],
            last_net_flow: 0.0,
            agents: n,
            maker: MarketMaker {
                fundamental: price,
                reversion: 0.0,
            },
            cluster: Vec::new(),
        }
    }

    /// Execute a trade at the current price, clipped to what the agent can
    /// sell (holdings) or afford (cash). Returns the executed quantity. Touches
    /// only the agent's own account; [`Market::record_trade`] notes a trade for all.
    pub fn execute(&mut self, agent: AgentId, quantity: f64) -> f64 {
        let a = agent as usize;
        let q = if quantity < 0.0 {
            quantity.max(-self.holdings[a])
        } else {
            quantity.min(self.cash[a] / self.price)
        };
        if q == 0.0 || !q.is_finite() {
            return 0.0;
        }
        self.holdings[a] += q;
        self.cash[a] -= q * self.price;
        if q < 0.0 {
            self.sold[a] -= q;
        }
        q
    }

    /// Note that `agent` traded `q` at `tick` (a sale when q < 0, a purchase when q > 0).
    pub fn record_trade(&mut self, agent: AgentId, q: f64, tick: u32) {
        if q < 0.0 {
            self.last_sell_tick[agent as usize] = tick;
        } else if q > 0.0 {
            self.last_buy_tick[agent as usize] = tick;
        }
    }

    /// End-of-tick price move: `price *= exp(λ · net_flow / N + κ·ln(F/price))`, where
    /// the flow is the block-ordered sum of the executed `(agent, quantity)` trades (sorted
    /// by agent) and the second term is the market maker's (absent when κ = 0).
    pub fn clear(&mut self, trades: &[(AgentId, f64)]) {
        let n = self.agents.max(1);
        let flow = block_sum_sparse(trades, n);
        self.last_net_flow = flow;
        let mut log_move = self.impact * flow / n as f64;
        if self.maker.reversion > 0.0 {
            log_move += self.maker.reversion * (self.maker.fundamental / self.price).ln();
        }
        self.price *= log_move.exp();
        self.history.push(self.price);
    }

    /// Keep only the accounts of `agents` (a rank's own).
    pub fn restrict(&mut self, agents: std::ops::Range<usize>) {
        self.holdings.restrict(agents.clone());
        self.cash.restrict(agents.clone());
        self.sold.restrict(agents);
    }

    /// Relative price drop over the last `lookback` ticks (0 if it rose).
    pub fn recent_drop(&self, lookback: u32) -> f64 {
        let h = &self.history;
        let now = *h.last().unwrap_or(&self.price);
        let then = h[h.len().saturating_sub(1 + lookback as usize)];
        ((then - now) / then).max(0.0)
    }

    /// The mean absolute one-tick log return over the last `window` ticks (fewer at the
    /// start of a run; 0 before the first): the recent volatility every agent can see.
    pub fn recent_volatility(&self, window: u32) -> f64 {
        let h = &self.history;
        let from = h.len().saturating_sub(1 + window as usize);
        let moves = &h[from..];
        if moves.len() < 2 {
            return 0.0;
        }
        let sum: f64 = moves.windows(2).map(|p| (p[1] / p[0]).ln().abs()).sum();
        sum / (moves.len() - 1) as f64
    }

    /// Whether `agent` sold within the last `window` ticks before `tick`.
    #[inline]
    pub fn sold_recently(&self, agent: AgentId, tick: u32, window: u32) -> bool {
        let s = self.last_sell_tick[agent as usize];
        s != u32::MAX && s + window >= tick
    }

    /// Whether `agent` bought within the last `window` ticks before `tick`.
    #[inline]
    pub fn bought_recently(&self, agent: AgentId, tick: u32, window: u32) -> bool {
        let s = self.last_buy_tick[agent as usize];
        s != u32::MAX && s + window >= tick
    }

    /// What `agent`'s herding cluster does at `tick` (+1 buy, −1 sell, 0 nothing; always 0
    /// when cluster trading is off), with cluster-trade probability `a`.
    pub fn cluster_side(&self, seed: u64, agent: AgentId, tick: u32, buy: f64, sell: f64) -> i8 {
        match self.cluster.get(agent as usize) {
            Some(&label) if buy + sell > 0.0 => {
                crate::herding_clusters::cluster_side(seed, label, tick, buy, sell)
            }
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selling_lowers_the_price_and_trades_are_clipped() {
        let mut m = Market::new(10, 100.0, 1.0, 50.0, 1.0);
        assert_eq!(m.execute(0, -5.0), -1.0);
        m.record_trade(0, -1.0, 0);
        assert_eq!(m.execute(1, 2.0), 0.5);
        m.record_trade(1, 0.5, 0);
        m.clear(&[(0, -1.0), (1, 0.5)]);
        assert!((m.price - 100.0 * (-0.05f64).exp()).abs() < 1e-12);
        assert!(m.recent_drop(3) > 0.04);
        assert!(m.sold_recently(0, 1, 1) && !m.sold_recently(1, 1, 1));
        assert!(m.bought_recently(1, 1, 1) && !m.bought_recently(0, 1, 1));
    }

    #[test]
    fn recent_volatility_is_the_mean_absolute_log_return_of_the_window() {
        let mut m = Market::new(1, 100.0, 1.0, 1.0, 1.0);
        assert_eq!(m.recent_volatility(3), 0.0);
        m.history = vec![100.0, 110.0, 99.0, 99.0, 120.0];
        let r = |a: f64, b: f64| (b / a).ln().abs();
        let last3 = (r(110.0, 99.0) + 0.0 + r(99.0, 120.0)) / 3.0;
        assert!((m.recent_volatility(3) - last3).abs() < 1e-15);
        // A window longer than the history takes every return there is.
        let all = (r(100.0, 110.0) + r(110.0, 99.0) + r(99.0, 120.0)) / 4.0;
        assert!((m.recent_volatility(50) - all).abs() < 1e-15);
    }

    #[test]
    fn the_market_maker_pulls_the_price_back_to_the_fundamental() {
        let mut m = Market::new(10, 50.0, 1.0, 50.0, 1.0);
        m.maker = MarketMaker {
            fundamental: 100.0,
            reversion: 0.5,
        };
        m.clear(&[]);
        // ln P moves half way to ln F: 50 → √(50·100).
        assert!(
            (m.price - (50.0f64 * 100.0).sqrt()).abs() < 1e-9,
            "{}",
            m.price
        );
        for _ in 0..60 {
            m.clear(&[]);
        }
        assert!((m.price - 100.0).abs() < 1e-9, "{}", m.price);
    }
}

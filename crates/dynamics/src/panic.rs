//! Expected-value herding market: holdings, trading probabilities, feeds and the price, smooth.
//!
//! Stochastic rule (crates/sim, `policy/panic.rs`): an active agent's herding cluster sells
//! with probability c_s or buys with c_b (a = `cluster_trade` each), each member trading A
//! units (`cluster_amount`); otherwise the agent sells a fraction f of its holdings with
//! probability q = base + s·(herding·(share of sellers' items in its feed) + fear·(recent
//! price drop)), else buys B units with probability u = b + s·buy_herding·(share of buyers'
//! items), else posts. Sellers post a bearish item, buyers a bullish one when buyers herd.
//! The price moves by exp(λ·net flow / N + κ·ln(F/P)) (κ: the market maker).
//!
//! Expected form, per tick: every agent's expected sale, purchase and item
//! (`panic_window.rs`); the expected feed of every reader over the feed window, in network and
//! out of network, normalised over the items that exist (`panic_feed.rs`), whose seller and
//! buyer shares set q and u; the drop is a softplus of (P(t−L) − P(t))/P(t−L); q and u are
//! smoothly clamped to [0, 1]; holdings and the price follow the expected flows:
//! sell_i = α_i (c_s A + r q_i f h_i), buy_i = α_i (c_b A + r (1 − q_i) u_i B), r = 1 − c_s − c_b.
//!
//! Participation: w_j is the probability that j's items exist, through p_j = w_j^k
//! ([`PanicField::exponent_for`]); w = 1_S is the game's coalition S exactly (silenced
//! agents still trade). The clusters trade with probabilities min(½, a + b·v_t) and
//! min(½, a + (1 − π)·b·v_t) as in the engine, v_t the twin's *expected* volatility
//! (`panic_volatility.rs`: the giant cluster's jumps, the noise of the small trades, the
//! maker's pull back). Cash limits and the clipping of sales to holdings are left out, and so
//! is the correlation inside a cluster beyond its jumps' size: in expectation a cluster's buys
//! and sells cancel up to c_s − c_b, so clusters add volume (to `sold`), volatility and feed
//! signals, little drift.
//!
//! Outputs: `sold` (expected units sold so far) and `holdings`.

use emergent_scenario::PanicParams;
use emergent_sim::network::Network;

use crate::model::{Dynamics, Trajectory};
use crate::panic_echo::Echo;
use crate::panic_feed::{Authors, Direct, FeedShares, NoiseBar, Response};
use crate::panic_volatility::{ClusterSizes, Memory, TickMoves, Volatility};
use crate::panic_window::{
    ClusterOdds, Rule, TickActs, WindowCounts, window_counts, window_counts_adjoint,
};
use crate::smooth::sigmoid;

pub struct PanicField<'a> {
    pub net: &'a Network,
    pub activity: Vec<f64>,
    pub susceptibility: Vec<f64>,
    /// The policy's own parameters (`[policy.panic]`); `cash` is not modelled (see the
    /// module doc).
    pub params: PanicParams,
    pub ticks: u32,
    /// Ticks of items a feed shows and of trades that make an author a recent seller
    /// (`[feed] window`).
    pub window: u32,
    /// Out-of-network items per feed, round(`[feed] size` × `out_of_network_share`).
    pub out_of_network: f64,
    /// Every agent's herding cluster (`Market::cluster`: any label per cluster), empty when
    /// the engine forms none (`cluster_trade` and `cluster_feedback` both 0).
    pub clusters: Vec<u32>,
    /// k of p_j = w_j^k ([`PanicField::exponent_for`]).
    pub participation_exponent: f64,
}

const OUTPUTS: [&str; 2] = ["sold", "holdings"];
/// Sharpness of the smooth clamps (→ ∞ recovers the hard ones).
const BETA: f64 = 50.0;

fn softplus(z: f64) -> f64 {
    let b = BETA * z;
    if b > 30.0 { z } else { b.exp().ln_1p() / BETA }
}

/// Smooth clamp to [0, 1] and its derivative.
fn clamp01(z: f64) -> (f64, f64) {
    (
        softplus(z) - softplus(z - 1.0),
        sigmoid(BETA * z) - sigmoid(BETA * (z - 1.0)),
    )
}

/// Per-tick quantities `backward` recomputes from the stored state.
struct Tick {
    feed: FeedShares,
    /// Every author's window counts: items, seller items, buyer items.
    items: Vec<f64>,
    sellers: Vec<f64>,
    buyers: Vec<f64>,
    q: Vec<f64>,
    dq: Vec<f64>,
    u: Vec<f64>,
    du: Vec<f64>,
    drop_ratio: f64,
}

impl Tick {
    fn authors(&self) -> Authors<'_> {
        Authors {
            items: &self.items,
            sellers: &self.sellers,
            buyers: &self.buyers,
        }
    }
}

/// States kept per tick: holdings entering the tick, q and u of the tick.
const PER_TICK: usize = 3;

impl PanicField<'_> {
    /// k of p_j = w_j^k: log₄(N / (2 n_oon)), at least 1 (1 without out-of-network items).
    /// Normalised over the items that exist, the feeds fill as soon as the window holds a
    /// few items (p ≈ n_oon / N), so M(α·1) would be flat but for a step within α ≲ 10⁻³;
    /// the same map for every agent leaves the corners w ∈ {0, 1}^N and every agent's
    /// Aumann–Shapley value unchanged and moves that step to α ≈ ¼, where the quadrature's
    /// panels see it (as the radicalization twin does, `radicalization.rs`).
    pub fn exponent_for(agents: usize, out_of_network: f64) -> f64 {
        if out_of_network < 1.0 {
            return 1.0;
        }
        (agents as f64 / (2.0 * out_of_network)).log(4.0).max(1.0)
    }

    fn lagged(&self, t: usize) -> usize {
        t.saturating_sub(self.params.lookback as usize)
    }

    fn buy_herding(&self) -> bool {
        self.params.buy_herding > 0.0
    }

    fn rule(&self) -> Rule {
        Rule {
            post_prob: self.params.post_prob,
            buyers_post: self.buy_herding(),
        }
    }

    /// The expected-volatility model, when clusters respond to volatility, and which agents
    /// are members of its large clusters.
    fn volatility(&self) -> Option<(Volatility, Vec<bool>)> {
        let p = &self.params;
        (p.cluster_feedback > 0.0 && !self.clusters.is_empty()).then(|| {
            let (sizes, large) = ClusterSizes::new(&self.clusters, &self.activity);
            let vol = Volatility {
                impact_per_unit: p.impact / self.agents().max(1) as f64,
                amount: p.cluster_amount,
                reversion: p.reversion.max(0.0),
                sizes,
                echo_ticks: f64::from(self.window),
            };
            (vol, large)
        })
    }

    /// The cluster trade probabilities at volatility v, min(½, a + b·v) to sell and
    /// min(½, a + (1 − π)·b·v) to buy (smoothly), and their derivatives in v.
    fn odds_at(&self, v: f64) -> (ClusterOdds, ClusterOdds) {
        let p = &self.params;
        if self.clusters.is_empty() {
            return Default::default();
        }
        let half_min = |x: f64| (x - softplus(x - 0.5), 1.0 - sigmoid(BETA * (x - 0.5)));
        let (b_sell, b_buy) = (
            p.cluster_feedback,
            (1.0 - p.feedback_panic) * p.cluster_feedback,
        );
        let (sell, d_sell) = half_min(p.cluster_trade + b_sell * v);
        let (buy, d_buy) = half_min(p.cluster_trade + b_buy * v);
        (
            ClusterOdds { sell, buy },
            ClusterOdds {
                sell: d_sell * b_sell,
                buy: d_buy * b_buy,
            },
        )
    }

    /// The ticks whose |return| make up tick t's volatility: the last `lookback` (fewer at
    /// the start).
    fn volatility_ticks(&self, t: usize) -> std::ops::Range<usize> {
        t.saturating_sub(self.params.lookback.max(1) as usize)..t
    }

    /// p_j = w_j^k and dp_j/dw_j.
    fn participation(&self, w: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let k = self.participation_exponent;
        w.iter()
            .map(|&x| {
                let x = x.max(0.0);
                if k == 1.0 {
                    (x, 1.0)
                } else if x == 0.0 {
                    (0.0, 0.0)
                } else {
                    (x.powf(k), k * x.powf(k - 1.0))
                }
            })
            .unzip()
    }

    /// The ticks of tick t's feed window: t − window .. t.
    fn window_ticks(&self, t: usize) -> std::ops::Range<usize> {
        t.saturating_sub(self.window as usize)..t
    }

    /// Agent i's expected acts in tick τ, from the stored q and u.
    fn acts(&self, states: &[Vec<f64>], odds: &[ClusterOdds], tau: usize, i: usize) -> TickActs {
        let s = PER_TICK * tau;
        self.rule().acts(
            self.activity[i],
            states[s + 1][i],
            states[s + 2][i],
            odds[tau],
        )
    }

    fn tick(
        &self,
        p: &[f64],
        states: &[Vec<f64>],
        odds: &[ClusterOdds],
        prices: &[f64],
        t: usize,
    ) -> Tick {
        let n = self.activity.len();
        let pr = &self.params;
        let ticks = self.window_ticks(t);
        let counts: Vec<WindowCounts> = (0..n)
            .map(|i| {
                let acts: Vec<TickActs> = ticks
                    .clone()
                    .map(|tau| self.acts(states, odds, tau, i))
                    .collect();
                window_counts(&acts)
            })
            .collect();
        let columns = |f: fn(&WindowCounts) -> f64| counts.iter().map(f).collect::<Vec<f64>>();
        let (items, sellers, buyers) = (
            columns(|c| c.items),
            columns(|c| c.sellers),
            columns(|c| c.buyers),
        );
        let authors = Authors {
            items: &items,
            sellers: &sellers,
            buyers: &buyers,
        };
        let feed = FeedShares::new(
            self.net,
            p,
            &authors,
            self.out_of_network,
            self.buy_herding(),
        );
        let (p_now, p_then) = (prices[t], prices[self.lagged(t)]);
        let drop_ratio = (p_then - p_now) / p_then;
        let drop = softplus(drop_ratio);
        let (q, dq): (Vec<f64>, Vec<f64>) = (0..n)
            .map(|i| {
                clamp01(
                    pr.base_sell
                        + self.susceptibility[i]
                            * (pr.herding * feed.seller_share(i) + pr.fear * drop),
                )
            })
            .unzip();
        let (u, du): (Vec<f64>, Vec<f64>) = if self.buy_herding() {
            (0..n)
                .map(|i| {
                    clamp01(
                        pr.buy_prob + self.susceptibility[i] * pr.buy_herding * feed.buyer_share(i),
                    )
                })
                .unzip()
        } else {
            (vec![pr.buy_prob; n], vec![0.0; n])
        };
        Tick {
            feed,
            items,
            sellers,
            buyers,
            q,
            dq,
            u,
            du,
            drop_ratio,
        }
    }

    /// ln P(t+1) − ln P(t) apart from the flow: the market maker's κ·ln(F/P).
    fn maker_move(&self, price: f64) -> f64 {
        let k = self.params.reversion;
        if k > 0.0 {
            k * (self.fundamental() / price).ln()
        } else {
            0.0
        }
    }

    fn fundamental(&self) -> f64 {
        self.params.fundamental.unwrap_or(self.params.initial_price)
    }

    /// Agent i's expected sale and purchase in units at tick t.
    fn trades(&self, i: usize, h: f64, q: f64, u: f64, c: ClusterOdds) -> (f64, f64) {
        let p = &self.params;
        let act = self.activity[i];
        let r = 1.0 - c.sell - c.buy;
        (
            act * (c.sell * p.cluster_amount + r * q * p.sell_fraction * h),
            act * (c.buy * p.cluster_amount + r * (1.0 - q) * u * p.buy_amount),
        )
    }
}

impl PanicField<'_> {
    /// Σ_i α_i r (q_i (f h_i)² + (1 − q_i) u_i B²): the variance of the individual trades.
    fn trade_variance(&self, h: &[f64], q: &[f64], u: &[f64], c: ClusterOdds) -> f64 {
        let p = &self.params;
        let r = 1.0 - c.sell - c.buy;
        (0..self.agents())
            .map(|i| {
                let sell = p.sell_fraction * h[i];
                self.activity[i]
                    * r
                    * (q[i] * sell * sell + (1.0 - q[i]) * u[i] * p.buy_amount * p.buy_amount)
            })
            .sum()
    }
}

impl PanicField<'_> {
    /// Per reader, the flow per unit of seller share and of buyer share in its feed (the
    /// clamps' slopes taken as 1: they are smoothings of clamps the shipped market never
    /// reaches): herding·α s r (f h + u B) (a sale also forgoes a purchase) and
    /// buy_herding·α s r (1 − q) B.
    fn responses(&self, h: &[f64], q: &[f64], u: &[f64], c: ClusterOdds) -> (Vec<f64>, Vec<f64>) {
        let p = &self.params;
        let r = 1.0 - c.sell - c.buy;
        (0..self.agents())
            .map(|i| {
                let base = self.activity[i] * self.susceptibility[i] * r;
                (
                    p.herding * base * (p.sell_fraction * h[i] + u[i] * p.buy_amount),
                    p.buy_herding * base * (1.0 - q[i]) * p.buy_amount,
                )
            })
            .unzip()
    }

    /// Tick t's inputs to the expected |return|: the twin's own return, the variance of the
    /// trades (the individual ones and the out-of-network pool's chance,
    /// [`FeedShares::pool_noise`]), and the large clusters' echo (`panic_echo.rs`).
    #[allow(clippy::too_many_arguments)]
    fn moves(
        &self,
        k: &Tick,
        p: &[f64],
        h: &[f64],
        c: ClusterOdds,
        large: &[bool],
        prices: &[f64],
        t: usize,
    ) -> TickMoves {
        let (sell, buy) = self.responses(h, &k.q, &k.u, c);
        let response = Response {
            sell: &sell,
            buy: &buy,
        };
        let noise = k
            .feed
            .pool_noise(p, &k.authors(), self.out_of_network, &response);
        let (echo_sell, echo_buy) =
            self.echo(large)
                .echo(&k.feed, p, self.out_of_network, &response);
        TickMoves {
            mean_return: (prices[t + 1] / prices[t]).ln(),
            trade_variance: self.trade_variance(h, &k.q, &k.u, c) + noise,
            echo_sell,
            echo_buy,
        }
    }

    fn echo<'b>(&'b self, large: &'b [bool]) -> Echo<'b> {
        Echo {
            net: self.net,
            large,
            activity: &self.activity,
        }
    }
}

impl Dynamics for PanicField<'_> {
    fn agents(&self) -> usize {
        self.activity.len()
    }

    fn outputs(&self) -> &'static [&'static str] {
        &OUTPUTS
    }

    fn forward(&self, w: &[f64], _needed: &[bool]) -> Trajectory {
        let n = self.agents();
        let nf = n as f64;
        let pr = &self.params;
        let (p, _) = self.participation(w);
        let vol = self.volatility();
        let mut h = vec![pr.holdings; n];
        let mut sold = vec![0.0; n];
        let mut prices = vec![pr.initial_price];
        let mut odds = Vec::with_capacity(self.ticks as usize);
        // Per tick: the volatility v_t it sees and the maker's memory entering it.
        let mut market = Vec::with_capacity(MARKET_PER_TICK * self.ticks as usize);
        let mut abs_returns: Vec<f64> = Vec::with_capacity(self.ticks as usize);
        let mut memory = Memory::default();
        // states[3t] = holdings entering tick t, states[3t + 1] = q and states[3t + 2] = u of
        // tick t; then the price path and the market scalars.
        let mut states = Vec::with_capacity(PER_TICK * self.ticks as usize + 2);
        for t in 0..self.ticks as usize {
            let seen = self.volatility_ticks(t);
            let v = if seen.is_empty() || vol.is_none() {
                0.0
            } else {
                abs_returns[seen.clone()].iter().sum::<f64>() / seen.len() as f64
            };
            let c = self.odds_at(v).0;
            odds.push(c);
            states.push(h.clone());
            let k = self.tick(&p, &states, &odds, &prices, t);
            let mut flow = 0.0;
            for i in 0..n {
                let (sell, buy) = self.trades(i, h[i], k.q[i], k.u[i], c);
                sold[i] += sell;
                h[i] += buy - sell;
                flow += buy - sell;
            }
            let price = prices[t] * (pr.impact * flow / nf + self.maker_move(prices[t])).exp();
            prices.push(price);
            market.extend([v, memory.noise, memory.jumps]);
            if let Some((vol, large)) = &vol {
                let moves = self.moves(&k, &p, &states[PER_TICK * t], c, large, &prices, t);
                let (abs_return, next) = vol.step(c, moves, memory);
                abs_returns.push(abs_return);
                memory = next;
            }
            states.push(k.q);
            states.push(k.u);
        }
        states.push(prices);
        states.push(market);
        Trajectory {
            outputs: vec![sold, h],
            states,
        }
    }

    fn backward(&self, w: &[f64], fwd: &Trajectory, d_out: &[Option<Vec<f64>>]) -> Vec<f64> {
        let n = self.agents();
        let nf = n as f64;
        let pr = &self.params;
        let (p, dp) = self.participation(w);
        let vol = self.volatility();
        let zero = vec![0.0; n];
        let out = |k: usize| d_out.get(k).and_then(|o| o.as_ref()).unwrap_or(&zero);
        let sold_hat = out(0);
        let ticks = self.ticks as usize;
        let states = &fwd.states[..PER_TICK * ticks];
        let prices = &fwd.states[PER_TICK * ticks];
        let market = &fwd.states[PER_TICK * ticks + 1];
        let volatility_seen = |t: usize| market[MARKET_PER_TICK * t];
        let memory_at = |t: usize| Memory {
            noise: market[MARKET_PER_TICK * t + 1],
            jumps: market[MARKET_PER_TICK * t + 2],
        };
        let odds: Vec<ClusterOdds> = (0..ticks)
            .map(|t| self.odds_at(volatility_seen(t)).0)
            .collect();
        let mut h_bar = out(1).clone();
        let mut p_bar = vec![0.0; prices.len()];
        let mut part_bar = vec![0.0; n];
        let mut abs_bar = vec![0.0; ticks];
        let mut memory_bar = Memory::default();
        let mut pending: Pending = Default::default();
        let kappa = pr.reversion.max(0.0);
        for t in (0..ticks).rev() {
            let s = PER_TICK * t;
            let (h, q, u) = (&states[s], &states[s + 1], &states[s + 2]);
            let k = self.tick(&p, states, &odds, prices, t);
            let c = odds[t];
            let r = 1.0 - c.sell - c.buy;
            let mut bars = pending.remove(&t).unwrap_or_else(|| TickBars::zero(n));
            // Back through E|r_t|: the twin's own return and the trades' variance.
            let mut variance_bar = 0.0;
            let mut echo_bar = (0.0, 0.0);
            if let Some((vol, large)) = &vol {
                let moves = self.moves(&k, &p, h, c, large, prices, t);
                let (mb, before) = vol.step_adjoint(c, moves, memory_at(t), abs_bar[t], memory_bar);
                memory_bar = before;
                p_bar[t + 1] += mb.mean_return / prices[t + 1];
                p_bar[t] -= mb.mean_return / prices[t];
                bars.sell += mb.sell;
                bars.buy += mb.buy;
                variance_bar = mb.trade_variance;
                echo_bar = (mb.echo_sell, mb.echo_buy);
            }
            // ∂M/∂h_t through the pool's noise and the echo, added once h̄_{t+1} has been
            // read below.
            let mut noise_h_bar = vec![0.0; if vol.is_some() { n } else { 0 }];
            let noise = vol.as_ref().map(|(_, large)| {
                let at = TickAt {
                    k: &k,
                    p: &p,
                    h,
                    q,
                    u,
                    c,
                };
                self.spread_adjoint(
                    &at,
                    large,
                    variance_bar,
                    echo_bar,
                    &mut bars,
                    &mut noise_h_bar,
                )
            });
            // P(t+1) = P(t)^{1−κ} F^κ exp(λ·flow/N).
            let growth = prices[t + 1] / prices[t];
            let flow_bar = p_bar[t + 1] * prices[t + 1] * pr.impact / nf;
            p_bar[t] += p_bar[t + 1] * growth * (1.0 - kappa);
            let mut seller_bar = vec![0.0; n];
            let mut buyer_bar = vec![0.0; n];
            let mut drop_bar = 0.0;
            let (f, a, b) = (pr.sell_fraction, pr.cluster_amount, pr.buy_amount);
            for i in 0..n {
                let act = self.activity[i];
                // h' = h + buy − sell; flow += buy − sell; sold += sell.
                let buy_bar = h_bar[i] + flow_bar;
                let sell_bar = sold_hat[i] - h_bar[i] - flow_bar;
                let (sell_h, buy_u) = (f * h[i], u[i] * b);
                // The trade variance α r (q (f h)² + (1 − q) u B²).
                let var_i = q[i] * sell_h * sell_h + (1.0 - q[i]) * buy_u * b;
                let vb = variance_bar * act;
                bars.q[i] += act * r * (sell_bar * sell_h - buy_bar * buy_u)
                    + vb * r * (sell_h * sell_h - buy_u * b);
                bars.u[i] += act * r * (1.0 - q[i]) * buy_bar * b + vb * r * (1.0 - q[i]) * b * b;
                bars.sell += act
                    * (sell_bar * (a - q[i] * sell_h) - buy_bar * (1.0 - q[i]) * buy_u)
                    - vb * var_i;
                bars.buy += act
                    * (-sell_bar * q[i] * sell_h + buy_bar * (a - (1.0 - q[i]) * buy_u))
                    - vb * var_i;
                h_bar[i] += sell_bar * act * r * q[i] * f + vb * r * q[i] * 2.0 * f * sell_h;
                let z_bar = bars.q[i] * k.dq[i];
                let y_bar = bars.u[i] * k.du[i];
                // z = base + s (herding·share + fear·drop); y = b + s·buy_herding·share.
                seller_bar[i] = z_bar * self.susceptibility[i] * pr.herding;
                buyer_bar[i] = y_bar * self.susceptibility[i] * pr.buy_herding;
                drop_bar += z_bar * self.susceptibility[i] * pr.fear;
            }
            for (a, b) in h_bar.iter_mut().zip(&noise_h_bar) {
                *a += b;
            }
            let r_bar = drop_bar * sigmoid(BETA * k.drop_ratio);
            let lag = self.lagged(t);
            if lag != t {
                p_bar[t] += r_bar * (-1.0 / prices[lag]);
                p_bar[lag] += r_bar * prices[t] / (prices[lag] * prices[lag]);
            }
            let readers = Readers {
                seller_bar: &seller_bar,
                buyer_bar: &buyer_bar,
            };
            self.window_adjoint(
                &k,
                &p,
                states,
                &odds,
                t,
                readers,
                noise.as_ref(),
                &mut pending,
                &mut part_bar,
            );
            // The odds of tick t came from the volatility it saw.
            if vol.is_some() {
                let dv = self.odds_at(volatility_seen(t)).1;
                let v_bar = bars.sell * dv.sell + bars.buy * dv.buy;
                let seen = self.volatility_ticks(t);
                let share = v_bar / seen.len().max(1) as f64;
                for tau in seen {
                    abs_bar[tau] += share;
                }
            }
        }
        part_bar.iter().zip(&dp).map(|(b, d)| b * d).collect()
    }
}

/// One tick's state as `backward` sees it.
struct TickAt<'a> {
    k: &'a Tick,
    p: &'a [f64],
    h: &'a [f64],
    q: &'a [f64],
    u: &'a [f64],
    c: ClusterOdds,
}

impl PanicField<'_> {
    /// Back through the pool's noise and the large clusters' echo of tick t, given the
    /// adjoints of the trade variance and of the echoes: into the tick's q̄, ū and odds
    /// (`bars`) and h̄_t (`h_bar`); the feed's and the authors' parts are returned for
    /// [`PanicField::window_adjoint`].
    fn spread_adjoint(
        &self,
        at: &TickAt<'_>,
        large: &[bool],
        variance_bar: f64,
        echo_bar: (f64, f64),
        bars: &mut TickBars,
        h_bar: &mut [f64],
    ) -> NoiseBar {
        let pr = &self.params;
        let (h, q, u, c) = (at.h, at.q, at.u, at.c);
        let r = 1.0 - c.sell - c.buy;
        let (sell, buy) = self.responses(h, q, u, c);
        let response = Response {
            sell: &sell,
            buy: &buy,
        };
        let n_oon = self.out_of_network;
        let feed = &at.k.feed;
        let mut nb = feed.pool_noise_adjoint(at.p, &at.k.authors(), n_oon, &response, variance_bar);
        let eb = self
            .echo(large)
            .adjoint(feed, at.p, n_oon, &response, echo_bar.0, echo_bar.1);
        nb.phi += eb.phi;
        let (f, b) = (pr.sell_fraction, pr.buy_amount);
        let mut r_bar = 0.0;
        for i in 0..self.agents() {
            nb.items[i] += eb.items[i];
            nb.p[i] += eb.p[i];
            let base = self.activity[i] * self.susceptibility[i];
            let sb = (nb.sell[i] + eb.sell[i]) * pr.herding * base;
            let bb = (nb.buy[i] + eb.buy[i]) * pr.buy_herding * base;
            h_bar[i] = sb * r * f;
            bars.u[i] += sb * r * b;
            bars.q[i] -= bb * r * b;
            r_bar += sb * (f * h[i] + u[i] * b) + bb * (1.0 - q[i]) * b;
        }
        bars.sell -= r_bar;
        bars.buy -= r_bar;
        nb
    }
}

/// Scalars stored per tick besides the agents' states: v_t and the maker's memory.
const MARKET_PER_TICK: usize = 3;

/// Adjoints of one tick's q, u and cluster odds, gathered from the later ticks that read them.
struct TickBars {
    q: Vec<f64>,
    u: Vec<f64>,
    sell: f64,
    buy: f64,
}

impl TickBars {
    fn zero(n: usize) -> Self {
        Self {
            q: vec![0.0; n],
            u: vec![0.0; n],
            sell: 0.0,
            buy: 0.0,
        }
    }
}

type Pending = std::collections::BTreeMap<usize, TickBars>;

/// ∂M/∂(seller share) and ∂M/∂(buyer share) of every reader at one tick.
#[derive(Clone, Copy)]
struct Readers<'a> {
    seller_bar: &'a [f64],
    buyer_bar: &'a [f64],
}

impl PanicField<'_> {
    /// Back through tick t's feeds and window counts: ∂M/∂p into `part_bar`, and the
    /// adjoints of the window's ticks' q, u and odds into `pending`.
    #[allow(clippy::too_many_arguments)]
    fn window_adjoint(
        &self,
        k: &Tick,
        p: &[f64],
        states: &[Vec<f64>],
        odds: &[ClusterOdds],
        t: usize,
        readers: Readers<'_>,
        noise: Option<&NoiseBar>,
        pending: &mut Pending,
        part_bar: &mut [f64],
    ) {
        let n = self.agents();
        let rule = self.rule();
        let authors = k.authors();
        let bar = k.feed.adjoint(
            self.net,
            p,
            &authors,
            self.out_of_network,
            readers.seller_bar,
            readers.buyer_bar,
            Direct {
                items: noise.map(|nb| nb.items.as_slice()),
                phi: noise.map_or(0.0, |nb| nb.phi),
            },
        );
        for (a, b) in part_bar.iter_mut().zip(&bar.p) {
            *a += b;
        }
        let mut bar = bar;
        if let Some(nb) = noise {
            let add =
                |to: &mut [f64], from: &[f64]| to.iter_mut().zip(from).for_each(|(a, b)| *a += b);
            add(part_bar, &nb.p);
            add(&mut bar.sellers, &nb.sellers);
            add(&mut bar.buyers, &nb.buyers);
        }
        let ticks: Vec<usize> = self.window_ticks(t).collect();
        for &tau in &ticks {
            pending.entry(tau).or_insert_with(|| TickBars::zero(n));
        }
        for i in 0..n {
            let acts: Vec<TickActs> = ticks
                .iter()
                .map(|&tau| self.acts(states, odds, tau, i))
                .collect();
            let counts_bar = WindowCounts {
                items: bar.items[i],
                sellers: bar.sellers[i],
                buyers: bar.buyers[i],
            };
            for (&tau, acts_bar) in ticks.iter().zip(window_counts_adjoint(&acts, counts_bar)) {
                let s = PER_TICK * tau;
                let (q_bar, u_bar, sell_bar, buy_bar) = rule.acts_adjoint(
                    self.activity[i],
                    states[s + 1][i],
                    states[s + 2][i],
                    odds[tau],
                    acts_bar,
                );
                let entry = pending.get_mut(&tau).expect("inserted above");
                entry.q[i] += q_bar;
                entry.u[i] += u_bar;
                entry.sell += sell_bar;
                entry.buy += buy_bar;
            }
        }
    }
}

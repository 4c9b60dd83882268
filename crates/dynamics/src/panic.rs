//! Expected-value herding market: holdings, trading probabilities and the price, smooth.
//!
//! Stochastic rule (crates/sim, `policy/panic.rs`): an active agent's herding cluster buys
//! with probability a (`cluster_trade`) and sells with probability a, each member trading A
//! units (`cluster_amount`); otherwise (probability 1 − 2a) the agent sells a fraction f of its
//! holdings with probability q = base + s·(herding·(share of sellers it sees) + fear·(recent
//! price drop)), else buys B units with probability u = b + s·buy_herding·(share of buyers it
//! sees). The price moves by exp(λ·net flow / N + κ·ln(F/P)) (κ: the market maker).
//! Expected form, per tick: agent j's trades act on its followers with weight w_j:
//! seen_i = Σ_{j ∈ followees(i)} w_j σ_j / |followees(i)| with σ_j = α_j (a + (1 − 2a) q_j)
//! the chance j sold last tick, and likewise for buyers with β_j = α_j (a + (1 − 2a)(1 − q_j)
//! u_j); the drop is a softplus of (P(t−L) − P(t))/P(t−L); q and u are smoothly clamped to
//! [0, 1] (u is b itself when buy_herding = 0); holdings and the price follow the expected
//! flows: sell_i = α_i (aA + (1 − 2a) q_i f h_i), buy_i = α_i (aA + (1 − 2a)(1 − q_i) u_i B).
//! Cash limits and the once-per-holding sale are left out, and so is the correlation inside
//! a cluster: in expectation a cluster's buys and sells cancel, so clusters add volume (to
//! `sold`) and feed signals, not drift. w scales only what goes through feeds, not cluster
//! co-trading (which the engine does not route through items). The volatility feedback on
//! cluster trading (`cluster_feedback`, `feedback_panic`) is left out too: it responds to the
//! realized volatility of the price, which an expected path does not have (its moves are the
//! mean flow's, orders of magnitude smaller); the model keeps a at its base value.
//!
//! Outputs: `sold` (expected units sold so far) and `holdings`.

use emergent_scenario::PanicParams;
use emergent_sim::network::Network;
use rayon::prelude::*;

use crate::model::{Dynamics, Trajectory};
use crate::smooth::sigmoid;

pub struct PanicField<'a> {
    pub net: &'a Network,
    pub activity: Vec<f64>,
    pub susceptibility: Vec<f64>,
    /// The policy's own parameters (`[policy.panic]`); `cash` and `post_prob` are not
    /// modelled (see the module doc).
    pub params: PanicParams,
    pub ticks: u32,
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
    q: Vec<f64>,
    dq: Vec<f64>,
    /// Buy probability when trading alone, and its derivative in its argument.
    u: Vec<f64>,
    du: Vec<f64>,
    drop_ratio: f64,
}

/// States kept per tick: holdings, σ (sold chance) and β (bought chance) entering the tick.
const PER_TICK: usize = 3;

impl PanicField<'_> {
    fn lagged(&self, t: usize) -> usize {
        t.saturating_sub(self.params.lookback as usize)
    }

    /// Σ_{j ∈ followees(i)} w_j x_j / |followees(i)| for every i.
    fn seen(&self, w: &[f64], x: &[f64]) -> Vec<f64> {
        (0..self.activity.len())
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                let f = self.net.followees(i as u32);
                if f.is_empty() {
                    0.0
                } else {
                    f.iter()
                        .map(|&j| w[j as usize] * x[j as usize])
                        .sum::<f64>()
                        / f.len() as f64
                }
            })
            .collect()
    }

    /// The adjoint of [`Self::seen`]: given seen_bar, (x_bar, w_bar contribution).
    fn seen_adjoint(&self, w: &[f64], x: &[f64], seen_bar: &[f64]) -> (Vec<f64>, Vec<f64>) {
        (0..self.activity.len())
            .into_par_iter()
            .with_min_len(1024)
            .map(|j| {
                let (mut xb, mut wb) = (0.0, 0.0);
                for &i in self.net.followers(j as u32) {
                    let i = i as usize;
                    let d = self.net.followees(i as u32).len() as f64;
                    xb += seen_bar[i] * w[j] / d;
                    wb += seen_bar[i] * x[j] / d;
                }
                (xb, wb)
            })
            .unzip()
    }

    fn buy_herding(&self) -> bool {
        self.params.buy_herding > 0.0
    }

    fn tick(
        &self,
        w: &[f64],
        sigma_prev: &[f64],
        beta_prev: &[f64],
        prices: &[f64],
        t: usize,
    ) -> Tick {
        let n = self.activity.len();
        let p = &self.params;
        let (p_now, p_then) = (prices[t], prices[self.lagged(t)]);
        let drop_ratio = (p_then - p_now) / p_then;
        let drop = softplus(drop_ratio);
        let seen = self.seen(w, sigma_prev);
        let (q, dq): (Vec<f64>, Vec<f64>) = (0..n)
            .map(|i| {
                clamp01(
                    p.base_sell + self.susceptibility[i] * (p.herding * seen[i] + p.fear * drop),
                )
            })
            .unzip();
        let (u, du): (Vec<f64>, Vec<f64>) = if self.buy_herding() {
            let seen_buyers = self.seen(w, beta_prev);
            (0..n)
                .map(|i| {
                    clamp01(p.buy_prob + self.susceptibility[i] * p.buy_herding * seen_buyers[i])
                })
                .unzip()
        } else {
            (vec![p.buy_prob; n], vec![0.0; n])
        };
        Tick {
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
        let p = &self.params;
        let (a, amount, alone) = (
            p.cluster_trade,
            p.cluster_amount,
            1.0 - 2.0 * p.cluster_trade,
        );
        let mut h = vec![p.holdings; n];
        let mut sigma = vec![0.0; n];
        let mut beta = vec![0.0; n];
        let mut sold = vec![0.0; n];
        let mut prices = vec![p.initial_price];
        // states[3t] = holdings at t, states[3t + 1] = σ and states[3t + 2] = β entering
        // tick t; the last entry is the price path.
        let mut states = Vec::with_capacity(PER_TICK * self.ticks as usize + 1);
        for t in 0..self.ticks as usize {
            states.push(h.clone());
            states.push(sigma.clone());
            states.push(beta.clone());
            let k = self.tick(w, &sigma, &beta, &prices, t);
            let mut flow = 0.0;
            for i in 0..n {
                let act = self.activity[i];
                let (q, u) = (k.q[i], k.u[i]);
                let sell = act * (a * amount + alone * q * p.sell_fraction * h[i]);
                let buy = act * (a * amount + alone * (1.0 - q) * u * p.buy_amount);
                sold[i] += sell;
                h[i] += buy - sell;
                flow += buy - sell;
                sigma[i] = act * (a + alone * q);
                beta[i] = act * (a + alone * (1.0 - q) * u);
            }
            let price = prices[t] * (p.impact * flow / nf + self.maker_move(prices[t])).exp();
            prices.push(price);
        }
        states.push(prices);
        Trajectory {
            outputs: vec![sold, h],
            states,
        }
    }

    fn backward(&self, w: &[f64], fwd: &Trajectory, d_out: &[Option<Vec<f64>>]) -> Vec<f64> {
        let n = self.agents();
        let nf = n as f64;
        let p = &self.params;
        let (alone, f) = (1.0 - 2.0 * p.cluster_trade, p.sell_fraction);
        let zero = vec![0.0; n];
        let out = |k: usize| d_out.get(k).and_then(|o| o.as_ref()).unwrap_or(&zero);
        let sold_hat = out(0);
        let prices = fwd.states.last().expect("price path");
        let mut h_bar = out(1).clone();
        let mut sigma_bar = vec![0.0; n];
        let mut beta_bar = vec![0.0; n];
        let mut p_bar = vec![0.0; prices.len()];
        let mut w_bar = vec![0.0; n];
        for t in (0..self.ticks as usize).rev() {
            let s = PER_TICK * t;
            let (h, sigma_prev, beta_prev) =
                (&fwd.states[s], &fwd.states[s + 1], &fwd.states[s + 2]);
            let k = self.tick(w, sigma_prev, beta_prev, prices, t);
            // P(t+1) = P(t)^{1−κ} F^κ exp(λ·flow/N).
            let growth = prices[t + 1] / prices[t];
            let flow_bar = p_bar[t + 1] * prices[t + 1] * p.impact / nf;
            let kappa = if p.reversion > 0.0 { p.reversion } else { 0.0 };
            p_bar[t] += p_bar[t + 1] * growth * (1.0 - kappa);
            let mut z_bar = vec![0.0; n];
            let mut y_bar = vec![0.0; n];
            let mut next_h_bar = vec![0.0; n];
            for i in 0..n {
                let act = self.activity[i];
                let (q, u) = (k.q[i], k.u[i]);
                // h' = h + buy − sell; flow += buy − sell; sold += sell.
                let buy_bar = h_bar[i] + flow_bar;
                let sell_bar = sold_hat[i] - h_bar[i] - flow_bar;
                let q_bar = act
                    * alone
                    * (sell_bar * f * h[i] - buy_bar * u * p.buy_amount + sigma_bar[i]
                        - beta_bar[i] * u);
                let u_bar = act * alone * (1.0 - q) * (buy_bar * p.buy_amount + beta_bar[i]);
                next_h_bar[i] = h_bar[i] + sell_bar * act * alone * q * f;
                z_bar[i] = q_bar * k.dq[i];
                y_bar[i] = u_bar * k.du[i];
            }
            // z = base + s (herding·seen + fear·drop).
            let drop_bar: f64 = (0..n)
                .map(|i| z_bar[i] * self.susceptibility[i] * p.fear)
                .sum();
            let r_bar = drop_bar * sigmoid(BETA * k.drop_ratio);
            let lag = self.lagged(t);
            if lag != t {
                p_bar[t] += r_bar * (-1.0 / prices[lag]);
                p_bar[lag] += r_bar * prices[t] / (prices[lag] * prices[lag]);
            }
            let seen_bar: Vec<f64> = (0..n)
                .map(|i| z_bar[i] * self.susceptibility[i] * p.herding)
                .collect();
            let (sig_part, w_part) = self.seen_adjoint(w, sigma_prev, &seen_bar);
            for (a, b) in w_bar.iter_mut().zip(&w_part) {
                *a += b;
            }
            beta_bar = if self.buy_herding() {
                // y = b + s·buy_herding·seen_buyers.
                let seen_bar: Vec<f64> = (0..n)
                    .map(|i| y_bar[i] * self.susceptibility[i] * p.buy_herding)
                    .collect();
                let (beta_part, w_part) = self.seen_adjoint(w, beta_prev, &seen_bar);
                for (a, b) in w_bar.iter_mut().zip(&w_part) {
                    *a += b;
                }
                beta_part
            } else {
                vec![0.0; n]
            };
            h_bar = next_h_bar;
            sigma_bar = sig_part;
        }
        w_bar
    }
}

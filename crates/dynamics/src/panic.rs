//! Expected-value herding panic: holdings, selling probabilities and the price, smooth.
//!
//! Stochastic rule (crates/sim): an active agent sells a fraction f of its holdings with
//! probability base + s·(herding·(share of sellers it sees) + fear·(recent price drop)),
//! otherwise buys B units with probability b; the price moves by exp(λ·net flow / N).
//! Expected form, per tick: agent j's selling acts on its followers with weight w_j:
//! seen_i = Σ_{j ∈ followees(i)} w_j σ_j / |followees(i)| with σ_j = a_j q_j the chance j sold
//! last tick; the drop is a softplus of (P(t−L) − P(t))/P(t−L); q = softplus(z) − softplus(z−1)
//! clamps to [0, 1] smoothly; holdings and the price follow the expected flows. Cash limits and
//! the once-per-holding sale are left out.
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
    drop_ratio: f64,
}

impl PanicField<'_> {
    fn lagged(&self, t: usize) -> usize {
        t.saturating_sub(self.params.lookback as usize)
    }

    fn tick(&self, w: &[f64], sigma_prev: &[f64], prices: &[f64], t: usize) -> Tick {
        let n = self.activity.len();
        let (p_now, p_then) = (prices[t], prices[self.lagged(t)]);
        let drop_ratio = (p_then - p_now) / p_then;
        let drop = softplus(drop_ratio);
        let seen: Vec<f64> = (0..n)
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                let f = self.net.followees(i as u32);
                if f.is_empty() {
                    0.0
                } else {
                    f.iter()
                        .map(|&j| w[j as usize] * sigma_prev[j as usize])
                        .sum::<f64>()
                        / f.len() as f64
                }
            })
            .collect();
        let (q, dq): (Vec<f64>, Vec<f64>) = (0..n)
            .map(|i| {
                clamp01(
                    self.params.base_sell
                        + self.susceptibility[i]
                            * (self.params.herding * seen[i] + self.params.fear * drop),
                )
            })
            .unzip();
        Tick { q, dq, drop_ratio }
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
        let buy = self.params.buy_prob * self.params.buy_amount;
        let mut h = vec![self.params.holdings; n];
        let mut sigma = vec![0.0; n];
        let mut sold = vec![0.0; n];
        let mut prices = vec![self.params.initial_price];
        // states[2t] = holdings at t, states[2t + 1] = σ entering tick t; the last entry is
        // the price path.
        let mut states = Vec::with_capacity(2 * self.ticks as usize + 1);
        for t in 0..self.ticks as usize {
            states.push(h.clone());
            states.push(sigma.clone());
            let k = self.tick(w, &sigma, &prices, t);
            let mut flow = 0.0;
            for i in 0..n {
                let a = self.activity[i];
                let sell = a * k.q[i] * self.params.sell_fraction * h[i];
                let b = a * (1.0 - k.q[i]) * buy;
                sold[i] += sell;
                h[i] += b - sell;
                flow += b - sell;
                sigma[i] = a * k.q[i];
            }
            let p = prices[t] * (self.params.impact * flow / nf).exp();
            prices.push(p);
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
        let buy = self.params.buy_prob * self.params.buy_amount;
        let zero = vec![0.0; n];
        let out = |k: usize| d_out.get(k).and_then(|o| o.as_ref()).unwrap_or(&zero);
        let sold_hat = out(0);
        let prices = fwd.states.last().expect("price path");
        let mut h_bar = out(1).clone();
        let mut sigma_bar = vec![0.0; n];
        let mut p_bar = vec![0.0; prices.len()];
        let mut w_bar = vec![0.0; n];
        for t in (0..self.ticks as usize).rev() {
            let (h, sigma_prev) = (&fwd.states[2 * t], &fwd.states[2 * t + 1]);
            let k = self.tick(w, sigma_prev, prices, t);
            // P(t+1) = P(t)·exp(λ·flow/N).
            let growth = prices[t + 1] / prices[t];
            let flow_bar = p_bar[t + 1] * prices[t + 1] * self.params.impact / nf;
            p_bar[t] += p_bar[t + 1] * growth;
            let mut z_bar = vec![0.0; n];
            let mut next_h_bar = vec![0.0; n];
            for i in 0..n {
                let a = self.activity[i];
                let (q, f) = (k.q[i], self.params.sell_fraction);
                // h' = h − a q f h + a (1 − q) B; sold += a q f h; σ = a q; flow += h' − h.
                let q_bar = (h_bar[i] + flow_bar) * (-a * f * h[i] - a * buy)
                    + sold_hat[i] * a * f * h[i]
                    + sigma_bar[i] * a;
                next_h_bar[i] =
                    (h_bar[i] + flow_bar) * (1.0 - a * q * f) - flow_bar + sold_hat[i] * a * q * f;
                z_bar[i] = q_bar * k.dq[i];
            }
            // z = base + s (herding·seen + fear·drop).
            let drop_bar: f64 = (0..n)
                .map(|i| z_bar[i] * self.susceptibility[i] * self.params.fear)
                .sum();
            let r_bar = drop_bar * sigmoid(BETA * k.drop_ratio);
            let lag = self.lagged(t);
            if lag != t {
                p_bar[t] += r_bar * (-1.0 / prices[lag]);
                p_bar[lag] += r_bar * prices[t] / (prices[lag] * prices[lag]);
            }
            let seen_bar: Vec<f64> = (0..n)
                .map(|i| z_bar[i] * self.susceptibility[i] * self.params.herding)
                .collect();
            let (sig_part, w_part): (Vec<f64>, Vec<f64>) = (0..n)
                .into_par_iter()
                .with_min_len(1024)
                .map(|j| {
                    let (mut sb, mut wb) = (0.0, 0.0);
                    for &i in self.net.followers(j as u32) {
                        let i = i as usize;
                        let d = self.net.followees(i as u32).len() as f64;
                        sb += seen_bar[i] * w[j] / d;
                        wb += seen_bar[i] * sigma_prev[j] / d;
                    }
                    (sb, wb)
                })
                .unzip();
            for (a, b) in w_bar.iter_mut().zip(&w_part) {
                *a += b;
            }
            h_bar = next_h_bar;
            sigma_bar = sig_part;
        }
        w_bar
    }
}

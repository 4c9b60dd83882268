//! Expected-value independent cascades (message passing on the follow graph).
//!
//! Stochastic rule: an item stays in its author's followers' feeds for `window` ticks; an
//! agent active at a tick looks at the items in its feed, and the first time it sees an item
//! it reposts it with probability p (the draw is keyed by cascade, author and viewer, so
//! seeing it again changes nothing; once per cascade).
//!
//! Expected form. Agent j authors v_j(t) = a_j·post_prob + r_j(t) items at tick t. Follower i,
//! active at t+1 with probability a_i, sees for the first time an item of tick t−s if it was
//! inactive for the s ticks since (probability c_i^s, c_i = 1 − a_i). Its hazard is
//! z_i(t) = p Σ_{s<window} c_i^s g_i(t−s) with g_i(τ) = Σ_{j ∈ followees(i)} w_j v_j(τ), and it
//! reposts at least once with probability 1 − e^{−z_i}: r_i(t+1) = a_i (1 − e^{−z_i(t)}). The
//! saturation keeps the map bounded above criticality, where a linear branching process would
//! blow up. With `window = 1` this is the one-tick model. Leaving the window out made the
//! model's virality 88 % low on `scenarios/cascade.toml` (window 5).
//!
//! Non-backtracking. A repost goes to all followers of its reposter, among them, on a mutual
//! follow, the very account it came from, who has already seen the item (the engine's draw
//! is once per cascade). Counting that echo as a fresh exposure lifts the model's branching
//! factor from p·(mean excess degree) to p·(mean size-biased degree): on the reciprocal ER
//! graph of `scenarios/cascade.toml` from p·z = 1 (critical) to p·(z + 1) = 1.1, so the
//! model grew exponentially where the runs stay critical (virality 382.6 against 20.1 at
//! 10⁴ agents). Hence only the share `onward_j` of j's reposts that reaches new eyes counts:
//! v_j = a_j·post_prob + onward_j·r_j, onward_j = 1 − m_j / (|followees(j)|·|followers(j)|),
//! m_j the mutual follows of j (the item came from a followee, uniformly in expectation, and
//! is wasted on the one follower who is that followee). Own posts reach all followers.
//!
//! Outputs: `reposts` (Σ_t r_i) and `reposts_received` (each repost of i credited to the
//! followees in proportion to their share of z_i: Σ_t Σ_{i follows j} a_i h(z_i) p w_j
//! Σ_s c_i^s v_j(t−s), h(z) = (1 − e^{−z})/z).

use emergent_sim::network::Network;
use rayon::prelude::*;

use crate::model::{Dynamics, Trajectory};
use crate::smooth::at_least_one;

pub struct CascadeField<'a> {
    pub net: &'a Network,
    pub activity: Vec<f64>,
    pub p: f64,
    pub post_prob: f64,
    /// Per agent: the share of its reposts' audience that has not seen the item already
    /// ([`CascadeField::onward_shares`]; all 1 for the backtracking model).
    pub onward: Vec<f64>,
    /// Ticks an item stays in feeds (`feed.window`), at least 1.
    pub window: u32,
    pub ticks: u32,
}

const OUTPUTS: [&str; 2] = ["reposts", "reposts_received"];

impl CascadeField<'_> {
    fn window(&self) -> usize {
        self.window.max(1) as usize
    }

    /// c_i^s = (1 − a_i)^s for s < window: the chance i was away for s ticks.
    fn away(&self) -> Vec<Vec<f64>> {
        let mut out: Vec<Vec<f64>> = vec![vec![1.0; self.activity.len()]];
        for s in 1..self.window() {
            let next = out[s - 1]
                .iter()
                .zip(&self.activity)
                .map(|(p, a)| p * (1.0 - a))
                .collect();
            out.push(next);
        }
        out
    }

    /// onward_j = 1 − m_j / (|followees(j)|·|followers(j)|) for every agent of `net` (1 when j
    /// follows nobody or nobody follows j): see the module's "Non-backtracking".
    pub fn onward_shares(net: &Network) -> Vec<f64> {
        (0..net.len() as u32)
            .into_par_iter()
            .with_min_len(1024)
            .map(|j| {
                let (out, inn) = (net.followees(j), net.followers(j));
                if out.is_empty() || inn.is_empty() {
                    return 1.0;
                }
                let mutual = sorted_overlap(out, inn);
                1.0 - mutual as f64 / (out.len() as f64 * inn.len() as f64)
            })
            .collect()
    }

    /// v(τ): items each agent authors at tick τ, from r(τ).
    fn items(&self, r: &[f64]) -> Vec<f64> {
        r.iter()
            .zip(&self.activity)
            .zip(&self.onward)
            .map(|((r, a), o)| a * self.post_prob + o * r)
            .collect()
    }

    /// g(τ)_i = Σ_{j ∈ followees(i)} w_j v_j(τ).
    fn weighted_inflow(&self, w: &[f64], v: &[f64]) -> Vec<f64> {
        (0..v.len())
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                self.net
                    .followees(i as u32)
                    .iter()
                    .map(|&j| w[j as usize] * v[j as usize])
                    .sum::<f64>()
            })
            .collect()
    }

    /// Σ_{i ∈ followers(j)} x_i for every j.
    fn over_followers(&self, x: &[f64]) -> Vec<f64> {
        (0..x.len())
            .into_par_iter()
            .with_min_len(1024)
            .map(|j| {
                self.net
                    .followers(j as u32)
                    .iter()
                    .map(|&i| x[i as usize])
                    .sum::<f64>()
            })
            .collect()
    }

    /// Σ_{i ∈ followers(j)} q_i c_i^s for every j (`cs` = c^s): what followers of j hand back
    /// per item of j that is s ticks old.
    fn follower_sum(&self, q: &[f64], cs: &[f64]) -> Vec<f64> {
        let qs: Vec<f64> = q.iter().zip(cs).map(|(q, c)| q * c).collect();
        self.over_followers(&qs)
    }
}

impl Dynamics for CascadeField<'_> {
    fn agents(&self) -> usize {
        self.activity.len()
    }

    fn outputs(&self) -> &'static [&'static str] {
        &OUTPUTS
    }

    /// States: r(0..=T), then z(0..T).
    fn forward(&self, w: &[f64], needed: &[bool]) -> Trajectory {
        let want_received = needed.get(1).copied().unwrap_or(true);
        let n = self.agents();
        let win = self.window();
        let mut r = vec![0.0; n];
        let mut states = Vec::with_capacity(2 * self.ticks as usize + 1);
        let mut zs = Vec::with_capacity(self.ticks as usize);
        let mut reposts = vec![0.0; n];
        let mut received = vec![0.0; n];
        let away = self.away();
        // Newest first: v(t), v(t−1), … and g likewise, at most `win` of each.
        let mut v_hist: Vec<Vec<f64>> = Vec::with_capacity(win);
        let mut g_hist: Vec<Vec<f64>> = Vec::with_capacity(win);
        for _ in 0..self.ticks {
            let v = self.items(&r);
            let g = self.weighted_inflow(w, &v);
            v_hist.insert(0, v);
            g_hist.insert(0, g);
            v_hist.truncate(win);
            g_hist.truncate(win);
            let z: Vec<f64> = (0..n)
                .map(|i| {
                    let acc: f64 = g_hist.iter().zip(&away).map(|(g, cs)| cs[i] * g[i]).sum();
                    self.p * acc
                })
                .collect();
            if want_received {
                let q: Vec<f64> = (0..n)
                    .map(|i| self.activity[i] * at_least_one(z[i]).0)
                    .collect();
                for (v, cs) in v_hist.iter().zip(&away) {
                    let back = self.follower_sum(&q, cs);
                    for j in 0..n {
                        received[j] += self.p * w[j] * v[j] * back[j];
                    }
                }
            }
            states.push(r);
            r = (0..n)
                .map(|i| self.activity[i] * (1.0 - (-z[i]).exp()))
                .collect();
            for (a, b) in reposts.iter_mut().zip(&r) {
                *a += b;
            }
            zs.push(z);
        }
        states.push(r);
        states.extend(zs);
        Trajectory {
            outputs: vec![reposts, received],
            states,
        }
    }

    fn backward(&self, w: &[f64], fwd: &Trajectory, d_out: &[Option<Vec<f64>>]) -> Vec<f64> {
        let n = self.agents();
        let ticks = self.ticks as usize;
        let win = self.window();
        let zero = vec![0.0; n];
        let out = |k: usize| d_out.get(k).and_then(|o| o.as_ref()).unwrap_or(&zero);
        let (rep_hat, rec_hat) = (out(0), out(1));
        let v_at = |tau: usize| self.items(&fwd.states[tau]);
        // Adjoints of v(τ) and g(τ) for the ticks still open, in rings indexed by τ mod win.
        let mut v_bar = vec![vec![0.0; n]; win];
        let mut g_bar = vec![vec![0.0; n]; win];
        // λ = adjoint of r(t+1); r(T) feeds only `reposts`.
        let mut lambda: Vec<f64> = rep_hat.clone();
        let mut w_bar = vec![0.0; n];
        let away = self.away();
        for t in (0..ticks).rev() {
            let z = &fwd.states[ticks + 1 + t];
            let lags = win.min(t + 1);
            let vs: Vec<Vec<f64>> = (0..lags).map(|s| v_at(t - s)).collect();
            // z̄ from r(t+1) = a (1 − e^{−z}) and from the received credit.
            let mut z_bar: Vec<f64> = (0..n)
                .map(|i| lambda[i] * self.activity[i] * (-z[i]).exp())
                .collect();
            if d_out.get(1).is_some_and(|o| o.is_some()) {
                let q: Vec<f64> = (0..n)
                    .map(|i| self.activity[i] * at_least_one(z[i]).0)
                    .collect();
                for (s, v) in vs.iter().enumerate() {
                    // Credit to j: p w_j v_j(t−s) Σ_{i ∈ followers(j)} q_i c_i^s.
                    let back = self.follower_sum(&q, &away[s]);
                    let slot = (t - s) % win;
                    for j in 0..n {
                        let k = rec_hat[j] * self.p * back[j];
                        v_bar[slot][j] += k * w[j];
                        w_bar[j] += k * v[j];
                    }
                    // … and through h(z_i): a_i h'(z_i) p c_i^s Σ_{j ∈ followees(i)} rec_hat_j w_j v_j.
                    let inflow: Vec<f64> = (0..n).map(|j| rec_hat[j] * v[j]).collect::<Vec<_>>();
                    let pulled = self.weighted_inflow(w, &inflow);
                    for i in 0..n {
                        z_bar[i] += self.activity[i]
                            * at_least_one(z[i]).1
                            * self.p
                            * away[s][i]
                            * pulled[i];
                    }
                }
            }
            // z(t) = p Σ_s c^s g(t−s).
            for (s, cs) in away.iter().enumerate().take(lags) {
                let slot = (t - s) % win;
                for i in 0..n {
                    g_bar[slot][i] += z_bar[i] * self.p * cs[i];
                }
            }
            // g(t) is complete: g_i(t) = Σ_{j ∈ followees(i)} w_j v_j(t).
            let slot = t % win;
            let gb = std::mem::replace(&mut g_bar[slot], vec![0.0; n]);
            let through = self.over_followers(&gb);
            for j in 0..n {
                v_bar[slot][j] += through[j] * w[j];
                w_bar[j] += through[j] * vs[0][j];
            }
            // v(t) is complete; r(t) feeds v(t) and, for t ≥ 1, `reposts`.
            let vb = std::mem::replace(&mut v_bar[slot], vec![0.0; n]);
            lambda = (0..n)
                .map(|j| self.onward[j] * vb[j] + if t >= 1 { rep_hat[j] } else { 0.0 })
                .collect();
        }
        w_bar
    }
}

/// |a ∩ b| of two ascending lists without duplicates.
fn sorted_overlap(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

//! Expected-value bounded confidence on the actual follow graph.
//!
//! Stochastic rule (crates/sim): an active agent moves its stance toward the mean stance of
//! the feed items within ε, at rate μ·susceptibility. Expected form, per tick:
//!
//! - agent j authors π_j = a_j · post_prob items; i's feed holds r_i = min(1, F / P_i) of the
//!   P_i = Σ_{j ∈ followees(i)} π_j items its followees write;
//! - an item from j is "close" to i with weight K(x_j − x_i) = σ((ε − |x_j − x_i|)/δ), and acts
//!   on i with participation weight w_j: c_ij = w_j π_j K;
//! - i expects n_i = r_i Σ_j c_ij close items, sees at least one with probability 1 − e^{−n_i},
//!   and then moves toward their mean: x_i += a_i μ s_i (1 − e^{−n_i}) Σ_j c_ij d_ij / Σ_j c_ij,
//!   written as a_i μ s_i · h(n_i) r_i Σ_j c_ij d_ij with h(n) = (1 − e^{−n})/n (smooth at 0);
//! - likes: i likes each close item with probability L: likes_given_i += a_i L n_i, and
//!   likes_received_j += Σ_{i follows j} a_i L r_i c_ij.
//!
//! Rewiring (follow/unfollow) and out-of-network items are left out: the graph is the one the
//! run started from. With `saturate = false`, h ≡ 1: the update is linear in w for one tick
//! (a multilinear game, where Aumann–Shapley must equal exact Shapley).

use emergent_sim::network::Network;
use rayon::prelude::*;

use crate::model::{Dynamics, Trajectory};
use crate::smooth::{at_least_one, confidence};

pub struct BoundedConfidenceField<'a> {
    pub net: &'a Network,
    pub x0: Vec<f64>,
    pub activity: Vec<f64>,
    pub susceptibility: Vec<f64>,
    pub mu: f64,
    pub eps: f64,
    /// Width of the smoothed confidence bound.
    pub delta: f64,
    pub post_prob: f64,
    pub like_prob: f64,
    pub feed_size: f64,
    pub ticks: u32,
    pub saturate: bool,
}

const OUTPUTS: [&str; 3] = ["stance", "likes_given", "likes_received"];

struct Derived {
    pi: Vec<f64>,
    reach: Vec<f64>,
    gain: Vec<f64>,
}

impl BoundedConfidenceField<'_> {
    fn derived(&self) -> Derived {
        let n = self.x0.len();
        let pi: Vec<f64> = self.activity.iter().map(|a| a * self.post_prob).collect();
        let reach = (0..n)
            .into_par_iter()
            .map(|i| {
                let p: f64 = self.net.followees(i as u32).iter().map(|&j| pi[j as usize]).sum();
                if p > 0.0 { (self.feed_size / p).min(1.0) } else { 0.0 }
            })
            .collect();
        let gain = (0..n).map(|i| self.activity[i] * self.mu * self.susceptibility[i]).collect();
        Derived { pi, reach, gain }
    }

    #[inline]
    fn h(&self, n: f64) -> (f64, f64) {
        if self.saturate { at_least_one(n) } else { (1.0, 0.0) }
    }
}

impl Dynamics for BoundedConfidenceField<'_> {
    fn agents(&self) -> usize {
        self.x0.len()
    }

    fn outputs(&self) -> &'static [&'static str] {
        &OUTPUTS
    }

    fn forward(&self, w: &[f64], needed: &[bool]) -> Trajectory {
        let want_received = needed.get(2).copied().unwrap_or(true);
        let n = self.agents();
        let d = self.derived();
        let like = self.like_prob;
        let mut states = Vec::with_capacity(self.ticks as usize + 1);
        states.push(self.x0.clone());
        let mut given = vec![0.0; n];
        let mut received = vec![0.0; n];
        for _ in 0..self.ticks {
            let x = states.last().expect("initial state");
            let (next, n_close): (Vec<f64>, Vec<f64>) = (0..n)
                .into_par_iter()
                .with_min_len(1024)
                .map(|i| {
                    let (mut c_sum, mut s_sum) = (0.0, 0.0);
                    for &j in self.net.followees(i as u32) {
                        let j = j as usize;
                        let dij = x[j] - x[i];
                        let c = w[j] * d.pi[j] * confidence(dij, self.eps, self.delta).0;
                        c_sum += c;
                        s_sum += c * dij;
                    }
                    let nc = d.reach[i] * c_sum;
                    (x[i] + d.gain[i] * self.h(nc).0 * d.reach[i] * s_sum, nc)
                })
                .unzip();
            given.par_iter_mut().enumerate().for_each(|(i, g)| *g += self.activity[i] * like * n_close[i]);
            if want_received {
                received.par_iter_mut().enumerate().with_min_len(1024).for_each(|(j, r)| {
                let mut acc = 0.0;
                for &i in self.net.followers(j as u32) {
                    let i = i as usize;
                    acc += self.activity[i] * like * d.reach[i] * w[j] * d.pi[j] * confidence(x[j] - x[i], self.eps, self.delta).0;
                }
                *r += acc;
                });
            }
            states.push(next);
        }
        let stance = states.last().expect("final state").clone();
        Trajectory { outputs: vec![stance, given, received], states }
    }

    fn backward(&self, w: &[f64], fwd: &Trajectory, d_out: &[Option<Vec<f64>>]) -> Vec<f64> {
        let n = self.agents();
        let d = self.derived();
        let like = self.like_prob;
        let zero = vec![0.0; n];
        let out = |k: usize| d_out.get(k).and_then(|o| o.as_ref()).unwrap_or(&zero);
        let (g_hat, r_hat) = (out(1), out(2));
        let mut lambda = out(0).clone();
        let mut w_bar = vec![0.0; n];
        for t in (0..self.ticks as usize).rev() {
            let x = &fwd.states[t];
            // Pass A (per follower i, over its followees): the adjoints of i's sums, and the
            // part of λ_i that flows through d_ij = x_j − x_i.
            let per_i: Vec<(f64, f64, f64)> = (0..n)
                .into_par_iter()
                .with_min_len(1024)
                .map(|i| {
                    let (mut c_sum, mut s_sum) = (0.0, 0.0);
                    for &j in self.net.followees(i as u32) {
                        let j = j as usize;
                        let dij = x[j] - x[i];
                        let c = w[j] * d.pi[j] * confidence(dij, self.eps, self.delta).0;
                        c_sum += c;
                        s_sum += c * dij;
                    }
                    let r = d.reach[i];
                    let (h, dh) = self.h(r * c_sum);
                    let u_bar = lambda[i] * d.gain[i];
                    let s_bar = u_bar * h * r;
                    let n_bar = u_bar * dh * r * s_sum + g_hat[i] * self.activity[i] * like;
                    let mut minus = 0.0;
                    for &j in self.net.followees(i as u32) {
                        let j = j as usize;
                        let dij = x[j] - x[i];
                        let (k, dk) = confidence(dij, self.eps, self.delta);
                        let c = w[j] * d.pi[j] * k;
                        let c_bar = s_bar * dij + n_bar * r + r_hat[j] * self.activity[i] * like * r;
                        minus += s_bar * c + c_bar * w[j] * d.pi[j] * dk;
                    }
                    (s_bar, n_bar, lambda[i] - minus)
                })
                .collect();
            // Pass B (per followee j, over its followers): what flows into λ_j and w̄_j.
            let (into_j, w_part): (Vec<f64>, Vec<f64>) = (0..n)
                .into_par_iter()
                .with_min_len(1024)
                .map(|j| {
                    let (mut lam, mut wb) = (0.0, 0.0);
                    for &i in self.net.followers(j as u32) {
                        let i = i as usize;
                        let (s_bar, n_bar, _) = per_i[i];
                        let r = d.reach[i];
                        let dij = x[j] - x[i];
                        let (k, dk) = confidence(dij, self.eps, self.delta);
                        let c = w[j] * d.pi[j] * k;
                        let c_bar = s_bar * dij + n_bar * r + r_hat[j] * self.activity[i] * like * r;
                        lam += s_bar * c + c_bar * w[j] * d.pi[j] * dk;
                        wb += c_bar * d.pi[j] * k;
                    }
                    (lam, wb)
                })
                .unzip();
            lambda = per_i.iter().zip(&into_j).map(|((_, _, l), add)| l + add).collect();
            for (a, b) in w_bar.iter_mut().zip(&w_part) {
                *a += b;
            }
        }
        w_bar
    }
}

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
                let p: f64 = self
                    .net
                    .followees(i as u32)
                    .iter()
                    .map(|&j| pi[j as usize])
                    .sum();
                if p > 0.0 {
                    (self.feed_size / p).min(1.0)
                } else {
                    0.0
                }
            })
            .collect();
        let gain = (0..n)
            .map(|i| self.activity[i] * self.mu * self.susceptibility[i])
            .collect();
        Derived { pi, reach, gain }
    }

    #[inline]
    fn h(&self, n: f64) -> (f64, f64) {
        if self.saturate {
            at_least_one(n)
        } else {
            (1.0, 0.0)
        }
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
            given
                .par_iter_mut()
                .enumerate()
                .for_each(|(i, g)| *g += self.activity[i] * like * n_close[i]);
            if want_received {
                received
                    .par_iter_mut()
                    .enumerate()
                    .with_min_len(1024)
                    .for_each(|(j, r)| {
                        let mut acc = 0.0;
                        for &i in self.net.followers(j as u32) {
                            let i = i as usize;
                            acc += self.activity[i]
                                * like
                                * d.reach[i]
                                * w[j]
                                * d.pi[j]
                                * confidence(x[j] - x[i], self.eps, self.delta).0;
                        }
                        *r += acc;
                    });
            }
            states.push(next);
        }
        let stance = states.last().expect("final state").clone();
        Trajectory {
            outputs: vec![stance, given, received],
            states,
        }
    }

    fn backward(&self, w: &[f64], fwd: &Trajectory, d_out: &[Option<Vec<f64>>]) -> Vec<f64> {
        let n = self.agents();
        let d = self.derived();
        let like = self.like_prob;
        let zero = vec![0.0; n];
        let out = |k: usize| d_out.get(k).and_then(|o| o.as_ref()).unwrap_or(&zero);
        let (g_hat, r_hat) = (out(1), out(2));
        let edges = EdgeIndex::new(self.net);
        // Per out-edge (i → j), filled by pass A: what flows into λ_j and into w̄_j.
        let mut to_lambda = vec![0.0; edges.len()];
        let mut to_w = vec![0.0; edges.len()];
        let mut lambda = out(0).clone();
        let mut w_bar = vec![0.0; n];
        for t in (0..self.ticks as usize).rev() {
            let x = &fwd.states[t];
            // Pass A, per follower i over its followees: the kernel once per edge, i's own
            // adjoint, and each edge's contributions to its followee, stored for pass B.
            let blocks = edges.row_blocks(&mut to_lambda, &mut to_w);
            let new_lambda: Vec<Vec<f64>> = blocks
                .into_par_iter()
                .map(|(rows, lam_out, w_out)| {
                    let mut kern: Vec<(f64, f64)> = Vec::new();
                    let mut mine = Vec::with_capacity(rows.len());
                    let mut at = 0;
                    for i in rows {
                        let followees = self.net.followees(i as u32);
                        kern.clear();
                        let (mut c_sum, mut s_sum) = (0.0, 0.0);
                        for &j in followees {
                            let j = j as usize;
                            let dij = x[j] - x[i];
                            let (k, dk) = confidence(dij, self.eps, self.delta);
                            let c = w[j] * d.pi[j] * k;
                            c_sum += c;
                            s_sum += c * dij;
                            kern.push((k, dk));
                        }
                        let r = d.reach[i];
                        let (h, dh) = self.h(r * c_sum);
                        let u_bar = lambda[i] * d.gain[i];
                        let s_bar = u_bar * h * r;
                        let n_bar = u_bar * dh * r * s_sum + g_hat[i] * self.activity[i] * like;
                        let mut minus = 0.0;
                        for (e, &j) in followees.iter().enumerate() {
                            let j = j as usize;
                            let dij = x[j] - x[i];
                            let (k, dk) = kern[e];
                            let c = w[j] * d.pi[j] * k;
                            let c_bar =
                                s_bar * dij + n_bar * r + r_hat[j] * self.activity[i] * like * r;
                            let flow = s_bar * c + c_bar * w[j] * d.pi[j] * dk;
                            minus += flow;
                            lam_out[at + e] = flow;
                            w_out[at + e] = c_bar * d.pi[j] * k;
                        }
                        at += followees.len();
                        mine.push(lambda[i] - minus);
                    }
                    mine
                })
                .collect();
            // Pass B, per followee j over its followers: gather what pass A stored.
            let (into_j, w_part): (Vec<f64>, Vec<f64>) = (0..n)
                .into_par_iter()
                .with_min_len(1024)
                .map(|j| {
                    edges.incoming(j).iter().fold((0.0, 0.0), |(l, wb), &e| {
                        (l + to_lambda[e as usize], wb + to_w[e as usize])
                    })
                })
                .unzip();
            lambda = new_lambda
                .into_iter()
                .flatten()
                .zip(&into_j)
                .map(|(l, add)| l + add)
                .collect();
            for (a, b) in w_bar.iter_mut().zip(&w_part) {
                *a += b;
            }
        }
        w_bar
    }
}

/// Out-edges numbered in followee-CSR order, and for each agent the numbers of the edges
/// that point at it (in follower order): lets a per-edge value computed while walking
/// followers' rows be gathered by followee without recomputing it.
struct EdgeIndex {
    offsets: Vec<usize>,
    in_offsets: Vec<usize>,
    in_edges: Vec<u64>,
}

/// Rows per parallel block of pass A.
const ROWS_PER_BLOCK: usize = 2048;

type RowBlock<'a> = (std::ops::Range<usize>, &'a mut [f64], &'a mut [f64]);

impl EdgeIndex {
    fn new(net: &Network) -> Self {
        let n = net.len();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        for i in 0..n {
            offsets.push(offsets[i] + net.followees(i as u32).len());
        }
        let mut in_offsets = Vec::with_capacity(n + 1);
        in_offsets.push(0);
        for j in 0..n {
            in_offsets.push(in_offsets[j] + net.followers(j as u32).len());
        }
        let in_edges: Vec<u64> = (0..n)
            .into_par_iter()
            .flat_map_iter(|j| {
                let offsets = &offsets;
                net.followers(j as u32).iter().map(move |&i| {
                    let row = net.followees(i);
                    let pos = row
                        .binary_search(&(j as u32))
                        .unwrap_or_else(|_| row.iter().position(|&v| v as usize == j).unwrap_or(0));
                    (offsets[i as usize] + pos) as u64
                })
            })
            .collect();
        EdgeIndex {
            offsets,
            in_offsets,
            in_edges,
        }
    }

    fn len(&self) -> usize {
        *self.offsets.last().unwrap_or(&0)
    }

    fn incoming(&self, j: usize) -> &[u64] {
        &self.in_edges[self.in_offsets[j]..self.in_offsets[j + 1]]
    }

    /// Blocks of consecutive rows with the matching slices of two per-edge buffers.
    fn row_blocks<'a>(&self, a: &'a mut [f64], b: &'a mut [f64]) -> Vec<RowBlock<'a>> {
        let n = self.offsets.len() - 1;
        let mut out = Vec::new();
        let (mut a, mut b) = (a, b);
        let mut start = 0;
        while start < n {
            let end = (start + ROWS_PER_BLOCK).min(n);
            let len = self.offsets[end] - self.offsets[start];
            let (ha, ta) = std::mem::take(&mut a).split_at_mut(len);
            let (hb, tb) = std::mem::take(&mut b).split_at_mut(len);
            out.push((start..end, ha, hb));
            a = ta;
            b = tb;
            start = end;
        }
        out
    }
}

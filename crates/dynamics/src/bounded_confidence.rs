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
use crate::smooth::{Confidence, at_least_one};

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
    /// Keep the forward state of every k-th tick only (k ≤ 1: every tick); `backward`
    /// recomputes each segment from its checkpoint, once, at the price of one more forward
    /// pass. [`checkpoint_interval`] picks k when T × N states would not fit a budget.
    pub checkpoint_every: u32,
}

/// Bytes of forward states kept before `backward` switches to recomputing segments.
pub const STATE_BUDGET_BYTES: usize = 2 << 30;

/// k for [`BoundedConfidenceField::checkpoint_every`]: 1 while the T + 1 stance vectors fit
/// `budget` bytes, else ⌈√T⌉ (about 2√T vectors live at once: the checkpoints and one
/// recomputed segment).
pub fn checkpoint_interval(agents: usize, ticks: u32, budget: usize) -> u32 {
    let bytes = (ticks as usize + 1)
        .saturating_mul(agents)
        .saturating_mul(8);
    if bytes <= budget {
        1
    } else {
        (ticks as f64).sqrt().ceil() as u32
    }
}

const OUTPUTS: [&str; 3] = ["stance", "likes_given", "likes_received"];

/// What every tick reads and participation does not change (the backfire twin reads it too).
pub(crate) struct Derived {
    /// π_j = a_j · post_prob: items j authors per tick.
    pub(crate) pi: Vec<f64>,
    /// r_i = min(1, F / P_i): the share of its followees' items i's feed holds.
    pub(crate) reach: Vec<f64>,
    /// a_i μ s_i.
    pub(crate) gain: Vec<f64>,
}

impl BoundedConfidenceField<'_> {
    pub(crate) fn derived(&self) -> Derived {
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

    /// w_j π_j: how many items j authors, weighted by its participation.
    pub(crate) fn weighted_posts(&self, w: &[f64], d: &Derived) -> Vec<f64> {
        w.iter().zip(&d.pi).map(|(a, b)| a * b).collect()
    }

    /// One tick: the next stances and each agent's expected close items n_i.
    fn advance(
        &self,
        x: &[f64],
        wp: &[f64],
        d: &Derived,
        kernel: &Confidence,
        followee: &mut Vec<Followee>,
    ) -> (Vec<f64>, Vec<f64>) {
        pack_followees(x, wp, None, followee);
        let followee = &*followee;
        (0..x.len())
            .into_par_iter()
            .with_min_len(1024)
            .map_init(Scratch::default, |sc, i| {
                let xi = x[i];
                sc.gather_followees(followee, self.net.followees(i as u32), xi, false);
                kernel.values(&sc.d, &mut sc.k);
                let (mut c_sum, mut s_sum) = (0.0, 0.0);
                for ((&wp, &k), &dij) in sc.wp.iter().zip(&sc.k).zip(&sc.d) {
                    let c = wp * k;
                    c_sum += c;
                    s_sum += c * dij;
                }
                let nc = d.reach[i] * c_sum;
                (xi + d.gain[i] * self.h(nc).0 * d.reach[i] * s_sum, nc)
            })
            .unzip()
    }

    /// x(c + 1) … x(last) from the checkpoint x(c) (for `backward`).
    fn recompute(
        &self,
        xc: &[f64],
        c: usize,
        last: usize,
        wp: &[f64],
        d: &Derived,
        kernel: &Confidence,
    ) -> Vec<Vec<f64>> {
        let inert = wp.iter().all(|&v| v == 0.0);
        let mut followee = Vec::with_capacity(xc.len());
        let mut out: Vec<Vec<f64>> = Vec::with_capacity(last - c);
        for _ in c..last {
            let x = out.last().map_or(xc, |v| v.as_slice());
            let next = if inert {
                x.to_vec()
            } else {
                self.advance(x, wp, d, kernel, &mut followee).0
            };
            out.push(next);
        }
        out
    }

    pub(crate) fn interval(&self) -> usize {
        self.checkpoint_every.max(1) as usize
    }

    /// (h(n), h'(n)); h ≡ 1 without saturation.
    #[inline]
    pub(crate) fn h(&self, n: f64) -> (f64, f64) {
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
        let kernel = Confidence::new(self.eps, self.delta);
        let wp = self.weighted_posts(w, &d);
        let mut given = vec![0.0; n];
        let mut received = vec![0.0; n];
        // Nobody's items act (w = 0, the baseline M(0)): nothing moves, no edge to visit.
        let inert = wp.iter().all(|&v| v == 0.0);
        // Refilled every tick: its pages are faulted in once (32 MB at 10^6 agents).
        let mut followee = Vec::with_capacity(n);
        let mut states = CheckpointedStates::new(self.x0.clone(), self.ticks, self.interval());
        for _ in 0..self.ticks {
            let x = states.current();
            if inert {
                let still = x.to_vec();
                states.push(still);
                continue;
            }
            let (next, n_close) = self.advance(x, &wp, &d, &kernel, &mut followee);
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
                                * wp[j]
                                * kernel.value(x[j] - x[i]);
                        }
                        *r += acc;
                    });
            }
            states.push(next);
        }
        let (stance, states) = states.finish();
        Trajectory {
            outputs: vec![stance, given, received],
            states,
        }
    }

    /// Reverse mode, one tick at a time, in two passes over the edges that both evaluate the
    /// kernel: per follower i (its own adjoint, which needs the whole row) and per followee j
    /// (what flows into λ_j and w̄_j). Recomputing the kernel in the second pass is cheaper
    /// than storing per-edge values for it: at 10^6 agents those were 2 × 155 MB written and
    /// then read back in random order every tick.
    fn backward(&self, w: &[f64], fwd: &Trajectory, d_out: &[Option<Vec<f64>>]) -> Vec<f64> {
        let n = self.agents();
        let d = self.derived();
        let like = self.like_prob;
        let kernel = Confidence::new(self.eps, self.delta);
        let wp = self.weighted_posts(w, &d);
        let zero = vec![0.0; n];
        let out = |k: usize| d_out.get(k).and_then(|o| o.as_ref()).unwrap_or(&zero);
        let (g_hat, r_hat) = (out(1), out(2));
        let mut lambda = out(0).clone();
        let mut w_bar = vec![0.0; n];
        // Refilled every tick: their pages are faulted in once.
        let mut followee = Vec::with_capacity(n);
        let mut follower = Vec::with_capacity(n);
        let mut kept = Vec::with_capacity(n);
        // x(t) of the checkpoint segment being walked back, recomputed once per segment.
        let k = self.interval();
        let mut segment: Vec<Vec<f64>> = Vec::new();
        let mut segment_start = usize::MAX;
        for t in (0..self.ticks as usize).rev() {
            let x: &[f64] = if !fwd.states[t].is_empty() || t == 0 {
                &fwd.states[t]
            } else {
                let c = t - t % k;
                if segment_start != c {
                    segment = self.recompute(&fwd.states[c], c, t, &wp, &d, &kernel);
                    segment_start = c;
                }
                &segment[t - c - 1]
            };
            pack_followees(x, &wp, Some(r_hat), &mut followee);
            // Pass A, per follower i over its followees: the kernel once per edge (kept for
            // the row's second loop), i's adjoints, and what i's own λ loses to its row.
            (0..n)
                .into_par_iter()
                .with_min_len(1024)
                .map_init(Scratch::default, |sc, i| {
                    let xi = x[i];
                    sc.gather_followees(&followee, self.net.followees(i as u32), xi, true);
                    kernel.values_slopes(&sc.d, &mut sc.k, &mut sc.dk);
                    let (mut c_sum, mut s_sum) = (0.0, 0.0);
                    for ((&wp, &k), &dij) in sc.wp.iter().zip(&sc.k).zip(&sc.d) {
                        let c = wp * k;
                        c_sum += c;
                        s_sum += c * dij;
                    }
                    let r = d.reach[i];
                    let (h, dh) = self.h(r * c_sum);
                    let u_bar = lambda[i] * d.gain[i];
                    let me = Follower {
                        x: xi,
                        s_bar: u_bar * h * r,
                        n_bar_r: (u_bar * dh * r * s_sum + g_hat[i] * self.activity[i] * like) * r,
                        like_r: self.activity[i] * like * r,
                    };
                    let mut minus = 0.0;
                    let edges = sc
                        .r_hat
                        .iter()
                        .zip(&sc.wp)
                        .zip(&sc.d)
                        .zip(&sc.k)
                        .zip(&sc.dk);
                    for ((((&r_hat, &wp), &dij), &k), &dk) in edges {
                        minus += me.flow(r_hat, wp, dij, k, dk).0;
                    }
                    (lambda[i] - minus, me)
                })
                .unzip_into_vecs(&mut kept, &mut follower);
            // Pass B, per followee j over its followers: the same flows, summed by j.
            let (into_j, w_part): (Vec<f64>, Vec<f64>) = (0..n)
                .into_par_iter()
                .with_min_len(1024)
                .map_init(Scratch::default, |sc, j| {
                    let f = &followee[j];
                    sc.gather_followers(&follower, self.net.followers(j as u32), f.x);
                    kernel.values_slopes(&sc.d, &mut sc.k, &mut sc.dk);
                    let (mut l, mut wb) = (0.0, 0.0);
                    for (((me, &dij), &k), &dk) in sc.col.iter().zip(&sc.d).zip(&sc.k).zip(&sc.dk) {
                        let (flow, c_bar) = me.flow(f.r_hat, f.wp, dij, k, dk);
                        l += flow;
                        wb += c_bar * k;
                    }
                    (l, wb * d.pi[j])
                })
                .unzip();
            lambda = kept.iter().zip(&into_j).map(|(l, add)| l + add).collect();
            for (a, b) in w_bar.iter_mut().zip(&w_part) {
                *a += b;
            }
        }
        w_bar
    }
}

/// The stance at every tick of a forward pass, kept only at checkpoints (every k-th tick; an
/// empty vector elsewhere, for `backward` to recompute) plus the latest one.
pub(crate) struct CheckpointedStates {
    states: Vec<Vec<f64>>,
    /// x(t) when states[t] is not a checkpoint (never copied when every tick is kept).
    between: Vec<f64>,
    every: usize,
}

impl CheckpointedStates {
    pub(crate) fn new(x0: Vec<f64>, ticks: u32, every: usize) -> Self {
        let mut states = Vec::with_capacity(ticks as usize + 1);
        states.push(x0);
        CheckpointedStates {
            states,
            between: Vec::new(),
            every,
        }
    }

    /// x(t) for the last tick reached.
    pub(crate) fn current(&self) -> &[f64] {
        match self.states.last() {
            Some(x) if !x.is_empty() => x,
            _ => &self.between,
        }
    }

    /// Reach the next tick, at state `next`.
    pub(crate) fn push(&mut self, next: Vec<f64>) {
        if self.states.len().is_multiple_of(self.every) {
            self.states.push(next);
        } else {
            self.states.push(Vec::new());
            self.between = next;
        }
    }

    /// x(T) and the kept states.
    pub(crate) fn finish(self) -> (Vec<f64>, Vec<Vec<f64>>) {
        let last = match self.states.last() {
            Some(x) if !x.is_empty() => x.clone(),
            _ => self.between,
        };
        (last, self.states)
    }
}

/// What the per-edge loops read about a followee j, packed so an edge costs one cache line.
#[derive(Clone, Copy)]
#[repr(align(32))]
struct Followee {
    x: f64,
    /// w_j π_j.
    wp: f64,
    /// ∂M/∂likes_received_j.
    r_hat: f64,
}

/// What pass B reads about a follower i, packed likewise.
#[derive(Clone, Copy)]
#[repr(align(32))]
struct Follower {
    x: f64,
    /// Adjoint of i's Σ c d.
    s_bar: f64,
    /// Adjoint of i's Σ c, times its reach r_i (with the likes it gives).
    n_bar_r: f64,
    /// a_i L r_i: how much a close item of j in i's feed adds to likes_received_j.
    like_r: f64,
}

impl Follower {
    /// Edge i → j's flow into λ_j (pass B adds it to λ_j, pass A takes it from λ_i) and the
    /// adjoint of c_ij = w_j π_j K(d_ij), given j's r̂_j and w_j π_j and the edge's d_ij, K, K'.
    #[inline(always)]
    fn flow(&self, r_hat: f64, wp: f64, dij: f64, k: f64, dk: f64) -> (f64, f64) {
        let c_bar = self.s_bar * dij + self.n_bar_r + r_hat * self.like_r;
        (self.s_bar * wp * k + c_bar * wp * dk, c_bar)
    }
}

/// One thread's buffers for a row (or column) of edges, gathered before computing: the
/// loads are independent, so a row's cache misses overlap instead of each waiting behind the
/// previous edge's sqrt and exp (the random reads dominated at 10^5–10^6 agents), and the
/// kernel then runs over contiguous d's, vectorised.
#[derive(Default)]
struct Scratch {
    /// d_ij = x_j − x_i per edge.
    d: Vec<f64>,
    /// w_j π_j and r̂_j of each followee (rows).
    wp: Vec<f64>,
    r_hat: Vec<f64>,
    /// The followers (columns).
    col: Vec<Follower>,
    k: Vec<f64>,
    dk: Vec<f64>,
}

impl Scratch {
    /// d_ij, w_j π_j and (for the adjoint) r̂_j of row i. One pass per column: the first
    /// takes the misses with many loads in flight, the others hit L1.
    fn gather_followees(&mut self, followee: &[Followee], row: &[u32], xi: f64, r_hat: bool) {
        self.d.clear();
        self.d
            .extend(row.iter().map(|&j| followee[j as usize].x - xi));
        self.wp.clear();
        self.wp.extend(row.iter().map(|&j| followee[j as usize].wp));
        if r_hat {
            self.r_hat.clear();
            self.r_hat
                .extend(row.iter().map(|&j| followee[j as usize].r_hat));
        }
    }

    fn gather_followers(&mut self, follower: &[Follower], col: &[u32], xj: f64) {
        self.col.clear();
        self.col.extend(col.iter().map(|&i| follower[i as usize]));
        self.d.clear();
        self.d.extend(self.col.iter().map(|me| xj - me.x));
    }
}

/// (x_j, w_j π_j, r̂_j) for every agent.
fn pack_followees(x: &[f64], wp: &[f64], r_hat: Option<&Vec<f64>>, out: &mut Vec<Followee>) {
    (0..x.len())
        .into_par_iter()
        .with_min_len(4096)
        .map(|j| Followee {
            x: x[j],
            wp: wp[j],
            r_hat: r_hat.map_or(0.0, |r| r[j]),
        })
        .collect_into_vec(out);
}

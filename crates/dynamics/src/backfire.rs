//! Expected-value bounded confidence with backfire (Jager & Amblard 2005), on the run's
//! initial follow graph.
//!
//! Stochastic rule (crates/sim `BoundedConfidence` with `repulsion` γ > 0): an active agent
//! moves toward the mean of its feed's items within ε, x += μ s (mean_close − x), and away
//! from the mean of the items beyond the latitude of rejection ρ, x −= γ s (mean_rejected −
//! x), both from the tick's stance; the engine then clamps the stance to [−1, 1]. Expected
//! form, per tick, on top of [`BoundedConfidenceField`]'s (π_j, r_i, c_ij = w_j π_j K(d_ij)
//! with d_ij = x_j − x_i, n_i = r_i Σ_j c_ij, h(n) = (1 − e^{−n})/n, the likes):
//!
//! - an item of j is rejected by i with weight R(d_ij) = σ((|d_ij| − ρ)/δ_ρ), and
//!   c'_ij = w_j π_j R(d_ij); i expects m_i = r_i Σ_j c'_ij rejected items;
//! - y_i = x_i + a_i μ s_i h(n_i) r_i Σ_j c_ij d_ij − a_i γ s_i h(m_i) r_i Σ_j c'_ij d_ij: each
//!   term the probability of seeing at least one such item times the move toward (away from)
//!   their weighted mean;
//! - x_i ← B(y_i), the engine's clamp smoothed outside [−1, 1] only ([`stance_clamp`]): the
//!   identity inside, so with γ = 0 (where y stays in [−1, 1]) this is plain bounded
//!   confidence, and a stance the backfire pushes out ends within `clamp_width` of the bound;
//! - likes as in plain bounded confidence (items within ε).
//!
//! The adjoint of one tick, from λ = ∂M/∂x(t + 1), ĝ = ∂M/∂likes_given and
//! r̂ = ∂M/∂likes_received: ȳ_i = λ_i B'(y_i); i's row sums S = Σ c d, C = Σ c, S' = Σ c' d and
//! C' = Σ c' get S̄ = ȳ g h r, C̄ = (ȳ g h'(n) r S + ĝ a L) r, S̄' = −ȳ g' h(m) r and
//! C̄' = −ȳ g' h'(m) r S' r (g = a μ s, g' = a γ s); an edge's c̄_ij = S̄ d_ij + C̄ + r̂_j a_i L r_i
//! and c̄'_ij = S̄' d_ij + C̄'; its d_ij gets d̄_ij = w_j π_j (S̄ K + c̄ K' + S̄' R + c̄' R'), which
//! λ_j(t) gains and λ_i(t) loses: λ_i(t) = ȳ_i − Σ_j d̄_ij + Σ_{k follows i} d̄_ki; and
//! w̄_j += π_j Σ_{i follows j} (c̄_ij K_ij + c̄'_ij R_ij).
//!
//! A separate model rather than a branch of [`BoundedConfidenceField`]: that one's per-edge
//! loops are tuned for 10⁶ agents, and the plain model (γ = 0) stays exactly as fast. This
//! one evaluates both kernels per edge in plain loops, twice per tick in `backward` (per
//! follower, then per followee), storing nothing per edge.

use rayon::prelude::*;

use crate::bounded_confidence::{BoundedConfidenceField, CheckpointedStates, Derived};
use crate::model::{Dynamics, Trajectory};
use crate::smooth::{Confidence, Rejection, stance_clamp};

pub struct BackfireField<'a> {
    /// Everything but the backfire term: the graph, initial stances, activity,
    /// susceptibility, μ, ε, the likes, the horizon and checkpointing.
    pub bc: BoundedConfidenceField<'a>,
    /// γ: the rate of the push away from the rejected items' mean (× susceptibility).
    pub repulsion: f64,
    /// ρ: items further than this are rejected.
    pub rejection: f64,
    /// Width of the smoothed rejection bound.
    pub rejection_delta: f64,
    /// How far beyond ±1 a pushed-out stance may end ([`stance_clamp`]).
    pub clamp_width: f64,
}

const OUTPUTS: [&str; 3] = ["stance", "likes_given", "likes_received"];

/// What every tick of one pass reads at participation w.
struct Setup {
    d: Derived,
    /// g'_i = a_i γ s_i.
    push: Vec<f64>,
    /// w_j π_j.
    wp: Vec<f64>,
    close: Confidence,
    reject: Rejection,
}

/// An agent's row sums over its followees: Σ c, Σ c d, Σ c', Σ c' d.
#[derive(Default, Clone, Copy)]
struct Sums {
    c: f64,
    s: f64,
    cr: f64,
    sr: f64,
}

/// An agent's update from its row sums, with what the adjoint needs of it.
struct Update {
    /// Expected close (n) and rejected (m) items, and h, h' at each.
    n: f64,
    h: (f64, f64),
    hm: (f64, f64),
    /// B(y) and B'(y).
    x: f64,
    slope: f64,
}

impl BackfireField<'_> {
    fn setup(&self, w: &[f64]) -> Setup {
        let bc = &self.bc;
        let d = bc.derived();
        let wp = bc.weighted_posts(w, &d);
        let push = (0..bc.x0.len())
            .map(|i| bc.activity[i] * self.repulsion * bc.susceptibility[i])
            .collect();
        Setup {
            d,
            push,
            wp,
            close: Confidence::new(bc.eps, bc.delta),
            reject: Rejection::new(self.rejection, self.rejection_delta),
        }
    }

    /// Row i's sums at the state x.
    fn sums(&self, s: &Setup, x: &[f64], i: usize) -> Sums {
        let xi = x[i];
        let mut sums = Sums::default();
        for &j in self.bc.net.followees(i as u32) {
            let j = j as usize;
            let (dij, wp) = (x[j] - xi, s.wp[j]);
            let c = wp * s.close.value(dij);
            sums.c += c;
            sums.s += c * dij;
            let c = wp * s.reject.value(dij);
            sums.cr += c;
            sums.sr += c * dij;
        }
        sums
    }

    fn update(&self, s: &Setup, i: usize, xi: f64, sums: Sums) -> Update {
        let r = s.d.reach[i];
        let (n, m) = (r * sums.c, r * sums.cr);
        let (h, hm) = (self.bc.h(n), self.bc.h(m));
        let y = xi + s.d.gain[i] * h.0 * r * sums.s - s.push[i] * hm.0 * r * sums.sr;
        let (x, slope) = stance_clamp(y, self.clamp_width);
        Update { n, h, hm, x, slope }
    }

    /// One tick: the next stances and each agent's expected close items n_i.
    fn advance(&self, s: &Setup, x: &[f64]) -> (Vec<f64>, Vec<f64>) {
        (0..x.len())
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                let u = self.update(s, i, x[i], self.sums(s, x, i));
                (u.x, u.n)
            })
            .unzip()
    }

    /// Σ_{i follows j} a_i L r_i w_j π_j K(x_j − x_i): the likes j's items get this tick.
    fn likes_received(&self, s: &Setup, x: &[f64]) -> Vec<f64> {
        let bc = &self.bc;
        (0..x.len())
            .into_par_iter()
            .with_min_len(1024)
            .map(|j| {
                let mut acc = 0.0;
                for &i in bc.net.followers(j as u32) {
                    let i = i as usize;
                    acc += bc.activity[i]
                        * bc.like_prob
                        * s.d.reach[i]
                        * s.wp[j]
                        * s.close.value(x[j] - x[i]);
                }
                acc
            })
            .collect()
    }

    /// x(c + 1) … x(last) from the checkpoint x(c) (for `backward`).
    fn recompute(&self, s: &Setup, xc: &[f64], c: usize, last: usize) -> Vec<Vec<f64>> {
        let mut out: Vec<Vec<f64>> = Vec::with_capacity(last - c);
        for _ in c..last {
            let x = out.last().map_or(xc, |v| v.as_slice());
            let next = self.advance(s, x).0;
            out.push(next);
        }
        out
    }

    /// λ(t) from λ(t + 1) at the state x = x(t), adding tick t's share of ∂M/∂w to `w_bar`.
    fn step_back(
        &self,
        s: &Setup,
        x: &[f64],
        lambda: &[f64],
        (g_hat, r_hat): (&[f64], &[f64]),
        w_bar: &mut [f64],
    ) -> Vec<f64> {
        let bc = &self.bc;
        let n = x.len();
        // Per follower i: its adjoints, and what its own λ loses to its row.
        let (kept, follower): (Vec<f64>, Vec<Follower>) = (0..n)
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                let xi = x[i];
                let sums = self.sums(s, x, i);
                let u = self.update(s, i, xi, sums);
                let r = s.d.reach[i];
                let y_bar = lambda[i] * u.slope;
                let like = bc.activity[i] * bc.like_prob;
                let me = Follower {
                    x: xi,
                    s_bar: y_bar * s.d.gain[i] * u.h.0 * r,
                    c_bar: (y_bar * s.d.gain[i] * u.h.1 * r * sums.s + g_hat[i] * like) * r,
                    sr_bar: -y_bar * s.push[i] * u.hm.0 * r,
                    cr_bar: -y_bar * s.push[i] * u.hm.1 * r * sums.sr * r,
                    like_r: like * r,
                };
                let mut minus = 0.0;
                for &j in bc.net.followees(i as u32) {
                    let j = j as usize;
                    minus += me.flow(s, r_hat[j], s.wp[j], x[j] - xi).0;
                }
                (y_bar - minus, me)
            })
            .unzip();
        // Per followee j: the same flows, summed by j.
        let (into_j, w_part): (Vec<f64>, Vec<f64>) = (0..n)
            .into_par_iter()
            .with_min_len(1024)
            .map(|j| {
                let (mut l, mut wb) = (0.0, 0.0);
                for &i in bc.net.followers(j as u32) {
                    let me = &follower[i as usize];
                    let (flow, w) = me.flow(s, r_hat[j], s.wp[j], x[j] - me.x);
                    l += flow;
                    wb += w;
                }
                (l, wb * s.d.pi[j])
            })
            .unzip();
        for (a, b) in w_bar.iter_mut().zip(&w_part) {
            *a += b;
        }
        kept.iter().zip(&into_j).map(|(l, add)| l + add).collect()
    }
}

/// A follower i's adjoints, read by every edge of its row and column.
struct Follower {
    x: f64,
    /// Adjoints of Σ c d, of Σ c (times r_i, with the likes i gives), of Σ c' d and of Σ c'
    /// (times r_i).
    s_bar: f64,
    c_bar: f64,
    sr_bar: f64,
    cr_bar: f64,
    /// a_i L r_i: how much a close item of j in i's feed adds to likes_received_j.
    like_r: f64,
}

impl Follower {
    /// Edge i → j: d̄_ij (λ_j gains it, λ_i loses it) and c̄_ij K + c̄'_ij R (w̄_j / π_j), given
    /// j's r̂_j and w_j π_j and the edge's d_ij.
    #[inline]
    fn flow(&self, s: &Setup, r_hat: f64, wp: f64, dij: f64) -> (f64, f64) {
        let (k, dk) = s.close.with_slope(dij);
        let (rj, dr) = s.reject.with_slope(dij);
        let c_bar = self.s_bar * dij + self.c_bar + r_hat * self.like_r;
        let cr_bar = self.sr_bar * dij + self.cr_bar;
        (
            wp * (self.s_bar * k + c_bar * dk + self.sr_bar * rj + cr_bar * dr),
            c_bar * k + cr_bar * rj,
        )
    }
}

impl Dynamics for BackfireField<'_> {
    fn agents(&self) -> usize {
        self.bc.x0.len()
    }

    fn outputs(&self) -> &'static [&'static str] {
        &OUTPUTS
    }

    fn forward(&self, w: &[f64], needed: &[bool]) -> Trajectory {
        let bc = &self.bc;
        let want_received = needed.get(2).copied().unwrap_or(true);
        let n = self.agents();
        let s = self.setup(w);
        let mut given = vec![0.0; n];
        let mut received = vec![0.0; n];
        // Nobody's items act (w = 0): nothing moves, since B is the identity on [−1, 1].
        let inert = s.wp.iter().all(|&v| v == 0.0) && bc.x0.iter().all(|v| v.abs() <= 1.0);
        let mut states = CheckpointedStates::new(bc.x0.clone(), bc.ticks, bc.interval());
        for _ in 0..bc.ticks {
            let x = states.current();
            let next = if inert {
                x.to_vec()
            } else {
                let (next, n_close) = self.advance(&s, x);
                for (i, g) in given.iter_mut().enumerate() {
                    *g += bc.activity[i] * bc.like_prob * n_close[i];
                }
                if want_received {
                    for (r, add) in received.iter_mut().zip(self.likes_received(&s, x)) {
                        *r += add;
                    }
                }
                next
            };
            states.push(next);
        }
        let (stance, states) = states.finish();
        Trajectory {
            outputs: vec![stance, given, received],
            states,
        }
    }

    fn backward(&self, w: &[f64], fwd: &Trajectory, d_out: &[Option<Vec<f64>>]) -> Vec<f64> {
        let n = self.agents();
        let s = self.setup(w);
        let zero = vec![0.0; n];
        let out = |k: usize| d_out.get(k).and_then(|o| o.as_ref()).unwrap_or(&zero);
        let hats = (out(1).as_slice(), out(2).as_slice());
        let mut lambda = out(0).clone();
        let mut w_bar = vec![0.0; n];
        // x(t) of the checkpoint segment being walked back, recomputed once per segment.
        let k = self.bc.interval();
        let mut segment: Vec<Vec<f64>> = Vec::new();
        let mut segment_start = usize::MAX;
        for t in (0..self.bc.ticks as usize).rev() {
            let x: &[f64] = if !fwd.states[t].is_empty() || t == 0 {
                &fwd.states[t]
            } else {
                let c = t - t % k;
                if segment_start != c {
                    segment = self.recompute(&s, &fwd.states[c], c, t);
                    segment_start = c;
                }
                &segment[t - c - 1]
            };
            lambda = self.step_back(&s, x, &lambda, hats, &mut w_bar);
        }
        w_bar
    }
}

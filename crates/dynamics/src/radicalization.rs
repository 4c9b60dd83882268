//! Expected-value radicalization (Baumann, Lorenz-Spreen, Sokolov & Starnini, PRL 124,
//! 048301, 2020) on the run's initial follow graph.
//!
//! Stochastic rule (crates/sim `Radicalization`): each tick every agent takes an Euler step
//! of dx_i/dt = −x_i + K Σ_j A_ij tanh(α x_j); with probability a_i it contacts up to m
//! feed candidates drawn with homophily ∝ |x_i − x_j|^−β, and each contacted agent is
//! influenced back with probability r. Expected form, per tick (c = dt·K):
//!
//! - i contacts followee j an expected m_i a_i p_ij times, p_ij = h_ij / Z_i with
//!   h_ij = ((x_i − x_j)² + δ²)^(−β/2) and Z_i = Σ_{k ∈ followees(i)} h_ik, m_i = min(m,
//!   |followees(i)|);
//! - e_ij = c m_i a_i p_ij; participation w_j scales what j's opinion does to those it acts
//!   on: x_i ← (1 − dt) x_i + Σ_{j ∈ followees(i)} e_ij w_j tanh(α x_j)
//!   + r Σ_{k ∈ followers(i)} e_ki w_k tanh(α x_k) (the second sum: reciprocity).
//!
//! What it leaves out, and why: the homophily normaliser runs over the follow graph only (the
//! engine's followee part of the feed), not over all N agents (O(N²) a tick) nor over the
//! out-of-network part of the feed; the draw of m distinct contacts becomes m independent
//! draws (expected counts m·p_ij, which over-weight a dominant candidate); rewiring is left
//! out (the graph is the one the run started from); δ smooths the engine's hard floor of
//! 10⁻⁶ on |Δx| so that the gradient stays finite. At w = 0 nobody acts on anybody and every
//! opinion decays: x(T) = (1 − dt)^T x(0).

use emergent_sim::network::Network;
use rayon::prelude::*;

use crate::model::{Dynamics, Trajectory};

pub struct RadicalizationField<'a> {
    pub net: &'a Network,
    pub x0: Vec<f64>,
    pub activity: Vec<f64>,
    pub k: f64,
    pub alpha: f64,
    pub beta: f64,
    pub reciprocity: f64,
    pub contacts: f64,
    pub dt: f64,
    /// Smoothing of |Δx| in the homophily kernel.
    pub delta: f64,
    pub ticks: u32,
}

const OUTPUTS: [&str; 1] = ["stance"];

impl RadicalizationField<'_> {
    /// h(d) and h'(d) for h(d) = (d² + δ²)^(−β/2).
    #[inline]
    fn kernel(&self, d: f64) -> (f64, f64) {
        if self.beta == 0.0 {
            return (1.0, 0.0);
        }
        let q = d * d + self.delta * self.delta;
        let h = q.powf(-self.beta / 2.0);
        (h, -self.beta * d * h / q)
    }

    /// c·m_i·a_i: the expected contacts of i times the step's coupling.
    fn reach(&self) -> Vec<f64> {
        (0..self.x0.len())
            .map(|i| {
                let f = self.net.followees(i as u32).len() as f64;
                self.dt * self.k * self.contacts.min(f) * self.activity[i]
            })
            .collect()
    }

    /// Z_i for every agent.
    fn normalisers(&self, x: &[f64]) -> Vec<f64> {
        (0..x.len())
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                self.net
                    .followees(i as u32)
                    .iter()
                    .map(|&j| self.kernel(x[i] - x[j as usize]).0)
                    .sum()
            })
            .collect()
    }

    /// e_ij = reach_i · h_ij / Z_i (0 when i follows nobody).
    #[inline]
    fn edge(&self, reach: &[f64], z: &[f64], x: &[f64], i: usize, j: usize) -> f64 {
        if z[i] > 0.0 {
            reach[i] * self.kernel(x[i] - x[j]).0 / z[i]
        } else {
            0.0
        }
    }

    fn step(&self, x: &[f64], w: &[f64], reach: &[f64]) -> Vec<f64> {
        let z = self.normalisers(x);
        let s: Vec<f64> = x.iter().map(|v| (self.alpha * v).tanh()).collect();
        (0..x.len())
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                let pull: f64 = self
                    .net
                    .followees(i as u32)
                    .iter()
                    .map(|&j| {
                        let j = j as usize;
                        self.edge(reach, &z, x, i, j) * w[j] * s[j]
                    })
                    .sum();
                let push: f64 = self
                    .net
                    .followers(i as u32)
                    .iter()
                    .map(|&k| {
                        let k = k as usize;
                        self.edge(reach, &z, x, k, i) * w[k] * s[k]
                    })
                    .sum();
                (1.0 - self.dt) * x[i] + pull + self.reciprocity * push
            })
            .collect()
    }

    /// λ(t) and the w-gradient of tick t from λ(t + 1) (`lam`), at the state `x` = x(t).
    fn step_back(
        &self,
        x: &[f64],
        w: &[f64],
        reach: &[f64],
        lam: &[f64],
        grad: &mut [f64],
    ) -> Vec<f64> {
        let n = x.len();
        let r = self.reciprocity;
        let z = self.normalisers(x);
        let s: Vec<f64> = x.iter().map(|v| (self.alpha * v).tanh()).collect();
        // q_ij = ∂M/∂e_ij = λ_i w_j s_j + r λ_j w_i s_i; Q_i = Σ_j p_ij q_ij.
        let q = |i: usize, j: usize| lam[i] * w[j] * s[j] + r * lam[j] * w[i] * s[i];
        let big_q: Vec<f64> = (0..n)
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                if z[i] <= 0.0 {
                    return 0.0;
                }
                self.net
                    .followees(i as u32)
                    .iter()
                    .map(|&j| {
                        let j = j as usize;
                        self.kernel(x[i] - x[j]).0 / z[i] * q(i, j)
                    })
                    .sum()
            })
            .collect();
        let rows: Vec<(f64, f64)> = (0..n)
            .into_par_iter()
            .with_min_len(1024)
            .map(|j| {
                // G_j: what w_j s_j is worth; dl: λ_j through the kernel (x_j as a candidate
                // of its followers, and x_j as the chooser of its followees).
                let (mut g, mut dl) = (0.0, 0.0);
                for &i in self.net.followers(j as u32) {
                    let i = i as usize;
                    if z[i] <= 0.0 {
                        continue;
                    }
                    let (h, dh) = self.kernel(x[i] - x[j]);
                    g += reach[i] * h / z[i] * lam[i];
                    dl -= reach[i] * (q(i, j) - big_q[i]) / z[i] * dh;
                }
                if z[j] > 0.0 {
                    for &k in self.net.followees(j as u32) {
                        let k = k as usize;
                        let (h, dh) = self.kernel(x[j] - x[k]);
                        g += r * reach[j] * h / z[j] * lam[k];
                        dl += reach[j] * (q(j, k) - big_q[j]) / z[j] * dh;
                    }
                }
                let ds = self.alpha * (1.0 - s[j] * s[j]);
                let lam_j = (1.0 - self.dt) * lam[j] + ds * g * w[j] + dl;
                (lam_j, g * s[j])
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        for (j, (l, gw)) in rows.into_iter().enumerate() {
            grad[j] += gw;
            out.push(l);
        }
        out
    }
}

impl Dynamics for RadicalizationField<'_> {
    fn agents(&self) -> usize {
        self.x0.len()
    }

    fn outputs(&self) -> &'static [&'static str] {
        &OUTPUTS
    }

    fn forward(&self, w: &[f64], _needed: &[bool]) -> Trajectory {
        let reach = self.reach();
        let mut states = Vec::with_capacity(self.ticks as usize + 1);
        states.push(self.x0.clone());
        for t in 0..self.ticks as usize {
            let next = self.step(&states[t], w, &reach);
            states.push(next);
        }
        let last = states.last().cloned().unwrap_or_default();
        Trajectory {
            outputs: vec![last],
            states,
        }
    }

    fn backward(&self, w: &[f64], fwd: &Trajectory, d_out: &[Option<Vec<f64>>]) -> Vec<f64> {
        let n = self.agents();
        let mut grad = vec![0.0; n];
        let Some(Some(d_stance)) = d_out.first() else {
            return grad;
        };
        let reach = self.reach();
        let mut lam = d_stance.clone();
        for t in (0..self.ticks as usize).rev() {
            lam = self.step_back(&fwd.states[t], w, &reach, &lam, &mut grad);
        }
        grad
    }
}

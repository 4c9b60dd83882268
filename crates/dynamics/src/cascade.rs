//! Expected-value independent cascades (message passing on the follow graph).
//!
//! Stochastic rule: every item an agent sees is reposted with probability p (once per
//! cascade). Expected form, per tick: j authors v_j(t) = a_j·post_prob + r_j(t) items (posts
//! plus reposts); follower i is exposed to z_i = p Σ_{j ∈ followees(i)} w_j v_j(t) expected
//! transmissions and reposts at least once with probability 1 − e^{−z_i}:
//! r_i(t+1) = a_i (1 − e^{−z_i}). The saturation keeps the map bounded above criticality,
//! where a linear branching process would blow up.
//!
//! Outputs: `reposts` (Σ_t r_i) and `reposts_received` (each repost of i credited to the
//! followees in proportion to their share of z_i: Σ_t Σ_{i follows j} a_i h(z_i) p w_j v_j).

use emergent_sim::network::Network;
use rayon::prelude::*;

use crate::model::{Dynamics, Trajectory};
use crate::smooth::at_least_one;

pub struct CascadeField<'a> {
    pub net: &'a Network,
    pub activity: Vec<f64>,
    pub p: f64,
    pub post_prob: f64,
    pub ticks: u32,
}

const OUTPUTS: [&str; 2] = ["reposts", "reposts_received"];

impl CascadeField<'_> {
    /// v(t) (items each agent authors) and z(t) (expected transmissions each agent is
    /// exposed to) from r(t): the forward pass computes them, the adjoint recomputes them.
    fn items_and_exposure(&self, w: &[f64], r: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let v: Vec<f64> = (0..r.len())
            .map(|j| self.activity[j] * self.post_prob + r[j])
            .collect();
        let z = (0..r.len())
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| self.exposure(w, &v, i))
            .collect();
        (v, z)
    }

    fn exposure(&self, w: &[f64], v: &[f64], i: usize) -> f64 {
        self.p
            * self
                .net
                .followees(i as u32)
                .iter()
                .map(|&j| w[j as usize] * v[j as usize])
                .sum::<f64>()
    }
}

impl Dynamics for CascadeField<'_> {
    fn agents(&self) -> usize {
        self.activity.len()
    }

    fn outputs(&self) -> &'static [&'static str] {
        &OUTPUTS
    }

    fn forward(&self, w: &[f64], needed: &[bool]) -> Trajectory {
        let want_received = needed.get(1).copied().unwrap_or(true);
        let n = self.agents();
        let mut r = vec![0.0; n];
        let mut states = Vec::with_capacity(self.ticks as usize + 1);
        let mut reposts = vec![0.0; n];
        let mut received = vec![0.0; n];
        for _ in 0..self.ticks {
            let (v, z) = self.items_and_exposure(w, &r);
            if want_received {
                received
                    .par_iter_mut()
                    .enumerate()
                    .with_min_len(1024)
                    .for_each(|(j, acc)| {
                        for &i in self.net.followers(j as u32) {
                            let i = i as usize;
                            *acc += self.activity[i] * at_least_one(z[i]).0 * self.p * w[j] * v[j];
                        }
                    });
            }
            states.push(r.clone());
            r = (0..n)
                .map(|i| self.activity[i] * (1.0 - (-z[i]).exp()))
                .collect();
            for (a, b) in reposts.iter_mut().zip(&r) {
                *a += b;
            }
        }
        states.push(r);
        Trajectory {
            outputs: vec![reposts, received],
            states,
        }
    }

    fn backward(&self, w: &[f64], fwd: &Trajectory, d_out: &[Option<Vec<f64>>]) -> Vec<f64> {
        let n = self.agents();
        let zero = vec![0.0; n];
        let out = |k: usize| d_out.get(k).and_then(|o| o.as_ref()).unwrap_or(&zero);
        let (rep_hat, rec_hat) = (out(0), out(1));
        // λ = adjoint of r(t+1); r(T) and every r(t ≥ 1) feed `reposts` directly.
        let mut lambda: Vec<f64> = rep_hat.clone();
        let mut w_bar = vec![0.0; n];
        for t in (0..self.ticks as usize).rev() {
            let (v, z) = self.items_and_exposure(w, &fwd.states[t]);
            // z̄_i from r_i(t+1) = a_i (1 − e^{−z_i}) and from the received credit a_i h(z_i) p w_j v_j.
            let z_bar: Vec<f64> = (0..n)
                .into_par_iter()
                .with_min_len(1024)
                .map(|i| {
                    let (h, dh) = at_least_one(z[i]);
                    let _ = h;
                    let credit: f64 = self
                        .net
                        .followees(i as u32)
                        .iter()
                        .map(|&j| rec_hat[j as usize] * self.p * w[j as usize] * v[j as usize])
                        .sum();
                    lambda[i] * self.activity[i] * (-z[i]).exp() + self.activity[i] * dh * credit
                })
                .collect();
            let (v_bar, w_part): (Vec<f64>, Vec<f64>) = (0..n)
                .into_par_iter()
                .with_min_len(1024)
                .map(|j| {
                    let (mut vb, mut wb) = (0.0, 0.0);
                    for &i in self.net.followers(j as u32) {
                        let i = i as usize;
                        let h = at_least_one(z[i]).0;
                        let through =
                            z_bar[i] * self.p + rec_hat[j] * self.activity[i] * h * self.p;
                        vb += through * w[j];
                        wb += through * v[j];
                    }
                    (vb, wb)
                })
                .unzip();
            for (a, b) in w_bar.iter_mut().zip(&w_part) {
                *a += b;
            }
            // r(t) feeds v(t) (→ v̄) and, for t ≥ 1, `reposts` directly.
            lambda = (0..n)
                .map(|j| v_bar[j] + if t >= 1 { rep_hat[j] } else { 0.0 })
                .collect();
        }
        w_bar
    }
}

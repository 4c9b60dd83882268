//! Expected-value Watts threshold cascades (the `watts` cascade model).
//!
//! Stochastic rule (Watts 2002, PNAS 99, 5766): agent i, active at a tick with probability
//! a_i, adopts for good once the fraction of its k_i followees who adopted is at least its
//! threshold φ_i; seeds adopt at their first active tick. Adoption is seen by followers from
//! the next tick on.
//!
//! Expected form, with participation w_j scaling how strongly j's adoption counts for the
//! agents who see it: x_i(t) is the probability that i adopted before tick t (x(0) = 0),
//! m_i(t) = (1/k_i) Σ_{j ∈ followees(i)} w_j x_j(t) the expected adopted fraction i sees
//! (0 when k_i = 0), and
//!
//!   x_i(t+1) = x_i(t) + (1 − x_i(t)) a_i h_i(t),  h_i = s_i + (1 − s_i) σ((m_i − φ_i)/δ + 3),
//!
//! s_i = 1 for seeds (0 otherwise), σ the logistic function: the hard step 1[m ≥ φ] smoothed
//! over a width δ of the adopted fraction and centred 3δ below φ, so that a fraction exactly
//! at the threshold (adopted counts are multiples of 1/k_i, and the rule is ≥) counts as
//! adopted (σ(3) = 0.95); → the mean field of the hard rule as δ → 0. The mean field replaces
//! the adopted count by its expectation, exact on trees only.
//!
//! Outputs: `posts` = s_i x_i(T) (a seed adopts by posting) and `reposts` = (1 − s_i) x_i(T)
//! (everyone else by reposting an adopter's item).

use emergent_sim::network::Network;
use rayon::prelude::*;

use crate::model::{Dynamics, Trajectory};
use crate::smooth::sigmoid;

pub struct ThresholdField<'a> {
    pub net: &'a Network,
    pub activity: Vec<f64>,
    /// φ_i.
    pub thresholds: Vec<f64>,
    /// s_i: 1 for a seed, 0 otherwise.
    pub seeds: Vec<f64>,
    /// δ: width of the smoothed step, in units of the adopted fraction.
    pub width: f64,
    pub ticks: u32,
}

const OUTPUTS: [&str; 2] = ["posts", "reposts"];

/// Where the smoothed step is centred, in widths below the threshold.
const STEP_OFFSET: f64 = 3.0;

impl ThresholdField<'_> {
    /// m(t): the weighted adopted fraction among each agent's followees.
    fn seen(&self, w: &[f64], x: &[f64]) -> Vec<f64> {
        (0..x.len())
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                let f = self.net.followees(i as u32);
                match f.len() {
                    0 => 0.0,
                    k => {
                        f.iter()
                            .map(|&j| w[j as usize] * x[j as usize])
                            .sum::<f64>()
                            / k as f64
                    }
                }
            })
            .collect()
    }

    /// u_i = (m_i − φ_i)/δ + 3, when i can adopt by threshold at all (k_i > 0).
    fn argument(&self, i: usize, m: f64) -> Option<f64> {
        (self.net.following_count(i as u32) > 0)
            .then(|| (m - self.thresholds[i]) / self.width + STEP_OFFSET)
    }

    /// h_i(t) and ∂h_i/∂m_i.
    fn hazard(&self, i: usize, m: f64) -> (f64, f64) {
        let s = self.seeds[i];
        match self.argument(i, m) {
            None => (s, 0.0),
            Some(u) => {
                let g = sigmoid(u);
                (s + (1.0 - s) * g, (1.0 - s) * g * (1.0 - g) / self.width)
            }
        }
    }
}

impl Dynamics for ThresholdField<'_> {
    fn agents(&self) -> usize {
        self.activity.len()
    }

    fn outputs(&self) -> &'static [&'static str] {
        &OUTPUTS
    }

    /// States: x(0..=T).
    fn forward(&self, w: &[f64], _needed: &[bool]) -> Trajectory {
        let n = self.agents();
        let mut x = vec![0.0; n];
        let mut states = Vec::with_capacity(self.ticks as usize + 1);
        for _ in 0..self.ticks {
            let m = self.seen(w, &x);
            let next = (0..n)
                .map(|i| x[i] + (1.0 - x[i]) * self.activity[i] * self.hazard(i, m[i]).0)
                .collect();
            states.push(std::mem::replace(&mut x, next));
        }
        let posts = (0..n).map(|i| self.seeds[i] * x[i]).collect();
        let reposts = (0..n).map(|i| (1.0 - self.seeds[i]) * x[i]).collect();
        states.push(x);
        Trajectory {
            outputs: vec![posts, reposts],
            states,
        }
    }

    fn backward(&self, w: &[f64], fwd: &Trajectory, d_out: &[Option<Vec<f64>>]) -> Vec<f64> {
        let n = self.agents();
        let zero = vec![0.0; n];
        let out = |k: usize| d_out.get(k).and_then(|o| o.as_ref()).unwrap_or(&zero);
        let (post_hat, rep_hat) = (out(0), out(1));
        // λ = ∂M/∂x(t+1), from the horizon back.
        let mut lambda: Vec<f64> = (0..n)
            .map(|i| post_hat[i] * self.seeds[i] + rep_hat[i] * (1.0 - self.seeds[i]))
            .collect();
        let mut w_bar = vec![0.0; n];
        for t in (0..self.ticks as usize).rev() {
            let x = &fwd.states[t];
            let m = self.seen(w, x);
            let mut direct = vec![0.0; n];
            // m̄_i / k_i: what i hands back to each followee through m_i.
            let mut m_bar_per_edge = vec![0.0; n];
            for i in 0..n {
                let (h, dh) = self.hazard(i, m[i]);
                let a = self.activity[i];
                direct[i] = lambda[i] * (1.0 - a * h);
                let k = self.net.following_count(i as u32);
                if k > 0 {
                    m_bar_per_edge[i] = lambda[i] * (1.0 - x[i]) * a * dh / k as f64;
                }
            }
            let back: Vec<f64> = (0..n)
                .into_par_iter()
                .with_min_len(1024)
                .map(|j| {
                    self.net
                        .followers(j as u32)
                        .iter()
                        .map(|&i| m_bar_per_edge[i as usize])
                        .sum::<f64>()
                })
                .collect();
            for j in 0..n {
                w_bar[j] += back[j] * x[j];
                direct[j] += back[j] * w[j];
            }
            lambda = direct;
        }
        w_bar
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path 0 – 1 – 2 – 3 (mutual follows) with seed 0 and φ = 0.5: the cascade walks down
    /// the path one agent per tick, and at w = 0 nobody but the seed adopts.
    #[test]
    fn a_cascade_walks_down_a_path() {
        let edges = vec![(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2)];
        let net = Network::from_edges(4, edges);
        let model = ThresholdField {
            net: &net,
            activity: vec![1.0; 4],
            thresholds: vec![0.5; 4],
            seeds: vec![1.0, 0.0, 0.0, 0.0],
            width: 0.01,
            ticks: 5,
        };
        let on = model.forward(&[1.0; 4], &[true, true]);
        assert!((on.outputs[0][0] - 1.0).abs() < 1e-12);
        for i in 1..4 {
            assert!(on.outputs[1][i] > 0.99, "agent {i}: {:?}", on.outputs[1]);
        }
        let off = model.forward(&[0.0; 4], &[true, true]);
        assert!(
            off.outputs[1].iter().all(|&r| r < 1e-6),
            "{:?}",
            off.outputs[1]
        );
    }
}

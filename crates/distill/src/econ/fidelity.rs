//! How well a household policy predicts monthly decisions it did not see: for work and for
//! consumption, the log-loss of the observed value on EconAgent's 51-point grid (0, 0.02,
//! …, 1) and the root-mean-square error of the expected value — for any [`EconChoiceModel`]
//! (the distilled policy, the rule baseline, or in tests the hidden policy).

use serde::{Deserialize, Serialize};

use emergent_sim::econ::STEP;

use super::dataset::EconSample;
use crate::fidelity::CLIP;

/// Points of the decision grid.
pub const GRID: usize = 51;

/// A household policy's probability of each grid value of a decision.
pub trait EconChoiceModel {
    /// P(work = k·0.02), k = 0..=50.
    fn work(&self, s: &EconSample) -> Vec<f64>;
    /// P(consumption = k·0.02), k = 0..=50.
    fn consumption(&self, s: &EconSample) -> Vec<f64>;
}

/// The grid index of a propensity.
pub fn cell(p: f64) -> usize {
    ((p.clamp(0.0, 1.0) / STEP).round() as usize).min(GRID - 1)
}

/// The grid probabilities of snap(X) for X uniform on [`lo`, `hi`] (a point mass when
/// `hi ≤ lo`): each cell k takes [(k − ½)·0.02, (k + ½)·0.02), the end cells everything
/// beyond.
pub fn uniform_cells(lo: f64, hi: f64) -> Vec<f64> {
    let mut out = vec![0.0; GRID];
    if hi <= lo {
        out[cell(lo)] = 1.0;
        return out;
    }
    for (k, p) in out.iter_mut().enumerate() {
        let a = if k == 0 {
            f64::NEG_INFINITY
        } else {
            (k as f64 - 0.5) * STEP
        };
        let b = if k == GRID - 1 {
            f64::INFINITY
        } else {
            (k as f64 + 0.5) * STEP
        };
        *p = (hi.min(b) - lo.max(a)).max(0.0) / (hi - lo);
    }
    out
}

/// Log-loss and error of one kind of propensity.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EconScore {
    /// Mean −ln P(observed grid value) (P clipped to [10⁻⁶, 1]).
    pub log_loss: f64,
    /// Root-mean-square error of the expected value.
    pub rmse: f64,
    /// Mean expected value over the decisions, and the mean observed one.
    pub mean_predicted: f64,
    pub mean_observed: f64,
    /// Decisions scored.
    pub n: usize,
}

/// A household policy's fidelity on a set of decisions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EconFidelity {
    /// Decisions scored.
    pub decisions: usize,
    /// −ln P(work) − ln P(consumption), per decision.
    pub log_loss: f64,
    pub work: EconScore,
    pub consumption: EconScore,
}

#[derive(Default)]
struct Tally {
    loss: f64,
    sq: f64,
    predicted: f64,
    observed: f64,
    n: usize,
}

impl Tally {
    fn add(&mut self, p: &[f64], observed: f64) -> f64 {
        let lp = -p[cell(observed)].clamp(CLIP, 1.0).ln();
        let mean: f64 = p.iter().enumerate().map(|(k, q)| q * k as f64 * STEP).sum();
        self.loss += lp;
        self.sq += (mean - observed).powi(2);
        self.predicted += mean;
        self.observed += observed;
        self.n += 1;
        lp
    }

    fn score(&self) -> EconScore {
        let n = self.n.max(1) as f64;
        EconScore {
            log_loss: self.loss / n,
            rmse: (self.sq / n).sqrt(),
            mean_predicted: self.predicted / n,
            mean_observed: self.observed / n,
            n: self.n,
        }
    }
}

/// `model`'s fidelity on `samples`.
pub fn econ_fidelity(model: &dyn EconChoiceModel, samples: &[&EconSample]) -> EconFidelity {
    let (mut work, mut cons) = (Tally::default(), Tally::default());
    let mut total = 0.0;
    for s in samples {
        total += work.add(&model.work(s), s.decision.work);
        total += cons.add(&model.consumption(s), s.decision.consumption);
    }
    EconFidelity {
        decisions: samples.len(),
        log_loss: total / samples.len().max(1) as f64,
        work: work.score(),
        consumption: cons.score(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_cells_spread_the_mass_over_the_grid() {
        let p = uniform_cells(0.88, 1.0);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((p[50] - 0.01 / 0.12).abs() < 1e-12 && (p[44] - 0.01 / 0.12).abs() < 1e-12);
        assert!((p[46] - 0.02 / 0.12).abs() < 1e-12 && p[43] == 0.0);
        assert_eq!(uniform_cells(-0.3, -0.1)[0], 1.0);
        assert_eq!(uniform_cells(0.5, 0.5)[25], 1.0);
        assert_eq!(cell(0.34), 17);
    }
}

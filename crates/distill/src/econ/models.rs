//! The two household policies a distillation compares on held-out decisions, as
//! [`EconChoiceModel`]s: the distilled model and EconAgent's rule baseline (the
//! hand-written surrogate an `[econ]` run falls back to).

use emergent_sim::econ::distilled::{EconDistilledModel, EconGroupModel, grid_probabilities};
use emergent_sim::econ::rule_propensities;
use emergent_sim::policy::distilled::dot;

use super::dataset::EconSample;
use super::fidelity::{EconChoiceModel, GRID, uniform_cells};

/// A distilled econ model; decisions of log group `g` use `groups[group_of[g]]`.
pub struct EconDistilledChoices<'a> {
    pub model: &'a EconDistilledModel,
    pub group_of: Vec<usize>,
}

impl EconDistilledChoices<'_> {
    fn group(&self, s: &EconSample) -> &EconGroupModel {
        let g = self.group_of.get(s.group as usize).copied().unwrap_or(0);
        &self.model.groups[g.min(self.model.groups.len() - 1)]
    }
}

impl EconChoiceModel for EconDistilledChoices<'_> {
    fn work(&self, s: &EconSample) -> Vec<f64> {
        let m = &self.group(s).work;
        grid_probabilities(dot(&m.coef, &s.view.features()), m.sd)
    }

    fn consumption(&self, s: &EconSample) -> Vec<f64> {
        let m = &self.group(s).consumption;
        grid_probabilities(dot(&m.coef, &s.view.features()), m.sd)
    }
}

/// EconAgent's rule baseline (`emergent_sim::econ::RuleBaseline`): its grid probabilities
/// for the same context, from its two uniform draws (work is uniform over a 0.12-wide
/// interval; consumption, given the work draw, over a 0.02-wide one).
pub struct RuleChoices;

/// Quadrature points over the work draw for the consumption's mixture.
const DRAWS: usize = 64;

impl RuleChoices {
    fn rule(s: &EconSample, u_work: f64) -> (f64, f64) {
        let v = &s.view;
        rule_propensities(v.expected_income, v.savings, v.transfer, u_work, 0.5)
    }
}

impl EconChoiceModel for RuleChoices {
    fn work(&self, s: &EconSample) -> Vec<f64> {
        // work = b − 0.12·u, u uniform on [0, 1).
        let (top, _) = Self::rule(s, 0.0);
        uniform_cells(top - 0.12, top)
    }

    fn consumption(&self, s: &EconSample) -> Vec<f64> {
        let mut out = vec![0.0; GRID];
        for k in 0..DRAWS {
            let (_, c) = Self::rule(s, (k as f64 + 0.5) / DRAWS as f64);
            for (o, p) in out.iter_mut().zip(uniform_cells(c - 0.01, c + 0.01)) {
                *o += p / DRAWS as f64;
            }
        }
        out
    }
}

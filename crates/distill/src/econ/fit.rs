//! Fitting one group's household models with linfa: least squares (`linfa-linear`, ridge
//! by data augmentation) of each propensity's clipped logit on the features; the residual
//! standard deviation is the latent noise.

use emergent_sim::econ::ECON_FEATURES;
use emergent_sim::econ::distilled::{EconGroupModel, logit_target};

use super::dataset::EconSample;
use crate::error::DistillError;
use crate::fit::{Design, linear};

/// The work and consumption models of group `name` (population share `share`) fitted on
/// `samples`.
pub fn fit_econ_group(
    name: &str,
    share: f64,
    samples: &[&EconSample],
) -> Result<EconGroupModel, DistillError> {
    let w = ECON_FEATURES.len();
    let (mut work, mut consumption) = (Design::new(w), Design::new(w));
    for s in samples {
        let f = s.view.features();
        work.push(&f, logit_target(s.decision.work));
        consumption.push(&f, logit_target(s.decision.consumption));
    }
    Ok(EconGroupModel {
        name: name.into(),
        share,
        work: linear(work, name, "work")?,
        consumption: linear(consumption, name, "consumption")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::econ::{EconDistilledChoices, RuleChoices, econ_fidelity};
    use emergent_sim::econ::distilled::{ECON_FORMAT, EconDistilledModel};
    use emergent_sim::econ::{ECON_FEATURES_VERSION, EconDecision, EconView, snap};
    use emergent_sim::policy::distilled::sigmoid;
    use emergent_sim::rng::AgentRng;

    /// Decisions of a known household: work = snap(σ(1 − 0.5·ln(1 + b) + 3·u + 0.4·N)),
    /// consumption = snap(σ(−1 + 0.2·N)).
    fn samples(n: usize) -> Vec<EconSample> {
        (0..n)
            .map(|a| {
                let mut rng = AgentRng::new(5, a as u64, 0, 2);
                let view = EconView {
                    wage: 20.0,
                    expected_income: 3360.0,
                    savings: rng.uniform(0.0, 40_000.0),
                    price: 20.0,
                    unemployment: rng.uniform(0.0, 0.3),
                    tax_rate: 0.1,
                    ..EconView::default()
                };
                let f = view.features();
                let work = snap(sigmoid(1.0 - 0.5 * f[1] + 3.0 * f[7] + 0.4 * rng.normal()));
                let consumption = snap(sigmoid(-1.0 + 0.2 * rng.normal()));
                EconSample {
                    agent: a as u32,
                    month: 0,
                    group: 0,
                    view,
                    decision: EconDecision { work, consumption },
                }
            })
            .collect()
    }

    #[test]
    fn the_fit_recovers_a_known_household_and_beats_the_rule() {
        let all = samples(4000);
        let refs: Vec<&EconSample> = all.iter().collect();
        let g = fit_econ_group("all", 1.0, &refs).unwrap();
        let (w, c) = (&g.work, &g.consumption);
        assert!((w.coef[7] - 3.0).abs() < 0.3, "{w:?}");
        assert!(
            (w.sd - 0.4).abs() < 0.05 && (c.sd - 0.2).abs() < 0.05,
            "{w:?} {c:?}"
        );
        let model = EconDistilledModel {
            format: ECON_FORMAT.into(),
            features_version: ECON_FEATURES_VERSION,
            features: ECON_FEATURES.iter().map(|s| s.to_string()).collect(),
            groups: vec![g],
        };
        assert!(model.problems().is_empty(), "{:?}", model.problems());
        let d = econ_fidelity(
            &EconDistilledChoices {
                model: &model,
                group_of: vec![0],
            },
            &refs,
        );
        let r = econ_fidelity(&RuleChoices, &refs);
        assert!(d.log_loss + 2.0 < r.log_loss, "{d:?} {r:?}");
        assert!((d.consumption.mean_predicted - d.consumption.mean_observed).abs() < 0.01);
    }
}

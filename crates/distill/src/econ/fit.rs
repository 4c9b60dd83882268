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

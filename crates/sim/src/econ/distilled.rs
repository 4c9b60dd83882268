//! A household policy fitted to the monthly decisions LLM households made in an `[econ]` run
//! (`emergent distill`): per group, work and consumption each a latent Gaussian on the logit
//! scale, `logit(p) = coef · features + sd · N(0, 1)`, snapped to EconAgent's 0.02 grid.
//! Evaluating it is a dot product, a normal draw and a sigmoid per choice, with the agent's
//! own keyed stream, so it runs at any N and gives the same bytes on any thread count.
//!
//! The runner reads and checks `policy.json` ([`EconDistilledModel::problems`]); this module
//! reads no file.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::economy::{EconDecision, EconPolicy, Economy, snap};
use super::view::{ECON_FEATURES, ECON_FEATURES_VERSION, EconView};
use crate::AgentId;
use crate::policy::distilled::{LinearGaussian, dot, sigmoid};
use crate::rng::{AgentRng, mix64};

/// The `format` of an econ `policy.json`.
pub const ECON_FORMAT: &str = "emergent-distilled-econ-policy";

/// Random-stream purposes of the distilled households (distinct from the economy's).
mod purpose {
    /// The agent's group draw.
    pub const GROUP: u64 = 0x0d15_7ec0;
    /// The two latent normal draws of a month.
    pub const DECIDE: u64 = 0x0d15_7ec1;
}

/// Propensities are modelled on the logit scale of the grid value clipped to half a grid
/// step inside (0, 1): `logit(0.01)` ≈ −4.6 stands for "0".
pub const LOGIT_CLIP: f64 = 0.01;

/// `logit(clamp(p, LOGIT_CLIP, 1 − LOGIT_CLIP))`: the target the fit regresses.
pub fn logit_target(p: f64) -> f64 {
    let p = p.clamp(LOGIT_CLIP, 1.0 - LOGIT_CLIP);
    (p / (1.0 - p)).ln()
}

/// The probability of each of the 51 grid values 0, 0.02, …, 1 when the value is
/// snap(σ(`mean` + `sd`·N(0, 1))).
pub fn grid_probabilities(mean: f64, sd: f64) -> Vec<f64> {
    let cdf = |k: usize| -> f64 {
        // P(snap(σ(x)) < k·0.02) = P(x < logit((k − 0.5)·0.02)).
        let p = (k as f64 - 0.5) * super::economy::STEP;
        if k == 0 {
            return 0.0;
        }
        if p >= 1.0 {
            return 1.0;
        }
        let edge = (p / (1.0 - p)).ln();
        if sd <= 0.0 {
            return if mean < edge { 1.0 } else { 0.0 };
        }
        normal_cdf((edge - mean) / sd)
    };
    (0..=50).map(|k| cdf(k + 1) - cdf(k)).collect()
}

/// Φ(z), from the complementary error function (Numerical Recipes' erfc, |error| < 1.2e-7).
pub fn normal_cdf(z: f64) -> f64 {
    let x = -z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let y = t
        * (-x * x - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    let erfc = if x >= 0.0 { y } else { 2.0 - y };
    0.5 * erfc
}

/// The fitted models of one group of households (a persona).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EconGroupModel {
    /// The group's name (`[[llm.groups]] name`, or `all`).
    pub name: String,
    /// Share of the population the group takes in a distilled run.
    pub share: f64,
    /// Latent logit of the work propensity.
    pub work: LinearGaussian,
    /// Latent logit of the consumption propensity.
    pub consumption: LinearGaussian,
}

/// A distilled econ policy: what an econ `policy.json` holds (besides its provenance and fit
/// statistics, which the engine does not read).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EconDistilledModel {
    /// [`ECON_FORMAT`].
    pub format: String,
    /// [`ECON_FEATURES_VERSION`] of the features it was fitted on.
    pub features_version: u32,
    /// [`ECON_FEATURES`], as fitted.
    pub features: Vec<String>,
    /// The groups, each with its models.
    pub groups: Vec<EconGroupModel>,
}

impl EconDistilledModel {
    /// Everything wrong with the model as the engine would use it (empty: usable). Messages
    /// name the JSON key.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.format != ECON_FORMAT {
            out.push(format!(
                "format: {:?} is not {ECON_FORMAT:?} (is this an econ policy.json written by `emergent distill` from an [econ] run?)",
                self.format
            ));
        }
        if self.features_version != ECON_FEATURES_VERSION {
            out.push(format!(
                "features_version: {} was fitted on other features than this build's ({ECON_FEATURES_VERSION}); distill the run again",
                self.features_version
            ));
        }
        if self.features != ECON_FEATURES {
            out.push("features: not this build's feature list; distill the run again".into());
        }
        if self.groups.is_empty() {
            out.push("groups: empty (a distilled policy needs at least one group)".into());
        }
        for (g, m) in self.groups.iter().enumerate() {
            let at = |k: &str| format!("groups[{g}].{k}");
            if !(m.share.is_finite() && m.share > 0.0 && m.share <= 1.0) {
                out.push(format!("{}: {} is not in (0, 1]", at("share"), m.share));
            }
            for (k, lg) in [("work", &m.work), ("consumption", &m.consumption)] {
                let n = ECON_FEATURES.len();
                if lg.coef.len() != n {
                    out.push(format!(
                        "{}: {} weights, expected {n}",
                        at(k),
                        lg.coef.len()
                    ));
                } else if let Some(j) = lg.coef.iter().position(|v| !v.is_finite() || v.abs() > 1e6)
                {
                    out.push(format!(
                        "{}.coef[{j}]: {} is not a finite weight",
                        at(k),
                        lg.coef[j]
                    ));
                }
                if !(lg.sd.is_finite() && (0.0..=20.0).contains(&lg.sd)) {
                    out.push(format!("{}.sd: {} is not in [0, 20]", at(k), lg.sd));
                }
            }
        }
        out
    }

    /// The group of `agent` in a run with `seed`: a keyed draw weighted by the shares.
    pub fn group_of(&self, seed: u64, agent: AgentId) -> &EconGroupModel {
        let total: f64 = self.groups.iter().map(|g| g.share).sum();
        let mut u = AgentRng::with_extra(seed, agent as u64, 0, purpose::GROUP, mix64(0))
            .uniform(0.0, total);
        for g in &self.groups {
            if u < g.share {
                return g;
            }
            u -= g.share;
        }
        &self.groups[self.groups.len() - 1]
    }
}

/// The distilled econ policy in the engine.
#[derive(Clone, Debug)]
pub struct EconDistilled {
    model: EconDistilledModel,
}

impl EconDistilled {
    /// The policy of a checked `model` (see [`EconDistilledModel::problems`]).
    pub fn new(model: EconDistilledModel) -> Self {
        Self { model }
    }

    /// `agent`'s decision this month.
    pub fn decide_one(&self, e: &Economy, agent: AgentId) -> EconDecision {
        let g = self.model.group_of(e.seed, agent);
        let f = EconView::of(e, agent).features();
        let mut rng = AgentRng::new(e.seed, agent as u64, e.month as u64, purpose::DECIDE);
        let mut draw = |m: &LinearGaussian| snap(sigmoid(dot(&m.coef, &f) + m.sd * rng.normal()));
        let work = draw(&g.work);
        let consumption = draw(&g.consumption);
        EconDecision { work, consumption }
    }
}

impl EconPolicy for EconDistilled {
    fn name(&self) -> &'static str {
        "econ_distilled"
    }

    fn decide_batch(&self, economy: &Economy, agents: &[AgentId]) -> Vec<EconDecision> {
        agents
            .par_iter()
            .with_min_len(1024)
            .map(|&a| self.decide_one(economy, a))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emergent_scenario::EconConfig;

    fn model() -> EconDistilledModel {
        let lg = |b: f64, sd: f64| {
            let mut coef = vec![0.0; ECON_FEATURES.len()];
            coef[0] = b;
            LinearGaussian { coef, sd }
        };
        EconDistilledModel {
            format: ECON_FORMAT.into(),
            features_version: ECON_FEATURES_VERSION,
            features: ECON_FEATURES.iter().map(|s| s.to_string()).collect(),
            groups: vec![EconGroupModel {
                name: "all".into(),
                share: 1.0,
                work: lg(2.0, 0.3),
                consumption: lg(-1.0, 0.3),
            }],
        }
    }

    #[test]
    fn decides_on_the_grid_with_keyed_draws_and_checks_its_file() {
        let m = model();
        assert!(m.problems().is_empty(), "{:?}", m.problems());
        let p = EconDistilled::new(m.clone());
        let e = Economy::new(&EconConfig::default(), 50, 4);
        let d = p.decide_batch(&e, &e.deciders());
        assert_eq!(d, p.decide_batch(&e, &e.deciders()));
        let mean_w = d.iter().map(|x| x.work).sum::<f64>() / 50.0;
        assert!((mean_w - sigmoid(2.0)).abs() < 0.05, "{mean_w}");
        assert!(
            d.iter()
                .all(|x| x.work == snap(x.work) && x.consumption < 0.6)
        );
        let mut bad = m;
        bad.format = "emergent-distilled-policy".into();
        bad.groups[0].work.coef.pop();
        bad.groups[0].consumption.sd = f64::NAN;
        let probs = bad.problems();
        assert_eq!(probs.len(), 3, "{probs:?}");
        assert!(probs[1].contains("groups[0].work: 13 weights"), "{probs:?}");
        assert!((logit_target(0.0) - logit_target(0.01)).abs() < 1e-15);
    }
}

//! The effect of a treated arm at the horizon and which agents carried it, replicate by
//! replicate: the indicator on the treated run's final features minus on the control run's
//! of the same replicate (common random numbers make the pair differ only by the arm's
//! interventions), and its Aumann–Shapley attribution with the control run's features as the
//! baseline (agent i's baseline row is agent i in the control run), so Σφ = the difference.

use emergent_attribution::game::interval;
use emergent_attribution::{
    Attribution, Baseline, FeatureTable, Options, attribute, evaluate, tier_shares,
};
use emergent_io::run_dir::{ArmEffect, Carried, CarriedAgent, Estimate, TierEffect};

use crate::indicators::IndicatorSpec;

/// The tiers of agents by the control arm's followers: top 1 %, (1 %, 10 %], the rest.
const TIER_CUTS: [f64; 2] = [0.01, 0.1];
/// The column the tiers rank agents by, when the features have it.
const TIER_BY: &str = "followers";
/// How many agents with the largest |φ| the summary lists.
const TOP_AGENTS: usize = 10;

/// One treated arm × indicator, gathered over the replicates.
#[derive(Default)]
pub(crate) struct Accumulator {
    pub treated: Vec<f64>,
    pub effects: Vec<f64>,
    /// Σ over replicates of φ, by row (agents in the same order in every run).
    phi_sum: Vec<f64>,
    attributed: usize,
    tiers: Vec<Vec<emergent_attribution::TierShare>>,
    gap: f64,
    method: Option<String>,
    error: Option<String>,
}

/// An indicator's value on a table (NaN when undefined on it, e.g. a Gini of zeros).
pub(crate) fn value(table: &FeatureTable, spec: &IndicatorSpec) -> f64 {
    evaluate(table, &spec.indicator).unwrap_or(f64::NAN)
}

impl Accumulator {
    /// Add replicate `treated` vs `control` of the same replicate.
    pub(crate) fn add(
        &mut self,
        spec: &IndicatorSpec,
        treated: &FeatureTable,
        control: &FeatureTable,
    ) {
        let (t, c) = (value(treated, spec), value(control, spec));
        self.treated.push(t);
        self.effects.push(t - c);
        if self.error.is_some() {
            return;
        }
        let baseline = Baseline::Table(control.clone());
        match attribute(treated, &spec.indicator, &baseline, &Options::default()) {
            Ok(a) => self.add_attribution(a, control),
            Err(e) => self.error = Some(format!("not attributed: {e}")),
        }
    }

    fn add_attribution(&mut self, a: Attribution, control: &FeatureTable) {
        if self.phi_sum.is_empty() {
            self.phi_sum = vec![0.0; a.phi.len()];
        }
        for (s, p) in self.phi_sum.iter_mut().zip(&a.phi) {
            *s += p;
        }
        self.attributed += 1;
        if let Some(rank_by) = control.column(TIER_BY) {
            self.tiers.push(tier_shares(&a.phi, rank_by, &TIER_CUTS));
        }
        self.gap = self.gap.max(a.completeness_gap);
        self.method = Some(a.method.name().to_string());
    }

    /// φ per row, mean over the replicates (None when the attribution failed).
    pub(crate) fn mean_phi(&self) -> Option<Vec<f64>> {
        (self.error.is_none() && self.attributed > 0).then(|| {
            let n = self.attributed as f64;
            self.phi_sum.iter().map(|s| s / n).collect()
        })
    }

    /// The arm's effect as written to `experiment.json`; `ids` labels the rows.
    pub(crate) fn effect(&self, arm: &str, ids: &dyn Fn(usize) -> String) -> ArmEffect {
        let carried = self.mean_phi().map(|phi| Carried {
            method: self.method.clone(),
            completeness_gap: self.gap,
            tier_by: (!self.tiers.is_empty()).then(|| TIER_BY.to_string()),
            tiers: tier_effects(&self.tiers, estimate(&self.effects).mean),
            top_agents: top_agents(&phi, ids),
            phi_file: super::phi_file(arm),
        });
        ArmEffect {
            arm: arm.to_string(),
            effect: estimate(&self.effects),
            per_replicate: self.effects.clone(),
            carried,
            error: self.error.clone(),
        }
    }
}

/// Mean and 95 % t-interval of per-replicate samples.
pub(crate) fn estimate(samples: &[f64]) -> Estimate {
    let i = interval(samples);
    Estimate {
        mean: i.mean,
        std_error: i.std_error,
        low: i.low,
        high: i.high,
    }
}

/// Each tier's Σφ per replicate, then over replicates, and its share of the mean `effect`.
fn tier_effects(
    per_replicate: &[Vec<emergent_attribution::TierShare>],
    effect: f64,
) -> Vec<TierEffect> {
    let Some(first) = per_replicate.first() else {
        return Vec::new();
    };
    (0..first.len())
        .map(|k| {
            let sums: Vec<f64> = per_replicate.iter().map(|t| t[k].phi_sum).collect();
            let phi_sum = estimate(&sums);
            TierEffect {
                name: first[k].name.clone(),
                agents: first[k].to - first[k].from,
                phi_sum,
                share: match effect != 0.0 {
                    true => phi_sum.mean / effect,
                    false => f64::NAN,
                },
            }
        })
        .collect()
}

/// The rows with the largest |φ|, largest first, ties to the lower row.
fn top_agents(phi: &[f64], ids: &dyn Fn(usize) -> String) -> Vec<CarriedAgent> {
    let mut order: Vec<usize> = (0..phi.len()).collect();
    order.sort_by(|&i, &j| phi[j].abs().total_cmp(&phi[i].abs()).then(i.cmp(&j)));
    order
        .into_iter()
        .take(TOP_AGENTS)
        .map(|i| CarriedAgent {
            agent_id: ids(i),
            phi: phi[i],
        })
        .collect()
}

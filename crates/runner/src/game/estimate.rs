//! From coalition values to each group's Shapley value with its interval, and the run's own
//! attributions summed over the same groups.

use std::path::Path;

use emergent_attribution::FeatureTable;
use emergent_attribution::game::{Interval, exact_shapley, grand, interval, permutation_shapley};
use emergent_io::run_dir::{self, Estimate, GameIndicator, GroupValue};
use emergent_io::{IdColumn, read_dataset};

use super::{Group, Plan};
use crate::indicators::IndicatorSpec;

/// The run's static φ (`attribution.parquet`) and dynamic φ (`dynamic_attribution.parquet`,
/// when the run has one), row for row with its features.
pub(crate) struct Attributions {
    statics: Option<FeatureTable>,
    dynamics: Option<FeatureTable>,
}

impl Attributions {
    pub(crate) fn read(dir: &Path, features: &FeatureTable) -> Self {
        let same_rows = |t: FeatureTable| (t.len() == features.len()).then_some(t);
        let read = |name| {
            read_dataset(dir, name, &IdColumn::Default)
                .ok()
                .and_then(same_rows)
        };
        Attributions {
            statics: read(run_dir::ATTRIBUTION),
            dynamics: read(run_dir::DYNAMIC_ATTRIBUTION),
        }
    }
}

/// Each group's Σφ and its share of Σφ over everybody, from `phi_<name>` of `table`.
fn group_sums(
    table: Option<&FeatureTable>,
    name: &str,
    groups: &[Group],
) -> Vec<(Option<f64>, Option<f64>)> {
    let Some(phi) = table.and_then(|t| t.column(&format!("phi_{name}"))) else {
        return vec![(None, None); groups.len()];
    };
    let total: f64 = phi.iter().sum();
    groups
        .iter()
        .map(|g| {
            let s: f64 = g.members.iter().map(|&m| phi[m as usize]).sum();
            (Some(s), (total != 0.0).then_some(s / total))
        })
        .collect()
}

fn estimate(i: Interval) -> Estimate {
    Estimate {
        mean: i.mean,
        std_error: i.std_error,
        low: i.low,
        high: i.high,
    }
}

/// The game of one indicator: `v(mask, r)` is its value in coalition `mask`, replicate r.
pub(crate) fn indicator(
    spec: &IndicatorSpec,
    run_value: Option<f64>,
    groups: &[Group],
    plan: &Plan,
    v: &dyn Fn(u64, usize) -> f64,
    attributions: &Attributions,
    twin: Option<&[f64]>,
) -> GameIndicator {
    let twin_shares = twin.map(super::twin::twin_shares);
    let g = plan.players;
    let all = grand(g);
    let reps = 0..plan.replicates;
    // φ per replicate (and, sampling, its standard error over the permutations).
    let per_rep: Vec<(Vec<f64>, Vec<f64>)> = reps
        .clone()
        .map(|r| match plan.exact() {
            true => {
                let values: Vec<f64> = (0..=all).map(|m| v(m, r)).collect();
                (exact_shapley(&values), vec![f64::NAN; g])
            }
            false => {
                let s = permutation_shapley(g, &plan.permutations[r], |m| v(m, r));
                (s.phi, s.std_error)
            }
        })
        .collect();
    let total_r: Vec<f64> = reps.clone().map(|r| v(all, r) - v(0, r)).collect();
    let efficiency_gap = per_rep
        .iter()
        .zip(&total_r)
        .map(|((phi, _), t)| (phi.iter().sum::<f64>() - t).abs())
        .fold(0.0, f64::max);
    let statics = group_sums(attributions.statics.as_ref(), &spec.name, groups);
    let dynamics = group_sums(attributions.dynamics.as_ref(), &spec.name, groups);
    let values = groups
        .iter()
        .enumerate()
        .map(|(i, group)| {
            let phis: Vec<f64> = per_rep.iter().map(|(phi, _)| phi[i]).collect();
            let shares: Vec<f64> = phis.iter().zip(&total_r).map(|(p, t)| p / t).collect();
            GroupValue {
                name: group.name.clone(),
                agents: group.members.len(),
                shapley: estimate(one_replicate_aware(&phis, per_rep[0].1[i])),
                share: estimate(one_replicate_aware(&shares, per_rep[0].1[i] / total_r[0])),
                static_phi: statics[i].0,
                static_share: statics[i].1,
                dynamic_phi: dynamics[i].0,
                dynamic_share: dynamics[i].1,
                twin_share: twin_shares.as_ref().and_then(|s| s[i]),
            }
        })
        .collect();
    let over =
        |f: &dyn Fn(usize) -> f64| estimate(interval(&reps.clone().map(f).collect::<Vec<_>>()));
    GameIndicator {
        name: spec.name.clone(),
        expr: spec.indicator.text().to_string(),
        run_value,
        replayed_value: v(all, 0),
        grand: over(&|r| v(all, r)),
        empty: over(&|r| v(0, r)),
        total: over(&|r| total_r[r]),
        efficiency_gap,
        groups: values,
        coalition_values: match plan.exact() {
            true => (0..=all)
                .map(|m| reps.clone().map(|r| v(m, r)).sum::<f64>() / plan.replicates as f64)
                .collect(),
            false => Vec::new(),
        },
        twin_coalition_values: twin.map(<[f64]>::to_vec).unwrap_or_default(),
    }
}

/// The interval over replicates; with one replicate of a sampled game, the permutations'
/// standard error `se` (normal 95 %) instead, the only spread there is.
fn one_replicate_aware(samples: &[f64], se: f64) -> Interval {
    let i = interval(samples);
    if samples.len() > 1 || !se.is_finite() {
        return i;
    }
    Interval {
        std_error: se,
        low: i.mean - 1.959964 * se,
        high: i.mean + 1.959964 * se,
        ..i
    }
}

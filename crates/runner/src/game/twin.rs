//! The same game played on the run's expected-value twin (`--twin`): v_twin(S) = M(w_S), the
//! twin's indicator at the horizon with participation 1 for the agents of the groups in S (and
//! of no group) and 0 for the others. One deterministic forward pass per coalition and
//! indicator, no replicates.
//!
//! Why: the dynamic attribution and the ground truth differ for two reasons that this separates.
//! (1) The twin's corners may miss the simulator's (model error: what the twin leaves out, e.g.
//! that a silenced followee's feed slot goes to someone else). (2) Even where the corners
//! agree, Aumann–Shapley integrates the twin's gradient along the diagonal w = α·1, which
//! equals the Shapley value of the corner game only when M is multilinear in the groups'
//! participations (Owen 1972: Shapley is the diagonal integral of the game's *multilinear*
//! extension). The twin's group Shapley values inside the ground truth's intervals with its
//! agents' Aumann–Shapley sums outside them is (2); both outside is (1).

use emergent_attribution::game::{exact_shapley, grand};
use emergent_dynamics::{Outcome, model_for};

use super::Coalitions;
use crate::error::RunError;
use crate::indicators::IndicatorSpec;

/// Per indicator: v_twin(mask) for every coalition mask, or the reason there is none.
pub(crate) fn twin_values(
    dir: &std::path::Path,
    game: &Coalitions,
    specs: &[&IndicatorSpec],
) -> Result<Vec<Vec<f64>>, RunError> {
    let scenario = &game.scenario;
    let world = emergent_sim::build_world(scenario, game.preloaded())?;
    let model = model_for(scenario, &world).map_err(|e| RunError::Game {
        dir: dir.to_path_buf(),
        message: format!("--twin: this run has no expected-value twin ({e})"),
    })?;
    let n = model.agents();
    let all = grand(game.groups.len());
    let outcomes: Vec<Outcome<'_>> = specs
        .iter()
        .map(|spec| Outcome {
            indicator: &spec.indicator,
            context: &game.features,
        })
        .collect();
    // One forward pass per coalition serves every indicator: the outputs any of them reads.
    let needed: Vec<bool> = (0..model.outputs().len())
        .map(|k| outcomes.iter().any(|o| o.needed(model.as_ref())[k]))
        .collect();
    let mut values = vec![Vec::with_capacity(all as usize + 1); specs.len()];
    for mask in 0..=all {
        let outputs = model.forward(&game.participation(mask, n), &needed).outputs;
        for ((spec, outcome), v) in specs.iter().zip(&outcomes).zip(&mut values) {
            let value =
                outcome
                    .value_of(model.as_ref(), &outputs)
                    .map_err(|e| RunError::Indicator {
                        file: scenario.file.clone(),
                        name: spec.name.clone(),
                        message: format!("--twin: {e}"),
                    })?;
            v.push(value);
        }
    }
    Ok(values)
}

/// Each group's share of v_twin(N) − v_twin(∅) in the twin's game.
pub(crate) fn twin_shares(values: &[f64]) -> Vec<Option<f64>> {
    let total = values[values.len() - 1] - values[0];
    exact_shapley(values)
        .iter()
        .map(|p| (total != 0.0 && total.is_finite()).then(|| p / total))
        .collect()
}

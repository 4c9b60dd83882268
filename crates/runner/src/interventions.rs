//! The run's `[[interventions]]` at the runner's edges: a `top` selector's feature must be a
//! column the world reports (checked before anything runs, located in the file), and the
//! manifest records what the engine applied.

use emergent_io::run_dir::InterventionRecord;
use emergent_scenario::{KeySeg, Scenario, ScenarioError};
use emergent_sim::World;

/// Refuse a `top` selector naming no feature of `features`, at its place in the file.
pub(crate) fn check_features(
    scenario: &Scenario,
    features: &[String],
) -> Result<(), ScenarioError> {
    for (i, iv) in scenario.interventions.iter().enumerate() {
        let Some(top) = &iv.top else { continue };
        if features.contains(&top.feature) {
            continue;
        }
        let path = [
            KeySeg::Key("interventions"),
            KeySeg::Index(i),
            KeySeg::Key("top"),
            KeySeg::Key("feature"),
        ];
        let (line, column) = scenario.position(&path);
        return Err(ScenarioError::At {
            file: scenario.file.clone(),
            line,
            column,
            message: format!(
                "`{}` is not a feature of this run; features: {}",
                top.feature,
                features.join(", ")
            ),
        });
    }
    Ok(())
}

/// The manifest's `interventions`: each entry with its window and, for a `top` selector,
/// whom it chose (every rank holds the choices).
pub(crate) fn records(scenario: &Scenario, world: &World) -> Vec<InterventionRecord> {
    let ticks = scenario.scenario.ticks;
    scenario
        .interventions
        .iter()
        .enumerate()
        .map(|(i, iv)| InterventionRecord {
            chosen: world
                .interventions
                .chosen
                .iter()
                .find(|c| c.0 == i as u32)
                .map(|c| c.1.clone()),
            from: iv.start(),
            kind: iv.kind.name().to_string(),
            label: iv
                .label
                .clone()
                .unwrap_or_else(|| iv.kind.name().to_string()),
            spec: serde_json::to_value(iv).unwrap_or_default(),
            to: iv.end(ticks),
        })
        .collect()
}

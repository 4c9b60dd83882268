//! Driving the engine from scenario text: how every module runs the published model.

use emergent_scenario::Scenario;
use emergent_sim::{Simulation, World};

/// The scenario in `text` (a module's fixed configuration, so a problem in it is a bug of
/// the suite: panics with the scenario's own message).
pub(crate) fn scenario(text: &str, name: &str) -> Scenario {
    let s = Scenario::from_str(text, name)
        .unwrap_or_else(|e| panic!("validation scenario {name} does not parse: {e}"));
    let problems = s.validate();
    assert!(
        problems.is_empty(),
        "validation scenario {name} is invalid: {problems:?}"
    );
    s
}

/// Run `scenario` for all its ticks and return the final world.
pub(crate) fn run(scenario: &Scenario) -> World {
    let mut sim = Simulation::new(scenario, None)
        .unwrap_or_else(|e| panic!("validation scenario {}: {e}", scenario.file));
    sim.run_to_horizon();
    sim.world
}

//! A checkpointed world resumes exactly where it stopped.

use emergent_scenario::Scenario;
use emergent_sim::{Simulation, World};

#[test]
fn resume_from_checkpoint_matches_uninterrupted_run() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/market-panic.toml"
    );
    let mut scenario = Scenario::from_path(path.as_ref()).expect("shipped scenario parses");
    scenario
        .apply_override("population.agents", "3000")
        .expect("override");
    let mut straight = Simulation::new(&scenario, None).expect("builds");
    for _ in 0..10 {
        straight.step();
    }
    let mut first = Simulation::new(&scenario, None).expect("builds");
    for _ in 0..5 {
        first.step();
    }
    let bytes = serde_json::to_vec(&first.world).expect("serialise");
    let world: World = serde_json::from_slice(&bytes).expect("deserialise");
    assert!(world == first.world, "JSON round trip changed the world");
    let mut resumed = Simulation::resume(&scenario, world);
    for _ in 0..5 {
        resumed.step();
    }
    assert!(resumed.world.items.len() > 100);
    assert!(resumed.world == straight.world, "resumed run diverged");
}

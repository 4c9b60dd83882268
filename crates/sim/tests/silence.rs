//! Silenced agents author nothing: the stochastic counterpart of participation w_i = 0.

use emergent_scenario::Scenario;
use emergent_sim::Simulation;

#[test]
fn silenced_agents_author_no_items_and_others_still_do() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/quickstart.toml"
    ))
    .unwrap();
    let mut s = Scenario::from_str(&text, "quickstart.toml").unwrap();
    s.apply_override("population.agents", "2000").unwrap();
    s.apply_override("scenario.ticks", "10").unwrap();
    s.apply_override("population.silenced", "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]")
        .unwrap();
    let mut sim = Simulation::new(&s, None).unwrap();
    while !sim.is_done() {
        sim.step();
    }
    let w = &sim.world;
    let authored = |a: u32| {
        (0..w.items.len())
            .filter(|&i| w.items.author[i] == a)
            .count()
    };
    for a in 0..10 {
        assert_eq!(authored(a), 0, "silenced agent {a} authored items");
    }
    let posts = w.feature("posts").unwrap();
    assert!(posts[..10].iter().all(|p| *p == 0.0));
    assert!(
        posts[10..].iter().sum::<f64>() > 100.0,
        "everyone else went quiet too"
    );
}

#[test]
fn noise_seed_replicates_one_world_with_fresh_draws() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/quickstart.toml"
    ))
    .unwrap();
    let world = |noise: Option<&str>| {
        let mut s = Scenario::from_str(&text, "quickstart.toml").unwrap();
        s.apply_override("population.agents", "1500").unwrap();
        s.apply_override("scenario.ticks", "5").unwrap();
        if let Some(n) = noise {
            s.apply_override("scenario.noise_seed", n).unwrap();
        }
        let mut sim = Simulation::new(&s, None).unwrap();
        let start = (
            sim.world.feature("followers").unwrap(),
            sim.world.feature("stance").unwrap(),
        );
        while !sim.is_done() {
            sim.step();
        }
        (start, sim.world.feature("stance").unwrap())
    };
    let (a0, a) = world(None);
    let (b0, b) = world(Some("99"));
    assert_eq!(
        a0, b0,
        "the network and initial stances must not depend on the noise seed"
    );
    assert_ne!(a, b, "different noise seeds gave identical runs");
}

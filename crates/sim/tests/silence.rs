//! Silenced agents author nothing: the stochastic counterpart of participation w_i = 0.

use emergent_sim::Scenario;

#[test]
fn silenced_agents_author_no_items_and_others_still_do() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/quickstart.toml")).unwrap();
    let mut s = Scenario::from_str(&text, "quickstart.toml").unwrap();
    s.apply_override("population.agents", "2000").unwrap();
    s.apply_override("scenario.ticks", "10").unwrap();
    s.apply_override("population.silenced", "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]").unwrap();
    let mut sim = s.build().unwrap();
    while !sim.is_done() {
        sim.step();
    }
    let w = &sim.world;
    let authored = |a: u32| (0..w.items.len()).filter(|&i| w.items.author[i] == a).count();
    for a in 0..10 {
        assert_eq!(authored(a), 0, "silenced agent {a} authored items");
    }
    let posts = w.feature("posts").unwrap();
    assert!(posts[..10].iter().all(|p| *p == 0.0));
    assert!(posts[10..].iter().sum::<f64>() > 100.0, "everyone else went quiet too");
}

//! Same seed, same result for any thread count; different seeds differ.

use emergent_scenario::Scenario;
use emergent_sim::{Features, Simulation};

fn run(text: &str, threads: usize, ticks: u32) -> (Features, usize) {
    let scenario = Scenario::from_str(text, "inline.toml").expect("valid scenario");
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
        .install(|| {
            let mut sim = Simulation::new(&scenario, None).expect("buildable");
            let mut events = 0;
            for _ in 0..ticks {
                events += sim.step().events.len();
            }
            (sim.world.features(), events)
        })
}

const BASE: &str = r#"
[scenario]
name = "det"
seed = SEED
[population]
agents = 20000
communities = 3
[population.activity]
median = 0.3
[network]
generator = "sbm"
p_in = 0.002
p_out = 0.0002
[feed]
ranking = "hot"
[policy]
kind = "bounded_confidence"
[policy.bounded_confidence]
follow_prob = 0.3
unfollow_prob = 0.3
unfollow_distance = 0.5
"#;

#[test]
fn one_and_two_threads_agree_and_seeds_matter() {
    let text = BASE.replace("SEED", "5");
    let (one, e1) = run(&text, 1, 8);
    let (two, e2) = run(&text, 2, 8);
    assert!(e1 > 10_000, "the run must actually do things ({e1} events)");
    assert_eq!(e1, e2);
    assert_eq!(one, two, "features differ between 1 and 2 threads");
    // Follow/unfollow really happened, so the graph-editing path is covered.
    let following = one.get("following").expect("column");
    let initial = run(&text, 2, 0).0;
    assert_ne!(following, initial.get("following").expect("column"));

    let (other, _) = run(&BASE.replace("SEED", "6"), 2, 8);
    assert_ne!(one.get("stance"), other.get("stance"));
}

#[test]
fn panic_cascade_and_radicalization_are_thread_independent_too() {
    for policy in [
        "kind = \"panic\"\n[policy.panic]\nherding = 1.0\nfear = 2.0",
        // The Cont–Bouchaud market: herding clusters, buy-side feed herding, a market maker.
        "kind = \"panic\"\n[policy.panic]\nherding = 1.0\nfear = 2.0\nbuy_herding = 1.0\ncluster_trade = 0.05\ncluster_degree = 1.0\nreversion = 0.1\nholdings = 5.0\nsell_fraction = 0.3",
        "kind = \"cascade\"\n[policy.cascade]\np = 0.2\npost_prob = 0.05\nmodel = \"threshold\"\nthreshold = 0.05",
        "kind = \"radicalization\"\n[policy.radicalization]\ndt = 0.1\nfollow_prob = 0.5\nunfollow_prob = 0.5",
    ] {
        let text = BASE
            .replace("SEED", "9")
            .split("[policy]")
            .next()
            .map(|head| format!("{head}[policy]\n{policy}\n"))
            .expect("has a policy section");
        let (one, _) = run(&text, 1, 10);
        let (two, _) = run(&text, 2, 10);
        assert_eq!(one, two, "policy {policy}");
    }
}

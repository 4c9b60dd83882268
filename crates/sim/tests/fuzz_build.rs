//! Fuzzing the engine with scenarios the validator accepts: a shipped social scenario, made
//! small, with a few keys set to extreme values. Whatever is accepted builds its world and
//! runs a few ticks without a panic (issue #17: values the validator accepted used to
//! overflow a feed's capacity or exhaust memory).

use emergent_scenario::{GeneratorKind, NetworkConfig, Scenario};
use emergent_sim::Simulation;
use proptest::prelude::*;

/// The shipped social scenarios (an economy has no world of this engine).
const SHIPPED: [&str; 4] = [
    include_str!("../../../scenarios/quickstart.toml"),
    include_str!("../../../scenarios/polarization.toml"),
    include_str!("../../../scenarios/cascade.toml"),
    include_str!("../../../scenarios/market-panic.toml"),
];

/// Keys that shape the world or a tick.
const KEYS: &[&str] = &[
    "population.communities",
    "population.topics",
    "population.stance_noise",
    "population.activity.median",
    "population.activity.sigma",
    "population.activity.min",
    "network.m",
    "network.k",
    "network.p_in",
    "network.exponent",
    "network.min_degree",
    "network.max_degree",
    "feed.size",
    "feed.out_of_network_share",
    "feed.window",
    "feed.followee_sample",
    "feed.hot_decay",
    "feed.ranking",
    "policy.kind",
    "policy.bounded_confidence.epsilon",
    "policy.bounded_confidence.post_noise",
    "policy.cascade.model",
    "policy.cascade.p",
    "policy.panic.impact",
    "policy.panic.holdings",
    "policy.panic.cash",
    "policy.panic.buy_amount",
    "policy.panic.lookback",
];

const VALUES: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "0.5",
    "1.0",
    "1000",
    "100",
    "-100",
    "1e9",
    "1e-300",
    "1.0000001",
    "\"hot\"",
    "\"popularity\"",
    "\"stance_similarity\"",
    "\"cascade\"",
    "\"panic\"",
    "\"threshold\"",
    "\"bounded_confidence\"",
];

proptest! {
    #[test]
    fn fuzz_scenario_parser_accepted_worlds_build_and_run(
        which in 0..SHIPPED.len(),
        agents in 2usize..120,
        sets in proptest::collection::vec(
            (proptest::sample::select(KEYS), proptest::sample::select(VALUES)), 1..4),
    ) {
        let mut s = Scenario::from_str(SHIPPED[which], "shipped.toml").expect("shipped");
        let small = [
            ("population.agents", agents.to_string()),
            ("population.communities", "1".to_string()),
            ("scenario.ticks", "3".to_string()),
        ];
        let small: Vec<(&str, &str)> = small.iter().map(|(k, v)| (*k, v.as_str())).collect();
        // A BA graph with m = 1: valid for any number of agents ≥ 2.
        s.network = NetworkConfig {
            generator: GeneratorKind::Ba,
            m: Some(1),
            ..NetworkConfig::default()
        };
        s.apply_overrides(&small).expect("a small BA world is valid");
        let pairs: Vec<(&str, &str)> = sets.iter().map(|(k, v)| (*k, *v)).collect();
        if s.apply_overrides(&pairs).is_err() {
            return Ok(());
        }
        let mut sim = Simulation::new(&s, None).expect("an accepted scenario builds");
        while !sim.is_done() {
            sim.step();
        }
    }
}

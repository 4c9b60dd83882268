//! Property-based fuzzing of the scenario parser and validator: arbitrary text, and the
//! shipped scenarios with one value replaced by an extreme, a line dropped or duplicated, or a
//! `--set` override. Nothing panics, and every scenario that is accepted has every value
//! inside the documented ranges (scenarios/README.md, "Ranges").

use emergent_scenario::Scenario;
use emergent_scenario::limits::{
    MAX_EDGES, MAX_FEED_ITEMS, MAX_FEED_SIZE, MAX_INDICATORS, MAX_NODES, MAX_SEED, MAX_TICKS,
};
use proptest::prelude::*;

/// The shipped scenarios, as text.
const SHIPPED: [&str; 8] = [
    include_str!("../../../scenarios/quickstart.toml"),
    include_str!("../../../scenarios/polarization.toml"),
    include_str!("../../../scenarios/cascade.toml"),
    include_str!("../../../scenarios/market-panic.toml"),
    include_str!("../../../scenarios/million.toml"),
    include_str!("../../../scenarios/econagent.toml"),
    include_str!("../../../scenarios/social-llm-20.toml"),
    include_str!("../../../scenarios/midscale-social-1000.toml"),
];

/// Values a user (or an attacker) might put where a number goes.
const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "0.5",
    "1.5",
    "-0.5",
    "1e308",
    "-1e308",
    "1e-308",
    "nan",
    "inf",
    "-inf",
    "1e9",
    "1000000000",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551615",
    "\"x\"",
    "true",
    "[]",
    "{}",
];

/// Keys worth overriding: every numeric key of every section.
const KEYS: &[&str] = &[
    "scenario.ticks",
    "scenario.seed",
    "scenario.noise_seed",
    "population.agents",
    "population.communities",
    "population.topics",
    "population.stance_noise",
    "population.activity.median",
    "population.activity.sigma",
    "population.activity.min",
    "population.activity.max",
    "population.susceptibility.low",
    "population.susceptibility.high",
    "network.m",
    "network.p_in",
    "network.p_out",
    "network.k",
    "network.beta",
    "network.exponent",
    "network.min_degree",
    "network.max_degree",
    "feed.size",
    "feed.out_of_network_share",
    "feed.window",
    "feed.followee_sample",
    "feed.hot_decay",
    "policy.bounded_confidence.epsilon",
    "policy.bounded_confidence.mu",
    "policy.bounded_confidence.post_noise",
    "policy.bounded_confidence.follow_distance",
    "policy.cascade.p",
    "policy.cascade.threshold",
    "policy.panic.impact",
    "policy.panic.initial_price",
    "policy.panic.cash",
    "policy.panic.lookback",
    "record.every",
    "checkpoint.every",
    "partition.parts",
    "attribution.nodes",
    "llm.temperature",
    "llm.max_tokens",
    "llm.timeout_secs",
    "llm.max_retries",
    "llm.backoff_max_ms",
    "econ.skill_min",
    "econ.skill_max",
    "econ.hours_per_month",
    "econ.natural_rate",
    "econ.memory",
];

/// Every float in the scenario is finite, and the caps hold.
fn assert_in_ranges(s: &Scenario) {
    let value = toml::Value::try_from(s).expect("an accepted scenario serializes");
    assert_finite(&value, "");
    let m = &s.scenario;
    assert!((1..=MAX_TICKS).contains(&m.ticks), "ticks {}", m.ticks);
    assert!(m.seed <= MAX_SEED && m.noise_seed.is_none_or(|n| n <= MAX_SEED));
    let n = s.population.agents;
    assert!(n >= 1 && n < u32::MAX as usize);
    assert!((1..=n).contains(&s.population.communities));
    assert!((1..=MAX_FEED_SIZE).contains(&s.feed.size));
    assert!(s.feed.size as u64 * n as u64 <= MAX_FEED_ITEMS);
    assert!((0.0..=1.0).contains(&s.feed.out_of_network_share));
    assert!(s.indicators.len() <= MAX_INDICATORS);
    assert!((1..=MAX_NODES).contains(&s.attribution.nodes));
    assert!(s.record.every >= 1);
    let a = &s.population.activity;
    for p in [a.median, a.min, a.max] {
        assert!((0.0..=1.0).contains(&p));
    }
    let c = &s.policy.cascade;
    for p in [c.p, c.threshold, c.post_prob, c.like_prob] {
        assert!((0.0..=1.0).contains(&p));
    }
    assert!(s.policy.panic.impact.abs() <= 100.0);
    if let Some((_, edges)) = s.network.expected_edges(n, s.population.communities) {
        assert!(edges <= MAX_EDGES, "{edges} edges");
    }
}

fn assert_finite(v: &toml::Value, at: &str) {
    match v {
        toml::Value::Float(f) => assert!(f.is_finite(), "{at} = {f}"),
        toml::Value::Table(t) => t.iter().for_each(|(k, v)| assert_finite(v, k)),
        toml::Value::Array(a) => a.iter().for_each(|v| assert_finite(v, at)),
        _ => {}
    }
}

/// Parse and validate; when accepted, check the ranges.
fn check(text: &str) {
    if let Ok(s) = Scenario::from_str(text, "fuzz.toml") {
        assert_in_ranges(&s);
    }
}

/// One line of `text` changed: its value replaced, the line dropped, or duplicated.
fn mutate(text: &str, line: usize, how: u8, value: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let at = line % lines.len().max(1);
    let mut out: Vec<String> = Vec::with_capacity(lines.len() + 1);
    for (i, l) in lines.iter().enumerate() {
        if i != at {
            out.push(l.to_string());
            continue;
        }
        match (how % 3, l.split_once('=')) {
            (0, Some((key, _))) => out.push(format!("{key}= {value}")),
            (1, _) => {}
            _ => {
                out.push(l.to_string());
                out.push(l.to_string());
            }
        }
    }
    out.join("\n")
}

fn extreme() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(EXTREMES).prop_map(str::to_string),
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| format!("{v:?}")),
    ]
}

proptest! {
    #[test]
    fn fuzz_scenario_parser_arbitrary_text(text in ".{0,400}") {
        check(&text);
    }

    #[test]
    fn fuzz_scenario_parser_mutated_shipped(
        which in 0..SHIPPED.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), extreme()), 1..4),
    ) {
        let mut text = SHIPPED[which].to_string();
        for (line, how, value) in &edits {
            text = mutate(&text, *line, *how, value);
        }
        check(&text);
    }

    #[test]
    fn fuzz_scenario_parser_overrides(
        which in 0..SHIPPED.len(),
        sets in proptest::collection::vec(
            (proptest::sample::select(KEYS), extreme()), 1..4),
    ) {
        let Ok(mut s) = Scenario::from_str(SHIPPED[which], "shipped.toml") else {
            panic!("shipped scenario {which} is invalid");
        };
        let pairs: Vec<(&str, &str)> =
            sets.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if s.apply_overrides(&pairs).is_ok() {
            assert_in_ranges(&s);
        }
    }
}

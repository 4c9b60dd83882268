//! Bad scenario files are rejected with `file:line:column` pointing at the fault.

use emergent_scenario::Scenario;

const GOOD: &str = r#"[scenario]
name = "t"
ticks = 5

[population]
agents = 100

[network]
generator = "ba"
m = 3

[policy]
kind = "cascade"

[[indicators]]
name = "v"
expr = "var(stance)"
"#;

/// Replace `from` in GOOD by `to`, parse, and return the error message.
fn error_of(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "fixture lacks {from}");
    match Scenario::from_str(&GOOD.replacen(from, to, 1), "bad.toml") {
        Ok(_) => panic!("`{to}` should be rejected"),
        Err(e) => e.to_string(),
    }
}

fn assert_at(msg: &str, line_col: &str, needle: &str) {
    assert!(
        msg.starts_with(&format!("bad.toml:{line_col}:")),
        "wrong place: {msg}"
    );
    assert!(msg.contains(needle), "message lacks `{needle}`: {msg}");
}

#[test]
fn the_fixture_itself_is_valid_and_takes_defaults() {
    let s = Scenario::from_str(GOOD, "good.toml").expect("valid");
    assert_eq!(s.population.agents, 100);
    assert_eq!(s.feed.size, 20);
    assert_eq!(s.indicators[0].baseline, "zero");
}

#[test]
fn typo_in_a_key() {
    assert_at(&error_of("agents = 100", "agnets = 100"), "6:1", "agnets");
}

#[test]
fn wrong_type() {
    assert_at(&error_of("ticks = 5", "ticks = \"five\""), "3:9", "");
}

#[test]
fn negative_agents() {
    assert_at(&error_of("agents = 100", "agents = -5"), "6:10", "");
}

#[test]
fn zero_agents_is_a_semantic_error_at_the_value() {
    assert_at(
        &error_of("agents = 100", "agents = 0"),
        "6:10",
        "at least 1",
    );
}

#[test]
fn probability_out_of_range_in_a_sub_table() {
    let msg = error_of(
        "kind = \"cascade\"",
        "kind = \"cascade\"\n[policy.cascade]\np = 1.5",
    );
    assert_at(&msg, "15:5", "[0, 1]");
}

#[test]
fn parameter_of_another_generator() {
    assert_at(
        &error_of("m = 3", "beta = 0.1"),
        "10:8",
        "not a parameter of generator `ba`",
    );
}

#[test]
fn unknown_enum_value() {
    assert_at(
        &error_of("generator = \"ba\"", "generator = \"gnp\""),
        "9:13",
        "gnp",
    );
}

#[test]
fn erdos_renyi_mean_degree_and_cascade_seeds_are_range_checked() {
    let msg = error_of("generator = \"ba\"\nm = 3", "generator = \"er\"\nz = 0.0");
    assert_at(&msg, "10:5", "(0, 99]");
    let msg = error_of("generator = \"ba\"\nm = 3", "generator = \"er\"\nz = 100.0");
    assert_at(&msg, "10:5", "(0, 99]");
    let msg = error_of("generator = \"ba\"\nm = 3", "generator = \"er\"\nm = 3");
    assert_at(&msg, "10:5", "not a parameter of generator `er`");
    let ok = GOOD.replacen(
        "generator = \"ba\"\nm = 3",
        "generator = \"er\"\nz = 4.0\nreciprocal = true",
        1,
    );
    let s = Scenario::from_str(&ok, "ok.toml").expect("valid");
    assert!(s.network.reciprocal && s.network.z == Some(4.0));
    let with_policy = |cascade: &str| {
        ok.replacen(
            "kind = \"cascade\"",
            &format!("kind = \"cascade\"\n\n[policy.cascade]\n{cascade}\n"),
            1,
        )
    };
    let bad = |cascade: &str| match Scenario::from_str(&with_policy(cascade), "bad.toml") {
        Ok(_) => panic!("`{cascade}` should be rejected"),
        Err(e) => e.to_string(),
    };
    // [policy.cascade] is line 16 of the fixture; its first key line 17.
    assert_at(&bad("threshold = -0.1"), "17:13", "[0, 1]");
    assert_at(&bad("seeds = [3, 100]"), "17:13", "agent id 100");
    assert_at(
        &bad("threshold_low = 0.6\nthreshold_high = 0.5"),
        "17:17",
        "threshold_high",
    );
    assert_at(&bad("thresholds = \"lognormal\""), "17:14", "lognormal");
    let s = Scenario::from_str(
        &with_policy("model = \"watts\"\nthresholds = \"normal\"\nthreshold = 0.18\nthreshold_sd = 0.05\nseeds = [0, 99]"),
        "ok.toml",
    )
    .expect("valid");
    assert_eq!(s.policy.cascade.seeds, vec![0, 99]);
}

#[test]
fn edge_list_without_path() {
    let msg = error_of("generator = \"ba\"\nm = 3", "generator = \"edgelist\"");
    assert_at(&msg, "9:13", "needs `path");
}

#[test]
fn missing_edge_list_file() {
    let msg = error_of(
        "generator = \"ba\"\nm = 3",
        "generator = \"edgelist\"\npath = \"nope.csv\"",
    );
    assert_at(&msg, "10:8", "nope.csv");
}

#[test]
fn bad_indicator_baseline() {
    let msg = error_of(
        "expr = \"var(stance)\"",
        "expr = \"var(stance)\"\nbaseline = \"median\"",
    );
    assert_at(&msg, "18:12", "baseline");
    assert!(msg.contains("\"initial\""), "lists every baseline: {msg}");
}

#[test]
fn the_initial_baseline_is_for_social_runs() {
    let initial = GOOD.replace(
        "expr = \"var(stance)\"",
        "expr = \"var(stance)\"\nbaseline = \"initial\"",
    );
    let s = Scenario::from_str(&initial, "good.toml").expect("a social run accepts it");
    assert_eq!(s.indicators[0].baseline, "initial");
    let econ = initial.replace("[policy]", "[econ]\n\n[policy]");
    let msg = match Scenario::from_str(&econ, "bad.toml") {
        Ok(_) => panic!("an [econ] run has no initial state"),
        Err(e) => e.to_string(),
    };
    assert_at(&msg, "20:12", "for social runs");
}

#[test]
fn syntax_error() {
    assert_at(&error_of("ticks = 5", "ticks = = 5"), "3:9", "");
}

#[test]
fn overrides_set_values_and_reject_unknown_keys() {
    let mut s = Scenario::from_str(GOOD, "good.toml").expect("valid");
    s.apply_override("population.agents", "1000")
        .expect("known key");
    assert_eq!(s.population.agents, 1000);
    s.apply_override("policy.cascade.p", "0.25")
        .expect("sub-table created on demand");
    assert_eq!(s.policy.cascade.p, 0.25);
    s.apply_override("feed.ranking", "hot")
        .expect("bare string accepted");
    let e = s
        .apply_override("population.agentz", "5")
        .expect_err("unknown key");
    assert!(e.to_string().contains("agentz"), "{e}");
    let e = s
        .apply_override("population.agents", "0")
        .expect_err("invalid value");
    assert!(e.to_string().contains("at least 1"), "{e}");
    assert_eq!(
        s.population.agents, 1000,
        "a failed override leaves the scenario unchanged"
    );
}

#[test]
fn shipped_scenarios_parse() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("scenarios folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            Scenario::from_path(&path).unwrap_or_else(|e| panic!("{e}"));
            seen += 1;
        }
    }
    assert!(seen >= 5, "expected the five shipped scenarios, saw {seen}");
}

#[test]
fn partition_errors_point_at_the_key_and_say_what_to_do() {
    let table = "[policy]\nkind = \"cascade\"\n";
    let metis = "[partition]\nmethod = \"metis\"\n\n[policy]\nkind = \"cascade\"\n";
    let msg = error_of(table, metis);
    if cfg!(feature = "metis") {
        // `parts` is missing.
        assert!(msg.contains("METIS needs `parts`"), "{msg}");
    } else {
        assert_at(&msg, "13:10", "--features metis");
    }
    let parts = "[partition]\nparts = 4\n\n[policy]\nkind = \"cascade\"\n";
    assert!(
        error_of(table, parts).contains("only `method = \"metis\"` takes `parts`"),
        "{}",
        error_of(table, parts)
    );
}

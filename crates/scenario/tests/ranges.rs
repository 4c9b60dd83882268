//! Every key has a documented range; values outside it are refused at `file:line:column` with
//! the range in the message (issue #17, items 7, 8 and 11: values the validator used to accept
//! panicked, exhausted memory or ran for tens of minutes).

use emergent_scenario::Scenario;

const BASE: &str = r#"[scenario]
name = "t"
ticks = 5
seed = 1

[population]
agents = 100

[network]
generator = "ba"
m = 3

[feed]
size = 20

[policy]
kind = "panic"

[policy.panic]
impact = 2.0

[attribution]
nodes = 8

[[indicators]]
name = "v"
expr = "var(stance)"
"#;

/// Replace `from` in BASE by `to`, parse, and return the error message.
fn error_of(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "fixture lacks {from}");
    match Scenario::from_str(&BASE.replacen(from, to, 1), "bad.toml") {
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

/// `--set key=value` on BASE: the error message.
fn override_error(key: &str, value: &str) -> String {
    let mut s = Scenario::from_str(BASE, "base.toml").expect("BASE is valid");
    match s.apply_override(key, value) {
        Ok(()) => panic!("--set {key}={value} should be rejected"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_fixture_is_valid() {
    Scenario::from_str(BASE, "base.toml").expect("valid");
}

#[test]
fn every_shipped_scenario_is_inside_the_ranges() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("scenarios/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            Scenario::from_path(&path).unwrap_or_else(|e| panic!("{e}"));
            seen += 1;
        }
    }
    assert!(seen >= 8, "only {seen} scenarios");
}

#[test]
fn panic_impact_1e308_is_refused_with_its_range() {
    // It used to panic in runner/src/indicators.rs: the price overflowed, cash became NaN.
    let msg = error_of("impact = 2.0", "impact = 1e308");
    assert_at(&msg, "20:10", "[-100, 100]");
}

#[test]
fn non_finite_numbers_are_refused() {
    for v in ["nan", "inf", "-inf"] {
        let msg = error_of("impact = 2.0", &format!("impact = {v}"));
        assert_at(&msg, "20:10", "must be a number in");
    }
}

#[test]
fn feed_size_i64_max_is_refused() {
    // It used to overflow a capacity multiplication in sim/src/feed.rs.
    let msg = error_of("size = 20", "size = 9223372036854775807");
    assert_at(&msg, "14:8", "at most 1000");
}

#[test]
fn feed_size_1e9_is_refused() {
    // It used to try to allocate 1024·10^9 item ids.
    let msg = override_error("feed.size", "1000000000");
    assert!(msg.contains("feed.size: must be at most 1000"), "{msg}");
}

#[test]
fn feed_items_per_tick_fit_32_bit_offsets() {
    let msg = override_error("population.agents", "300000000");
    assert!(msg.contains("feed.size") && msg.contains("32-bit"), "{msg}");
}

#[test]
fn ten_thousand_indicators_are_refused() {
    let mut text = BASE.to_string();
    for i in 0..10_000 {
        text.push_str(&format!(
            "[[indicators]]\nname = \"i{i}\"\nexpr = \"mean(posts)\"\n"
        ));
    }
    let msg = Scenario::from_str(&text, "bad.toml").expect_err("too many");
    let msg = msg.to_string();
    assert!(msg.contains("at most 64"), "{msg}");
    // Located at the first indicator past the cap.
    assert!(msg.starts_with("bad.toml:"), "{msg}");
    assert!(!msg.starts_with("bad.toml:1:1:"), "not located: {msg}");
}

#[test]
fn sixty_four_indicators_are_fine() {
    let mut text = BASE.to_string();
    for i in 1..64 {
        text.push_str(&format!(
            "[[indicators]]\nname = \"i{i}\"\nexpr = \"mean(posts)\"\n"
        ));
    }
    Scenario::from_str(&text, "ok.toml").expect("64 indicators");
}

#[test]
fn attribution_nodes_are_bounded_before_the_run() {
    assert_at(
        &error_of("nodes = 8", "nodes = 100000000"),
        "23:9",
        "at most 64",
    );
    assert_at(&error_of("nodes = 8", "nodes = 0"), "23:9", "at least 1");
}

#[test]
fn a_dense_network_is_refused_before_it_is_built() {
    let mut s = Scenario::from_str(BASE, "base.toml").expect("valid");
    let e = s
        .apply_overrides(&[("population.agents", "1000000"), ("network.m", "999999")])
        .expect_err("10^12 edges");
    assert!(e.to_string().contains("follow edges"), "{e}");
}

#[test]
fn ticks_are_bounded() {
    assert_at(
        &error_of("ticks = 5", "ticks = 4000000000"),
        "3:9",
        "at most 100000",
    );
}

#[test]
fn seeds_up_to_2_pow_63_minus_1_work() {
    let s = Scenario::from_str(
        &BASE.replacen("seed = 1", "seed = 9223372036854775807", 1),
        "ok.toml",
    )
    .expect("largest seed");
    assert_eq!(s.scenario.seed, i64::MAX as u64);
    let mut s = Scenario::from_str(BASE, "base.toml").expect("valid");
    s.apply_override("scenario.seed", "9223372036854775807")
        .expect("largest seed by --set");
    assert_eq!(s.scenario.seed, i64::MAX as u64);
}

#[test]
fn seeds_of_2_pow_63_or_negative_are_refused_plainly() {
    let msg = error_of("seed = 1", "seed = -1");
    assert_at(&msg, "4:8", "[0, 9223372036854775807]");
    let msg = error_of("seed = 1", "seed = 9223372036854775808");
    assert!(msg.starts_with("bad.toml:4:8:"), "{msg}");
    for v in ["9223372036854775808", "18446744073709551615", "-1"] {
        let msg = override_error("scenario.seed", v);
        assert!(msg.contains("[0, 9223372036854775807]"), "{v}: {msg}");
        let msg = override_error("scenario.noise_seed", v);
        assert!(msg.contains("[0, 9223372036854775807]"), "{v}: {msg}");
    }
}

#[test]
fn silenced_ids_must_be_agents() {
    let msg = error_of("agents = 100", "agents = 100\nsilenced = [1, 100]");
    assert_at(&msg, "8:16", "not below the number of agents");
}

//! The radicalization, power-law activity and backfire keys refuse bad values at their
//! `file:line:column` (issue #18: β < 0, an activity exponent ≤ 1).

use emergent_scenario::Scenario;

const BASE: &str = r#"[scenario]
name = "t"
ticks = 5

[population]
agents = 100

[population.activity]
distribution = "powerlaw"
exponent = 2.1
min = 0.01

[policy]
kind = "radicalization"

[policy.radicalization]
beta = 3.0
contacts = 10
dt = 0.01

[policy.bounded_confidence]
epsilon = 0.3
repulsion = 0.0
"#;

/// Replace `from` in BASE by `to`, parse, and return the error message.
fn error_of(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "fixture lacks {from}");
    match Scenario::from_str(&BASE.replacen(from, to, 1), "bad.toml") {
        Ok(_) => panic!("`{to}` should be rejected"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_base_is_valid() {
    let s = Scenario::from_str(BASE, "ok.toml").unwrap();
    assert_eq!(s.policy.radicalization.contacts, 10);
}

#[test]
fn bad_values_are_refused_where_they_are() {
    for (from, to, at, needle) in [
        ("beta = 3.0", "beta = -0.5", "17:8", "[0, 1000]"),
        ("exponent = 2.1", "exponent = 1.0", "10:12", "(1, 100]"),
        ("exponent = 2.1", "exponent = 0.5", "10:12", "(1, 100]"),
        ("min = 0.01", "min = 0.0", "11:7", "above 0 for a power law"),
        ("contacts = 10", "contacts = 13", "18:12", "at most 12"),
        ("dt = 0.01", "dt = 0.0", "19:6", "(0, 1]"),
        (
            "repulsion = 0.0",
            "repulsion = 0.2\nrejection_distance = 0.1",
            "24:22",
            "must not be below epsilon",
        ),
        ("repulsion = 0.0", "repulsion = 1.5", "23:13", "probability"),
    ] {
        let msg = error_of(from, to);
        assert!(
            msg.starts_with(&format!("bad.toml:{at}:")),
            "wrong place: {msg}"
        );
        assert!(msg.contains(needle), "message lacks `{needle}`: {msg}");
    }
}

#[test]
fn an_exponent_is_only_checked_against_one_for_a_power_law() {
    let lognormal = BASE
        .replace(
            "distribution = \"powerlaw\"",
            "distribution = \"lognormal\"",
        )
        .replace("exponent = 2.1", "exponent = 0.5");
    assert!(Scenario::from_str(&lognormal, "ok.toml").is_ok());
}

//! A feature that leaves the finite numbers at run time (a panic-market price driven past f64
//! by parameters each inside its range) stops the run with a message naming the scenario
//! file, the feature, the agent and the tick, instead of a panic (issue #17, item 7).

use std::path::Path;

use emergent_runner::{NoRunProgress, RunOptions, start};

#[test]
fn a_price_driven_past_f64_is_an_error_naming_the_feature() {
    let out = tempfile::tempdir().expect("tempdir");
    let opts = RunOptions {
        scenario: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/market-panic.toml"),
        out: Some(out.path().join("run")),
        overrides: [
            "population.agents=500",
            "scenario.ticks=20",
            "policy.panic.impact=100",
            "policy.panic.holdings=1e9",
            "policy.panic.cash=1e9",
            "policy.panic.buy_amount=1e9",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        ..RunOptions::default()
    };
    let err = match start(&opts, &NoRunProgress) {
        Ok(_) => panic!("the run should stop"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("market-panic.toml: feature `"), "{err}");
    assert!(err.contains("at tick"), "{err}");
    assert!(err.contains("finite"), "{err}");
}

//! `baseline = "initial"` end to end: a polarization run attributes its scale-free indicators
//! (echo-chamber index, bimodality) from every agent's features at tick 0, `emergent
//! attribute RUN_DIR --baseline initial` gives the same numbers, `emergent study` reads the
//! scenario's initial baselines, and `initial` without a run directory is a clear error.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn small_polarization(dir: &Path) -> PathBuf {
    let run = dir.join("run");
    let scenario = repo().join("scenarios/polarization.toml");
    ok(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--set",
        "population.agents=1200",
        "--set",
        "scenario.ticks=10",
    ]);
    run
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn a_run_attributes_scale_free_indicators_from_its_initial_state() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_polarization(dir.path());
    let attribution = json(&std::fs::read_to_string(run.join("attribution.json")).unwrap());
    let outcome = |name: &str| {
        attribution["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .unwrap()
            .clone()
    };
    for (name, expr) in [
        ("echo_chamber_index", "corr(stance, followee_stance)"),
        ("bimodality", "bimodality(stance)"),
    ] {
        let o = outcome(name);
        assert!(o["error"].is_null(), "{name}: {}", o["error"]);
        assert_eq!(o["baseline"], "initial");
        let delta = o["value"].as_f64().unwrap() - o["baseline_value"].as_f64().unwrap();
        assert!(delta.abs() > 1e-6, "{name}: the run moved it");
        assert!(o["completeness_gap"].as_f64().unwrap() < 1e-3, "{name}");
        // The command line, on the run directory, agrees with the run's own attribution.
        let a = json(&ok(&[
            "attribute",
            "--features",
            run.to_str().unwrap(),
            "--indicator",
            expr,
            "--baseline",
            "initial",
            "--json",
        ]));
        assert_eq!(a["baseline"], "initial");
        for k in ["value", "baseline_value"] {
            let (x, y) = (a[k].as_f64().unwrap(), o[k].as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-12 * (1.0 + y.abs()),
                "{name} {k}: {x} vs {y}"
            );
        }
        let sum = a["sum_phi"].as_f64().unwrap();
        assert!(
            (sum - delta).abs() <= 1e-3 * delta.abs(),
            "{name}: Σφ {sum} vs {delta}"
        );
    }
    // The study reads the scenario's baselines, `initial` included.
    let out = dir.path().join("study");
    ok(&[
        "study",
        run.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--seeds",
        "2",
        "--no-sweeps",
    ]);
    let md = std::fs::read_to_string(out.join("study.md")).unwrap();
    assert!(md.contains("echo_chamber_index"), "{md}");

    // `initial` needs a run directory: a feature file alone has no first tick.
    let features = run.join("features.parquet");
    let e = fails(&[
        "attribute",
        "--features",
        features.to_str().unwrap(),
        "--indicator",
        "corr(stance, followee_stance)",
        "--baseline",
        "initial",
    ]);
    assert!(
        e.contains("--baseline initial") && e.contains("run directory"),
        "{e}"
    );
    let e = fails(&[
        "study",
        "--features",
        features.to_str().unwrap(),
        "--indicator",
        "bimodality(stance)",
        "--baseline",
        "initial",
    ]);
    assert!(
        e.contains("--baseline initial") && e.contains("run directory"),
        "{e}"
    );
    // A run directory whose ticks table is gone: the error names the file.
    std::fs::remove_file(run.join("ticks.parquet")).unwrap();
    let e = fails(&[
        "attribute",
        "--features",
        run.to_str().unwrap(),
        "--indicator",
        "bimodality(stance)",
        "--baseline",
        "initial",
    ]);
    assert!(
        e.contains("ticks.parquet") && e.contains("not found"),
        "{e}"
    );
}

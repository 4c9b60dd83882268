//! `emergent study` and `emergent report` end to end through the binary: a real run, its
//! study and report, the --features form, and the errors a user meets first.

mod common;
use common::*;

use std::path::{Path, PathBuf};

/// A small quickstart run (2000 agents, 20 ticks) in `dir/run`.
fn small_run(dir: &Path) -> PathBuf {
    let run = dir.join("run");
    let s = ok(&[
        "run",
        &quickstart(),
        "--out",
        run.to_str().unwrap(),
        "--set",
        "population.agents=2000",
        "--set",
        "scenario.ticks=20",
    ]);
    assert!(
        s.contains(&format!("report: {}/report.md", run.display())),
        "{s}"
    );
    assert!(run.join("report.md").is_file() && run.join("report.html").is_file());
    run
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out.sort();
    out
}

#[test]
fn study_then_report_on_a_run_directory() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_run(dir.path());
    let r = run.to_str().unwrap();
    let s = ok(&["study", r, "--seeds", "3", "--panel-size", "50"]);
    assert!(
        s.contains("studied 3 indicator(s) on 2000 agents: 4 protocol(s) × 3 panels of 50 agents"),
        "{s}"
    );
    assert!(
        s.contains("polarization = var(stance)") && s.contains("nonlinear indicator"),
        "{s}"
    );
    assert!(
        s.contains(&format!("outputs in {}/", run.join("study").display())),
        "{s}"
    );
    let study = run.join("study");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(study.join("study.json")).unwrap()).unwrap();
    assert_eq!(json["n_agents"], 2000);
    let names: Vec<&str> = json["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["polarization", "extremity", "echo_chamber"]);
    let md = std::fs::read_to_string(study.join("study.md")).unwrap();
    assert!(
        md.contains("## Indicator polarization") && md.contains("### Robustness: path"),
        "{md}"
    );
    for ind in ["polarization", "extremity", "echo-chamber"] {
        for kind in ["tiers", "lorenz", "scatter", "gap"] {
            for ext in ["png", "svg"] {
                assert!(
                    study.join(format!("plots/{ind}-{kind}.{ext}")).is_file(),
                    "{ind}-{kind}.{ext}"
                );
            }
        }
    }

    let s = ok(&["report", r]);
    assert!(
        s.contains(&format!("report: {}/report.md", run.display())),
        "{s}"
    );
    let report = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(report.starts_with("# Run report: quickstart"), "{report}");
    assert!(
        report.contains("| agents | 2000 |") && report.contains("| ticks | 20 |"),
        "{report}"
    );
    assert!(
        report.contains("### Scaling-bias verdict")
            && report.contains("](study/plots/polarization-tiers.png)"),
        "{report}"
    );
    assert!(report.contains("](plots/indicators.png)"));
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert_eq!(
        html.matches("src=\"data:image/png;base64,").count(),
        html.matches("src=\"").count()
    );
    // The indicators, the opinions at the first and last tick, and the study's 4 per indicator.
    assert_eq!(html.matches("<img ").count(), 2 + 3 * 4);
}

#[test]
fn study_of_a_feature_file_with_per_indicator_baselines() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_run(dir.path());
    let features = run.join("features.parquet");
    let out = dir.path().join("custom");
    let s = ok(&[
        "study",
        "--features",
        features.to_str().unwrap(),
        "--indicator",
        "mean(posts + replies)",
        "--indicator",
        "gini(likes_received + 1)",
        "--baseline",
        "zero",
        "--baseline",
        "mean",
        "--protocols",
        "uniform,visibility",
        "--seeds",
        "2",
        "--no-sweeps",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(s.contains("2 protocol(s) × 2 panels of 100 agents"), "{s}");
    assert!(
        s.contains("affine indicator: every panel's attribution is the full one rescaled"),
        "{s}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("study.json")).unwrap()).unwrap();
    assert_eq!(json["indicators"][0]["baseline"], "zero");
    assert_eq!(json["indicators"][1]["baseline"], "mean");
    assert_eq!(
        json["protocols"],
        serde_json::json!(["uniform", "visibility"])
    );
    let md = std::fs::read_to_string(out.join("study.md")).unwrap();
    assert!(md.contains("Robustness sweeps were not run"), "{md}");
    // No sweeps: no gap-vs-K plot, the other three per indicator.
    assert_eq!(files_under(&out.join("plots")).len(), 2 * 3 * 2);
}

#[test]
fn a_run_directory_without_features_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("not-a-run");
    std::fs::create_dir(&run).unwrap();
    std::fs::copy(quickstart(), run.join("scenario.toml")).unwrap();
    let e = fails(&["study", run.to_str().unwrap()]);
    assert!(
        e.contains("features.parquet") && e.contains("not found"),
        "{e}"
    );
    assert!(!run.join("study").exists());
    let e = fails(&["report", run.to_str().unwrap()]);
    assert!(
        e.contains("manifest.json") && e.contains("not a complete run directory"),
        "{e}"
    );
    assert!(!run.join("report.md").exists() && !run.join("plots").exists());
}

#[test]
fn bad_study_input_fails_before_writing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_run(dir.path());
    let features = run.join("features.parquet");
    let f = features.to_str().unwrap();
    let out = dir.path().join("out");
    let o = out.to_str().unwrap();

    let e = fails(&[
        "study",
        "--features",
        f,
        "--indicator",
        "var(karma)",
        "--out",
        o,
    ]);
    assert!(
        e.contains("`karma`") && e.contains("columns: followers"),
        "{e}"
    );
    let e = fails(&[
        "study",
        run.to_str().unwrap(),
        "--panel-size",
        "2001",
        "--out",
        o,
    ]);
    assert!(
        e.contains("--panel-size 2001 is larger than") && e.contains("2000 agents"),
        "{e}"
    );
    let e = fails(&[
        "study",
        run.to_str().unwrap(),
        "--protocols",
        "uniform,snowball",
        "--out",
        o,
    ]);
    assert!(e.contains("`snowball`") && e.contains("visibility"), "{e}");
    let e = fails(&[
        "study",
        run.to_str().unwrap(),
        "--tier-by",
        "karma",
        "--out",
        o,
    ]);
    assert!(e.contains("--tier-by column `karma`"), "{e}");
    let e = fails(&[
        "study",
        "--features",
        f,
        "--indicator",
        "mean(posts)",
        "--indicator",
        "var(posts)",
        "--baseline",
        "zero",
        "--baseline",
        "mean",
        "--baseline",
        "min",
        "--out",
        o,
    ]);
    assert!(
        e.contains("--baseline given 3 times for 2 indicators"),
        "{e}"
    );
    assert!(!out.exists(), "a failed study left {out:?} behind");
    assert!(!run.join("study").exists());
}

//! `emergent experiment`: arms of interventions vs a control on the same world with common
//! random numbers; paired effects, who carried them, resumption, located errors.

mod common;
use common::*;

use std::path::{Path, PathBuf};

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The quickstart with a posting indicator, 300 agents, 10 ticks; and two arm files: one
/// silencing everybody from tick 2, one holding only a comment (no interventions).
fn setup(dir: &Path) -> (String, PathBuf, PathBuf) {
    let text = std::fs::read_to_string(quickstart()).unwrap()
        + "\n[[indicators]]\nname = \"posting\"\nexpr = \"mean(posts)\"\nbaseline = \"zero\"\n";
    let scenario = dir.join("small.toml");
    std::fs::write(
        &scenario,
        text.replace("agents = 10_000", "agents = 300")
            .replace("ticks = 50", "ticks = 10"),
    )
    .unwrap();
    let mute = dir.join("mute.toml");
    std::fs::write(
        &mute,
        "# Everybody silenced from tick 2.\n[[interventions]]\nkind = \"silence\"\nat = 2\nrange = [0, 300]\n",
    )
    .unwrap();
    let placebo = dir.join("placebo.toml");
    std::fs::write(&placebo, "# no interventions\n").unwrap();
    (scenario.to_str().unwrap().to_string(), mute, placebo)
}

fn experiment_args(scenario: &str, mute: &Path, placebo: &Path, out: &Path) -> Vec<String> {
    [
        "experiment",
        scenario,
        "--arm",
        &format!("mute={}", mute.display()),
        "--arm",
        &format!("placebo={}", placebo.display()),
        "--replicates",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec()
}

fn run(args: &[String]) -> String {
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn indicator<'a>(e: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    e["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap()
}

fn effect<'a>(ind: &'a serde_json::Value, arm: &str) -> &'a serde_json::Value {
    ind["effects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["arm"] == arm)
        .unwrap()
}

#[test]
fn arms_are_paired_on_common_noise_and_an_interrupted_experiment_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let (scenario, mute, placebo) = setup(tmp.path());
    let out = tmp.path().join("exp");
    let args = experiment_args(&scenario, &mute, &placebo, &out);
    let printed = run(&args);
    assert!(printed.contains("9 runs made, 0 kept"), "{printed}");
    let e = json(&out.join("experiment.json"));
    assert_eq!(e["control"], "control");
    let names: Vec<&str> = e["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["control", "mute", "placebo"]);

    // Silencing everybody must cut posting, in every replicate and beyond the interval.
    let posting = indicator(&e, "posting");
    let m = effect(posting, "mute");
    for d in m["per_replicate"].as_array().unwrap() {
        assert!(d.as_f64().unwrap() < 0.0, "{m}");
    }
    assert!(m["effect"]["high"].as_f64().unwrap() < 0.0, "{m}");
    // Σφ against the control's features is the paired difference (closed form: exact).
    let carried = &m["carried"];
    let tier_sum: f64 = carried["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["phi_sum"]["mean"].as_f64().unwrap())
        .sum();
    let mean = m["effect"]["mean"].as_f64().unwrap();
    assert!(
        (tier_sum - mean).abs() <= 1e-9 * mean.abs(),
        "{tier_sum} vs {mean}"
    );

    // An arm without interventions is the control, exactly, on every indicator; and before
    // the silence acts (the state recorded at tick 2 is still untouched) so is `mute`.
    for ind in e["indicators"].as_array().unwrap() {
        for d in effect(ind, "placebo")["per_replicate"].as_array().unwrap() {
            assert_eq!(d.as_f64(), Some(0.0), "{}", ind["name"]);
        }
        for diff in ind["differences"].as_array().unwrap() {
            let ticks = diff["ticks"].as_array().unwrap();
            for (t, d) in ticks.iter().zip(diff["mean"].as_array().unwrap()) {
                if diff["arm"] == "placebo" || t.as_u64().unwrap() <= 2 {
                    assert_eq!(
                        d.as_f64(),
                        Some(0.0),
                        "{} {} at {t}",
                        ind["name"],
                        diff["arm"]
                    );
                }
            }
        }
    }

    // The control's replicates are plain runs: replicate 0 with the scenario's own noise,
    // replicate 1 with its noise seed.
    let plain = tmp.path().join("plain");
    ok(&["run", &scenario, "--out", plain.to_str().unwrap()]);
    let files = ["features.parquet", "ticks.parquet", "indicators.csv"];
    assert_same_files(
        &plain,
        &out.join("arms/control/r0"),
        &files,
        "plain vs control r0",
    );
    let noise = e["noise_seeds"][1].as_u64().unwrap().to_string();
    ok(&[
        "run",
        &scenario,
        "--out",
        plain.to_str().unwrap(),
        "--force",
        "--set",
        &format!("scenario.noise_seed={noise}"),
    ]);
    assert_same_files(
        &plain,
        &out.join("arms/control/r1"),
        &files,
        "plain vs control r1",
    );
    assert!(e["noise_seeds"][0].is_null() && e["noise_seeds"][1] != e["noise_seeds"][2]);

    // The pages and the φ table.
    let html = std::fs::read_to_string(out.join("experiment.html")).unwrap();
    assert!(html.contains("<img") && !html.contains("<script"));
    assert!(out.join("experiment.md").is_file());
    let phi = std::fs::read_to_string(out.join("phi/mute.csv")).unwrap();
    assert!(phi.starts_with("agent_id,polarization,extremity,echo_chamber,posting\n"));
    assert_eq!(phi.lines().count(), 301);

    // Interrupted: one run lost. The same command runs only that one, and says the same.
    let before = std::fs::read(out.join("experiment.json")).unwrap();
    std::fs::remove_dir_all(out.join("arms/mute/r1")).unwrap();
    let printed = run(&args);
    assert!(printed.contains("1 runs made, 8 kept"), "{printed}");
    assert_eq!(before, std::fs::read(out.join("experiment.json")).unwrap());

    // Another arm file under the same name is another experiment: refused, then --force.
    std::fs::write(
        &placebo,
        "[[interventions]]\nkind = \"silence\"\nat = 5\nids = [1]\n",
    )
    .unwrap();
    let err = fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        err.contains("arms/placebo/r0") && err.contains("--force"),
        "{err}"
    );
    let mut forced = args.clone();
    forced.push("--force".into());
    assert!(run(&forced).contains("9 runs made, 0 kept"));
}

#[test]
fn bad_arms_are_refused_with_located_errors_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (scenario, mute, _) = setup(tmp.path());
    let out = tmp.path().join("exp");
    let o = out.to_str().unwrap();
    let bad = tmp.path().join("bad.toml");
    let b = format!("x={}", bad.display());
    let base = ["experiment", &scenario, "--replicates", "2", "--out", o];

    std::fs::write(
        &bad,
        "[[interventions]]\nkind = \"silence\"\nwhen = 3\nids = [1]\n",
    )
    .unwrap();
    let err = fails(&with(&base, &["--arm", &b]));
    assert!(
        err.contains("bad.toml:3:1:") && err.contains("when"),
        "{err}"
    );

    std::fs::write(
        &bad,
        "[[interventions]]\nkind = \"silence\"\nat = 99\nids = [1]\n",
    )
    .unwrap();
    let err = fails(&with(&base, &["--arm", &b]));
    assert!(err.contains("bad.toml:3:6:"), "{err}");

    std::fs::write(&bad, "[population]\nagents = 5\n").unwrap();
    let err = fails(&with(&base, &["--arm", &b]));
    assert!(
        err.contains("bad.toml:1:") && err.contains("[[interventions]]"),
        "{err}"
    );

    let missing = format!("x={}", tmp.path().join("nope.toml").display());
    let err = fails(&with(&base, &["--arm", &missing]));
    assert!(
        err.contains("nope.toml") && err.contains("arm `x`"),
        "{err}"
    );

    let m = format!("x={}", mute.display());
    let err = fails(&with(&base, &["--arm", &m, "--arm", &m]));
    assert!(
        err.contains("--arm x: the arm name is given twice"),
        "{err}"
    );

    let err = fails(&[
        "experiment",
        &scenario,
        "--arm",
        &m,
        "--replicates",
        "1",
        "--out",
        o,
    ]);
    assert!(err.contains("--replicates: 1: give at least 2"), "{err}");

    let err = fails(&with(&base, &["--arm", &format!("a/b={}", mute.display())]));
    assert!(err.contains("must be 1 to 64 letters"), "{err}");
    assert!(!out.exists(), "nothing is written on bad input");
}

/// `base` followed by `extra`.
fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    [base, extra].concat()
}

//! `emergent run` end to end through the binary: outputs, determinism, resume after kill -9,
//! and the errors a user meets first.

mod common;
use common::*;

use std::path::Path;
use std::process::{Command, Stdio};

const OUTPUTS: [&str; 8] = [
    "follows.parquet",
    "follows-final.parquet",
    "ticks.parquet",
    "features.parquet",
    "actions.parquet",
    "indicators.csv",
    "attribution.parquet",
    "attribution.json",
];

#[test]
fn quickstart_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("qs");
    let s = ok(&["run", &quickstart(), "--out", out.to_str().unwrap()]);
    assert!(s.contains(&format!("outputs in {}/", out.display())), "{s}");
    assert!(s.contains("polarization = var(stance)"), "{s}");
    for f in OUTPUTS.iter().chain(&["manifest.json", "scenario.toml"]) {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    assert!(!out.join(".partial").exists() && !out.join("checkpoint.bin").exists());
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["counts"]["agents"], 10_000);
    assert_eq!(m["counts"]["ticks"], 50);
    assert_eq!(m["counts"]["recorded_ticks"], 51);
    assert_eq!(m["scenario_sha256"].as_str().unwrap().len(), 64);
    assert!(m["timings"]["peak_rss_bytes"].as_u64().unwrap() > 0);
    assert!(m["counts"]["actions"]["post"].as_u64().unwrap() > 0);
    // One row per agent per recorded tick (tick 0 and every tick after).
    assert_eq!(rows(&out.join("ticks.parquet")), 10_000 * 51);
    assert_eq!(rows(&out.join("features.parquet")), 10_000);
    let total_actions: u64 = m["counts"]["actions"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(rows(&out.join("actions.parquet")) as u64, total_actions);
    let ind = std::fs::read_to_string(out.join("indicators.csv")).unwrap();
    assert!(ind.starts_with("tick,polarization,extremity,echo_chamber\n0,"));
    assert_eq!(ind.lines().count(), 52);
    let a: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("attribution.json")).unwrap())
            .unwrap();
    let inds = a["indicators"].as_array().unwrap();
    assert_eq!(inds.len(), 3);
    for i in inds {
        assert!(i["error"].is_null(), "{i}");
        assert!(i["completeness_gap"].as_f64().unwrap() < 1e-9, "{i}");
        assert_eq!(i["tiers"].as_array().unwrap().len(), 3);
    }
    // An existing run directory is not overwritten without --force …
    let err = fails(&[
        "run",
        &quickstart(),
        "--out",
        out.to_str().unwrap(),
        "--set",
        "scenario.ticks=2",
    ]);
    assert!(err.contains("pass --force"), "{err}");
    assert_eq!(
        rows(&out.join("ticks.parquet")),
        10_000 * 51,
        "the earlier run was touched"
    );
    // … and a complete run cannot be resumed.
    let err = fails(&["run", "--resume", out.to_str().unwrap()]);
    assert!(err.contains("already complete"), "{err}");
}

fn run_small(out: &Path, threads: usize, seed: &str) {
    ok_env(
        &[
            "run",
            &quickstart(),
            "--out",
            out.to_str().unwrap(),
            "--seed",
            seed,
            "--set",
            "population.agents=3000",
            "--set",
            "scenario.ticks=15",
            "--set",
            "record.every=3",
        ],
        &[("RAYON_NUM_THREADS", &threads.to_string())],
    );
}

#[test]
fn same_seed_same_bytes_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    run_small(&a, 1, "7");
    run_small(&b, 2, "7");
    run_small(&c, 2, "8");
    assert_same_files(&a, &b, &OUTPUTS, "between 1 and 2 threads");
    // Without the action trace the features are the same; only the log is empty.
    let quiet = dir.path().join("quiet");
    ok_env(
        &[
            "run",
            &quickstart(),
            "--out",
            quiet.to_str().unwrap(),
            "--seed",
            "7",
            "--set",
            "population.agents=3000",
            "--set",
            "scenario.ticks=15",
            "--set",
            "record.every=3",
            "--set",
            "record.actions=false",
        ],
        &[],
    );
    assert_eq!(rows(&quiet.join("actions.parquet")), 0);
    assert!(rows(&a.join("actions.parquet")) > 0);
    assert_eq!(
        std::fs::read(a.join("features.parquet")).unwrap(),
        std::fs::read(quiet.join("features.parquet")).unwrap()
    );
    assert_ne!(
        std::fs::read(a.join("features.parquet")).unwrap(),
        std::fs::read(c.join("features.parquet")).unwrap(),
        "seeds 7 and 8 gave the same run"
    );
}

#[test]
fn resume_after_kill_9_gives_the_same_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, killed) = (dir.path().join("whole"), dir.path().join("killed"));
    let sets = [
        "--set",
        "population.agents=3000",
        "--set",
        "scenario.ticks=40",
        "--set",
        "checkpoint.every=4",
        "--set",
        "record.every=2",
    ];
    let qs = quickstart();
    let mut args = vec!["run", qs.as_str()];
    args.extend(sets);
    let mut w = args.clone();
    w.extend(["--out", whole.to_str().unwrap()]);
    ok(&w);

    let mut k = args.clone();
    k.extend(["--out", killed.to_str().unwrap(), "--throttle-ms", "100"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_emergent"))
        .args(&k)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for a checkpoint past tick 8, then kill -9 (SIGKILL: no cleanup runs).
    wait_for_second_checkpoint(&mut child, &killed);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !killed.join("manifest.json").exists(),
        "the run finished before the kill"
    );
    let s = ok(&["run", "--resume", killed.to_str().unwrap()]);
    assert!(s.contains("ran 3000 agents for 40 ticks"), "{s}");
    assert_same_files(&whole, &killed, &OUTPUTS, "after resume");
    let strip = |p: &Path| {
        let mut m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p.join("manifest.json")).unwrap())
                .unwrap();
        m.as_object_mut().unwrap().remove("timings");
        m
    };
    assert_eq!(strip(&whole), strip(&killed));
}

#[test]
fn bad_scenarios_say_where_and_what() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(quickstart()).unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let typo = write("typo.toml", &base.replace("ticks = 50", "tikcs = 50"));
    let line = base
        .lines()
        .position(|l| l.starts_with("ticks = 50"))
        .unwrap()
        + 1;
    let err = fails(&[
        "run",
        &typo,
        "--out",
        dir.path().join("o1").to_str().unwrap(),
    ]);
    assert!(
        err.contains(&format!("typo.toml:{line}:1")) && err.contains("tikcs"),
        "{err}"
    );
    let wrong = write(
        "wrong.toml",
        &base.replace("agents = 10_000", "agents = \"many\""),
    );
    let agents_line = base
        .lines()
        .position(|l| l.starts_with("agents = 10_000"))
        .unwrap()
        + 1;
    let err = fails(&["run", &wrong]);
    assert!(
        err.contains(&format!("wrong.toml:{agents_line}:10"))
            && err.contains("invalid type: string \"many\""),
        "{err}"
    );
    let neg = write("neg.toml", &base.replace("agents = 10_000", "agents = -5"));
    let err = fails(&["run", &neg]);
    assert!(err.contains(&format!("neg.toml:{agents_line}:")), "{err}");
    let edges = write(
        "edges.toml",
        &base
            .replace(
                "generator = \"sbm\"",
                "generator = \"edgelist\"\npath = \"nowhere.csv\"",
            )
            .replace("p_in = 0.006   # ~15 followees inside the community\n", "")
            .replace("p_out = 0.0007 # ~5 outside\n", ""),
    );
    let err = fails(&["run", &edges]);
    assert!(err.contains("nowhere.csv"), "{err}");
    let ind = write(
        "ind.toml",
        &base.replace("expr = \"var(stance)\"", "expr = \"var(stanse)\""),
    );
    let err = fails(&["run", &ind]);
    assert!(
        err.contains("indicator `polarization`: `stanse` is not a feature"),
        "{err}"
    );
    let err = fails(&["run", &quickstart(), "--set", "population.agentz=5"]);
    assert!(err.contains("agentz"), "{err}");
    let err = fails(&["run", &dir.path().join("missing.toml").to_string_lossy()]);
    assert!(
        err.contains("missing.toml") && err.contains("No such file"),
        "{err}"
    );
    // Nothing was created for any of them.
    assert!(!dir.path().join("o1").exists());
}

#[test]
fn an_imported_follow_graph_seeds_a_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let capture = d.join("cap.jsonl.zst");
    ok(&[
        "synth",
        "bluesky",
        "--users",
        "800",
        "--days",
        "3",
        "--out",
        capture.to_str().unwrap(),
        "--seed",
        "5",
    ]);
    let imported = d.join("imp");
    ok(&[
        "import",
        "bluesky",
        capture.to_str().unwrap(),
        "--out",
        imported.to_str().unwrap(),
    ]);
    let feats = emergent_io::read_table(
        &imported.join("features.parquet"),
        &emergent_io::IdColumn::Default,
    )
    .unwrap();
    let n = feats.len();
    let scenario = d.join("real.toml");
    std::fs::write(
        &scenario,
        format!(
            "[scenario]\nname = \"real\"\nticks = 3\nseed = 1\n[population]\nagents = {n}\n[network]\ngenerator = \"edgelist\"\npath = \"{}\"\n[policy]\nkind = \"cascade\"\n[[indicators]]\nname = \"virality\"\nexpr = \"mean(reposts)*mean(reposts_received)\"\n",
            imported.join("follows.parquet").display()
        ),
    )
    .unwrap();
    let out = d.join("run");
    ok(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    // The cascade policy never rewires, so each agent's followers in the run are its
    // in-degree in the imported graph.
    let run = emergent_io::read_table(
        &out.join("features.parquet"),
        &emergent_io::IdColumn::Default,
    )
    .unwrap();
    let mut in_degree = vec![0.0; n];
    for (_, dst) in emergent_io::read_edges_parquet(&imported.join("follows.parquet")).unwrap() {
        in_degree[dst as usize] += 1.0;
    }
    assert_eq!(run.column("followers").unwrap(), in_degree.as_slice());
    assert!(run.column("followers").unwrap().iter().sum::<f64>() > 0.0);
    // A population that does not match the graph is refused with a hint.
    let err = fails(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        d.join("bad").to_str().unwrap(),
        "--set",
        "population.agents=10",
    ]);
    assert!(err.contains("population.agents"), "{err}");
}

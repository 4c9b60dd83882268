//! `emergent attribute --game`: ground-truth Shapley values of groups of agents, measured by
//! rerunning the simulator with groups silenced, beside the run's static and dynamic φ.

mod common;
use common::*;

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A small quickstart run with its dynamic attribution, in `dir/run`.
fn small_run(dir: &std::path::Path) -> String {
    let out = dir.join("run");
    let o = out.to_str().unwrap().to_string();
    ok(&[
        "run",
        &quickstart(),
        "--out",
        &o,
        "--set",
        "population.agents=500",
        "--set",
        "scenario.ticks=12",
        "--set",
        "attribution.dynamic=true",
    ]);
    o
}

fn game(run: &str, replicates: &str) -> serde_json::Value {
    let s = ok(&[
        "attribute",
        "--game",
        run,
        "--groups",
        "tiers:followers:0.01,0.1",
        "--replicates",
        replicates,
        "--json",
    ]);
    serde_json::from_str(&s).unwrap()
}

/// The summed widths of the groups' share intervals (every indicator).
fn share_interval_widths(g: &serde_json::Value) -> f64 {
    g["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["groups"].as_array().unwrap().clone())
        .map(|x| x["share"]["high"].as_f64().unwrap() - x["share"]["low"].as_f64().unwrap())
        .sum()
}

#[test]
fn the_game_replays_the_run_shares_out_the_total_and_tightens_with_replicates() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_run(dir.path());
    let two = game(&run, "2");
    assert_eq!(two["method"], "exact");
    assert_eq!(two["groups"].as_array().unwrap().len(), 3);
    assert_eq!(two["runs"], 2 * 8, "2^3 coalitions × 2 replicates");
    let attribution = json(&std::path::Path::new(&run).join("attribution.json"));
    let inds = two["indicators"].as_array().unwrap();
    assert_eq!(
        inds.len(),
        3,
        "every indicator of the scenario, from the same runs"
    );
    for (i, a) in inds
        .iter()
        .zip(attribution["indicators"].as_array().unwrap())
    {
        assert_eq!(i["name"], a["name"]);
        // Replicate 0 with nobody silenced is the run itself, bit for bit.
        assert_eq!(i["replayed_value"], a["value"], "{}", i["name"]);
        assert_eq!(i["run_value"], a["value"]);
        let total = i["total"]["mean"].as_f64().unwrap();
        assert!(total.abs() > 0.0, "{i}");
        assert!(
            i["efficiency_gap"].as_f64().unwrap() <= 1e-12 * total.abs().max(1e-3),
            "{i}"
        );
        let groups = i["groups"].as_array().unwrap();
        let shares: f64 = groups
            .iter()
            .map(|g| g["share"]["mean"].as_f64().unwrap())
            .sum();
        assert!((shares - 1.0).abs() < 1e-9, "{shares}");
        // The static group sums are the run's own tier sums; the dynamic ones are there.
        for (g, t) in groups.iter().zip(a["tiers"].as_array().unwrap()) {
            assert_eq!(g["name"], t["name"]);
            let (s, want) = (
                g["static_phi"].as_f64().unwrap(),
                t["phi_sum"].as_f64().unwrap(),
            );
            assert!(
                (s - want).abs() <= 1e-9 * want.abs().max(1e-12),
                "{g} vs {t}"
            );
            assert!(g["dynamic_share"].as_f64().is_some(), "{g}");
        }
    }
    assert_eq!(inds[0]["groups"][0]["agents"], 5, "top 1 % of 500");
    let written = json(&std::path::Path::new(&run).join("game.json"));
    assert_eq!(written["runs"], two["runs"]);
    let md = std::fs::read_to_string(std::path::Path::new(&run).join("game.md")).unwrap();
    assert!(md.contains("| top 1% | 5 |"), "{md}");
    // The report shows the game beside the attributions, with a figure per indicator.
    ok(&["report", &run]);
    let report = std::fs::read_to_string(std::path::Path::new(&run).join("report.md")).unwrap();
    let section = report
        .split("## Ground truth")
        .nth(1)
        .unwrap_or_else(|| panic!("no ground-truth section in report.md:\n{report}"));
    assert!(section.contains("| top 1% | 5 |"), "{section}");
    assert!(section.contains("tiers:followers:0.01,0.1"), "{section}");
    assert!(
        std::path::Path::new(&run)
            .join("plots/game-0.png")
            .is_file()
    );
    // More replicates, narrower intervals.
    let eight = game(&run, "8");
    assert_eq!(eight["runs"], 8 * 8);
    let (w2, w8) = (share_interval_widths(&two), share_interval_widths(&eight));
    assert!(w8 < w2, "R = 8: {w8}, R = 2: {w2}");
    // v(N) − v(∅) has one spread, not a heavy-tailed ratio: its interval narrows by t₀.₉₇₅(1)/√2
    // over t₀.₉₇₅(7)/√8 ≈ 3.8 times on average.
    for (a, b) in two["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .zip(eight["indicators"].as_array().unwrap())
    {
        let width = |i: &serde_json::Value| {
            i["total"]["high"].as_f64().unwrap() - i["total"]["low"].as_f64().unwrap()
        };
        assert!(
            width(b) < width(a) / 2.0,
            "{}: R = 8 {} vs R = 2 {}",
            a["name"],
            width(b),
            width(a)
        );
    }
    // Sampling permutations instead: still efficient per replicate.
    let s = ok(&[
        "attribute",
        "--game",
        &run,
        "--groups",
        "communities",
        "--replicates",
        "2",
        "--permutations",
        "4",
        "--indicator",
        "polarization",
        "--json",
    ]);
    let p: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(p["method"], "permutations");
    assert_eq!(
        p["groups"].as_array().unwrap().len(),
        4,
        "quickstart has 4 communities"
    );
    let i = &p["indicators"][0];
    assert!(i["efficiency_gap"].as_f64().unwrap() < 1e-12, "{i}");
}

#[test]
fn bad_games_are_refused_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_run(dir.path());
    let e = fails(&[
        "attribute",
        "--game",
        &run,
        "--indicator",
        "nope",
        "--replicates",
        "1",
    ]);
    assert!(
        e.contains("no such indicator") && e.contains("polarization"),
        "{e}"
    );
    let e = fails(&["attribute", "--game", &run, "--groups", "tier"]);
    assert!(
        e.contains("--groups `tier`") && e.contains("quantiles:COLUMN:K"),
        "{e}"
    );
    let e = fails(&["attribute", "--game", &run, "--groups", "quantiles:nope:3"]);
    assert!(e.contains("no column `nope`"), "{e}");
    let e = fails(&[
        "attribute",
        "--game",
        &run,
        "--groups",
        "quantiles:stance:13",
    ]);
    assert!(
        e.contains("13 groups") && e.contains("--permutations"),
        "{e}"
    );
    let e = fails(&["attribute", "--game", &run, "--permutations", "3"]);
    assert!(e.contains("even number"), "{e}");
    let e = fails(&["attribute", "--game", &run, "--twin", "--permutations", "4"]);
    assert!(e.contains("--twin") && e.contains("--permutations"), "{e}");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = fails(&["attribute", "--game", empty.to_str().unwrap()]);
    assert!(
        e.contains("manifest.json") && e.contains("completed run directory"),
        "{e}"
    );
    assert!(
        !std::path::Path::new(&run).join("game.json").exists(),
        "no game was played"
    );
}

#[test]
fn the_twin_plays_the_same_game_and_its_grand_coalition_is_the_dynamic_model() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_run(dir.path());
    ok(&["attribute", "--dynamic", &run]);
    let s = ok(&[
        "attribute",
        "--game",
        &run,
        "--groups",
        "tiers:followers:0.01,0.1",
        "--replicates",
        "2",
        "--twin",
        "--json",
    ]);
    let g: serde_json::Value = serde_json::from_str(&s).unwrap();
    let dynamic = json(&std::path::Path::new(&run).join("dynamic_attribution.json"));
    for (i, d) in g["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .zip(dynamic["indicators"].as_array().unwrap())
    {
        assert_eq!(i["name"], d["name"]);
        let twin: Vec<f64> = i["twin_coalition_values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(twin.len(), 8, "2^3 coalitions");
        // Everybody participating is the twin's M(1); nobody, its M(0).
        let (m1, m0) = (
            d["value"].as_f64().unwrap(),
            d["baseline_value"].as_f64().unwrap(),
        );
        assert!(
            (twin[7] - m1).abs() <= 1e-9 * m1.abs().max(1.0),
            "{} vs {m1}",
            twin[7]
        );
        if d["baseline_is_limit"] == false {
            assert!(
                (twin[0] - m0).abs() <= 1e-9 * m0.abs().max(1.0),
                "{} vs {m0}",
                twin[0]
            );
        }
        let shares: f64 = i["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["twin_share"].as_f64().unwrap())
            .sum();
        assert!((shares - 1.0).abs() < 1e-9, "{shares}");
    }
    let md = std::fs::read_to_string(std::path::Path::new(&run).join("game.md")).unwrap();
    assert!(
        md.contains("twin game share") && md.contains("twin M(w_S)"),
        "{md}"
    );
}

/// The twin's coalition values of each indicator in a `--twin` game's JSON.
fn twin_values(g: &serde_json::Value) -> Vec<Vec<f64>> {
    g["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["twin_coalition_values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn the_grouped_dynamic_attribution_gives_the_twins_game_shapley_values() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_run(dir.path());
    let s = ok(&[
        "attribute",
        "--game",
        &run,
        "--groups",
        "tiers",
        "--replicates",
        "1",
        "--twin",
        "--json",
    ]);
    let game: serde_json::Value = serde_json::from_str(&s).unwrap();
    let out = ok(&["attribute", "--dynamic", &run, "--groups", "tiers"]);
    assert!(
        out.contains("with the coalition structure tiers (12 paths"),
        "{out}"
    );
    let d = json(&std::path::Path::new(&run).join("dynamic_attribution.json"));
    assert_eq!(d["structure"]["method"], "owen");
    assert_eq!(d["structure"]["groups_spec"], "tiers");
    assert_eq!(d["structure"]["paths"], 12);
    let names: Vec<&str> = d["structure"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["top 1%", "1%–10%", "bottom 90%"]);
    for (twin, i) in twin_values(&game)
        .iter()
        .zip(d["indicators"].as_array().unwrap())
    {
        // The corners are the twin's game, and each group's total is its Shapley value.
        let corners: Vec<f64> = i["corner_values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(&corners, twin, "{}", i["name"]);
        let shapley = emergent_attribution::game::exact_shapley(twin);
        let delta = twin[7] - twin[0];
        let gap = i["completeness_gap"].as_f64().unwrap();
        let groups = i["groups"].as_array().unwrap();
        for (g, s) in groups.iter().zip(&shapley) {
            // (The file's numbers are rounded as JSON: equal to ~1e-12.)
            let corner = g["corner_shapley"].as_f64().unwrap();
            assert!((corner - s).abs() <= 1e-10 * delta.abs(), "{corner} vs {s}");
            let phi = g["phi"].as_f64().unwrap();
            assert!(
                (phi - s).abs() <= (1e-6 + 4.0 * gap) * delta.abs(),
                "{}: {} Σφ {phi} vs Shapley {s} (gap {gap})",
                i["name"],
                g["name"]
            );
        }
        let sum: f64 = groups.iter().map(|g| g["phi"].as_f64().unwrap()).sum();
        assert!((sum - i["sum_phi"].as_f64().unwrap()).abs() <= 1e-9 * delta.abs());
    }
    // Without --groups, the diagonal again, and no structure in the file.
    ok(&["attribute", "--dynamic", &run]);
    let d = json(&std::path::Path::new(&run).join("dynamic_attribution.json"));
    assert!(d.get("structure").is_none(), "{d}");
    assert!(d["indicators"][0].get("groups").is_none());
}

#[test]
fn bad_dynamic_groups_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_run(dir.path());
    let e = fails(&[
        "attribute",
        "--dynamic",
        &run,
        "--groups",
        "quantiles:stance:13",
    ]);
    assert!(e.contains("13 groups") && e.contains("at most 12"), "{e}");
    let e = fails(&["attribute", "--dynamic", &run, "--groups", "tier"]);
    assert!(e.contains("--groups `tier`"), "{e}");
    let e = fails(&[
        "attribute",
        "--features",
        &run,
        "--indicator",
        "var(stance)",
        "--groups",
        "tiers",
    ]);
    assert!(
        e.contains("--groups needs --game RUN_DIR or --dynamic RUN_DIR"),
        "{e}"
    );
}

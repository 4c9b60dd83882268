//! `emergent attribute --dynamic` and `[attribution] dynamic = true` on an economy: the
//! EconAgent rule baseline attributed through its expected-value dynamics.

mod common;
use common::*;

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The quickstart at 2,000 agents for `ticks` ticks into `out`.
fn small_quickstart(out: &str, ticks: u32, extra: &[&str]) {
    let (scenario, ticks) = (quickstart(), format!("scenario.ticks={ticks}"));
    let mut args = vec![
        "run",
        &scenario,
        "--out",
        out,
        "--set",
        &ticks,
        "--set",
        "population.agents=2000",
    ];
    args.extend_from_slice(extra);
    ok(&args);
}

#[test]
fn an_economy_is_attributed_through_its_dynamics() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("econ");
    let o = out.to_str().unwrap();
    let scenario = repo().join("scenarios/econagent.toml");
    ok(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        o,
        "--set",
        "llm.enabled=false",
        "--set",
        "scenario.ticks=24",
        "--set",
        "attribution.dynamic=true",
    ]);
    // At the end of the run: one row per household, every indicator attributed.
    let parquet = out.join("dynamic_attribution.parquet");
    assert!(parquet.is_file());
    assert_eq!(rows(&parquet), 10);
    let d = json(&out.join("dynamic_attribution.json"));
    let inds = d["indicators"].as_array().unwrap();
    assert_eq!(inds.len(), 3);
    for i in inds {
        assert!(i["note"].is_null(), "{i}");
        let (value, run) = (
            i["value"].as_f64().unwrap(),
            i["run_value"].as_f64().unwrap(),
        );
        // The expected-value economy tracks the stochastic run (24 months, 10 households).
        let tol = if i["name"] == "wealth_inequality" {
            0.3
        } else {
            0.1
        };
        assert!((value / run - 1.0).abs() < tol, "{i}");
    }
    // Output's path has no sharp corner: K = 8 already closes the gap.
    let output = &inds[0];
    assert_eq!(output["name"], "output");
    assert!(
        output["completeness_gap"].as_f64().unwrap() < 1e-6,
        "{output}"
    );
    // Later, on the finished run, with a tolerance: K doubles until the gap closes.
    let s = ok(&[
        "attribute",
        "--dynamic",
        o,
        "--indicator",
        "consumption",
        "--tol",
        "1e-9",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    let c = &v["indicators"][0];
    assert_eq!(c["name"], "consumption");
    assert!(c["completeness_gap"].as_f64().unwrap() <= 1e-9, "{c}");
    assert!(c["nodes"].as_u64().unwrap() >= 8, "{c}");
    assert_eq!(rows(&parquet), 10);
    // The Gini of wealth is undefined when nobody works (all wealth 0): M(0) is the limit.
    let t = ok(&[
        "attribute",
        "--dynamic",
        o,
        "--indicator",
        "wealth_inequality",
    ]);
    assert!(t.contains("M(0⁺)"), "{t}");
}

#[test]
fn a_social_run_is_attributed_through_its_dynamics_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("qs");
    let o = out.to_str().unwrap();
    small_quickstart(o, 6, &["--set", "attribution.dynamic=true"]);
    let parquet = out.join("dynamic_attribution.parquet");
    assert_eq!(rows(&parquet), 2_000);
    let d = json(&out.join("dynamic_attribution.json"));
    let first = &d["indicators"][0];
    assert!(
        first["completeness_gap"].as_f64().unwrap() < 1e-2,
        "{first}"
    );
    // The per-edge kernels are vectorised and reduced per row: the same bytes on 1 thread.
    let before = std::fs::read(&parquet).unwrap();
    ok_env(
        &["attribute", "--dynamic", o],
        &[("RAYON_NUM_THREADS", "1")],
    );
    assert_eq!(std::fs::read(&parquet).unwrap(), before);
}

/// A budget too small for the tolerance: the panels are anchored to the change between their
/// ends, so Σφ = M(1) − M(0), and the output keeps what the quadrature alone missed.
#[test]
fn a_short_budget_is_anchored_and_reports_the_gap_before() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("qs");
    let o = out.to_str().unwrap();
    small_quickstart(o, 12, &[]);
    let file = out.join("dynamic_attribution.json");
    ok(&["attribute", "--dynamic", o, "--nodes", "8"]);
    let fixed = json(&file);
    let s = ok(&["attribute", "--dynamic", o, "--max-nodes", "8"]);
    assert!(
        s.contains("the quadrature alone missed its tolerance"),
        "{s}"
    );
    let anchored = json(&file);
    for (f, a) in fixed["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .zip(anchored["indicators"].as_array().unwrap())
    {
        // One 8-node rule misses by more than a tenth on this twin (the onset of
        // radicalization); the same rule, anchored, is exact and says how far off it was.
        let before = f["completeness_gap"].as_f64().unwrap();
        assert!(before > 1e-2, "{f}");
        assert!(
            f["anchoring"].is_null(),
            "a fixed rule on the diagonal is left as is: {f}"
        );
        assert_eq!(
            (a["nodes"].as_u64(), a["panels"].as_u64()),
            (Some(8), Some(1))
        );
        assert!(a["completeness_gap"].as_f64().unwrap() <= 1e-12, "{a}");
        assert_eq!(a["tolerance_met"], true);
        let x = &a["anchoring"];
        assert_eq!(x["anchored_panels"], 1, "{a}");
        let q = x["quadrature_gap"].as_f64().unwrap();
        assert!((q - before).abs() <= 1e-9 * before, "{q} vs {before}");
        assert_eq!(a["value"], f["value"]);
    }
    // The flag belongs to --dynamic.
    let e = fails(&["attribute", "--max-nodes", "8", "--features", o]);
    assert!(e.contains("--dynamic"), "{e}");
}

#[test]
fn the_report_compares_static_and_dynamic_attribution() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bc");
    // The quickstart plus an indicator its expected-value model cannot move (posting).
    let scenario = dir.path().join("quickstart.toml");
    let text = std::fs::read_to_string(quickstart()).unwrap()
        + "\n[[indicators]]\nname = \"conversation\"\nexpr = \"mean(posts)\"\nbaseline = \"zero\"\n";
    std::fs::write(&scenario, text).unwrap();
    ok(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--set",
        "population.agents=3000",
        "--set",
        "scenario.ticks=20",
        "--set",
        "attribution.dynamic=true",
    ]);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let section = md
        .split("## Attribution through the dynamics")
        .nth(1)
        .expect("the report has the dynamic section")
        .split("\n## ")
        .next()
        .unwrap();
    let d = json(&out.join("dynamic_attribution.json"));
    let pol = &d["indicators"][0];
    assert_eq!(pol["name"], "polarization");
    // The comparison table carries the run's own figures, and each tier table both shares.
    let rho = pol["comparison"]["spearman"].as_f64().unwrap();
    assert!(
        section.contains("| polarization | ") && section.contains("Spearman ρ vs static"),
        "{section}"
    );
    assert!(
        section.contains("**polarization: tier shares**") && section.contains("| top 1% | 30 |"),
        "{section}"
    );
    // The radicalization twin's flips are not resolved within the default budget: the panels
    // are anchored, and the report shows the quadrature's own gap beside the exact one.
    let before = pol["anchoring"]["quadrature_gap"]
        .as_f64()
        .expect("anchored");
    assert!(
        section.contains(&format!("(before anchoring {before:.2e})")),
        "{before}: {section}"
    );
    // The indicator the model cannot move is explained, not plotted.
    assert!(
        section.contains("participation cannot change it"),
        "{section}"
    );
    assert!(
        section.contains("](plots/static_vs_dynamic.png)"),
        "{section}"
    );
    let png = std::fs::read(out.join("plots/static_vs_dynamic.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let svg = std::fs::read_to_string(out.join("plots/static_vs_dynamic.svg")).unwrap();
    assert!(
        svg.contains("polarization (ρ = ") && svg.contains("echo_chamber (ρ = "),
        "one panel per comparable indicator, titled with its ρ"
    );
    assert!(rho.is_finite() && rho.abs() <= 1.0);
    assert!(!svg.contains("conversation (ρ"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Attribution through the dynamics"));
}

/// Bounded confidence with backfire (`repulsion` > 0) is attributed through its twin (it
/// used to be refused: "its expected-value model has no backfire term yet").
#[test]
fn bounded_confidence_with_backfire_is_attributed_through_its_dynamics() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bf");
    let o = out.to_str().unwrap();
    ok(&[
        "run",
        &quickstart(),
        "--out",
        o,
        "--set",
        "population.agents=2000",
        "--set",
        "scenario.ticks=10",
        "--set",
        "policy.kind=bounded_confidence",
        "--set",
        "policy.bounded_confidence.repulsion=0.2",
        "--set",
        "policy.bounded_confidence.rejection_distance=0.8",
        "--set",
        "attribution.dynamic=true",
    ]);
    assert_eq!(rows(&out.join("dynamic_attribution.parquet")), 2000);
    let d = json(&out.join("dynamic_attribution.json"));
    let pol = &d["indicators"][0];
    assert_eq!(pol["name"], "polarization");
    let (value, baseline) = (
        pol["value"].as_f64().unwrap(),
        pol["baseline_value"].as_f64().unwrap(),
    );
    let change = value - baseline;
    assert!(change.abs() > 1e-4, "participation changes nothing: {pol}");
    let gap = pol["completeness_gap"].as_f64().unwrap();
    assert!(gap < 1e-2, "{pol}");
    assert!(
        (pol["sum_phi"].as_f64().unwrap() - change).abs() <= gap * change.abs() * 1.000_001,
        "{pol}"
    );
    // The twin polarizes as the run does (from the same start: nothing moves at w = 0), if
    // more slowly: it sees only followees' items, the run half its feed from everybody.
    let run = pol["run_value"].as_f64().unwrap();
    assert!(
        change > 0.0 && change > 0.4 * (run - baseline),
        "twin {value} vs run {run} from {baseline}"
    );
}

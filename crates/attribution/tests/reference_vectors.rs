//! The independently computed reference vectors shipped with the math notes.

mod common;
use common::*;
use emergent_attribution::{AgentIds, Baseline, FeatureTable, Method};
use serde_json::Value;

fn load() -> Value {
    serde_json::from_str(include_str!("data/reference_vectors.json")).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn every_reference_case_matches() {
    let d = load();
    let t = &d["table"];
    let ids: Vec<i64> = t["agent_id"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let table = FeatureTable::new(
        AgentIds::Int(ids.into()),
        ["followers", "posts", "replies"]
            .iter()
            .map(|c| (c.to_string(), floats(&t[*c])))
            .collect(),
    )
    .unwrap();
    let cases = d["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for case in cases {
        let expr = case["indicator"].as_str().unwrap();
        let base = match case["baseline"].as_str().unwrap() {
            "zero" => Baseline::Zero,
            "mean" => Baseline::Mean,
            other => panic!("{other}"),
        };
        let want = floats(&case["phi"]);
        let methods: &[Method] = match case["method"].as_str().unwrap() {
            "aumann-shapley" => &[Method::Auto, Method::Quadrature],
            "exact-shapley" => &[Method::ExactShapley],
            other => panic!("{other}"),
        };
        for &m in methods {
            let got = run(&table, expr, &base, m);
            let err = max_rel_diff(&got.phi, &want);
            assert!(
                err < 1e-10,
                "{expr} / {base:?} / {m:?}: {err:e}\n got {:?}\nwant {want:?}",
                got.phi
            );
            let sum = case["sum_phi"].as_f64().unwrap();
            assert!(
                (got.sum_phi - sum).abs() < 1e-10 * sum.abs().max(1.0),
                "{expr}"
            );
        }
    }
}

#[test]
fn the_n3_scaling_example() {
    let d = load();
    let ex = &d["n3_example"];
    let s = floats(&ex["s"]);
    let full = run(
        &table(&[("s", s.clone())]),
        "var(s)",
        &Baseline::Zero,
        Method::Auto,
    );
    assert!(
        max_rel_diff(&full.phi, &floats(&ex["full_phi"])) < 1e-14,
        "{:?}",
        full.phi
    );
    let panel = run(
        &table(&[("s", s[..2].to_vec())]),
        "var(s)",
        &Baseline::Zero,
        Method::Auto,
    );
    assert!(
        max_rel_diff(&panel.phi, &floats(&ex["panel_phi"])) < 1e-14,
        "{:?}",
        panel.phi
    );
    // Mean: the panel's attribution is the full one rescaled by N/n = 1.5, exactly.
    let full = run(
        &table(&[("s", s.clone())]),
        "mean(s)",
        &Baseline::Zero,
        Method::Auto,
    );
    let panel = run(
        &table(&[("s", s[..2].to_vec())]),
        "mean(s)",
        &Baseline::Zero,
        Method::Auto,
    );
    for i in 0..2 {
        assert!((panel.phi[i] - 1.5 * full.phi[i]).abs() < 1e-15);
    }
}

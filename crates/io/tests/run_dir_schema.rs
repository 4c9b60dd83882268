//! The run directory's JSON types write exactly what the `json!` objects they replaced wrote
//! (keys sorted, nulls where undefined) and read back what they wrote, NaN included.

use std::collections::BTreeMap;

use emergent_attribution::TierShare;
use emergent_io::run_dir::{
    AttributionFile, Counts, Distributed, EconomySummary, IndicatorOutcome, Manifest, PhaseSeconds,
    PolicySummary, RunKind, Timings, TopAgent, read_attribution, read_manifest, write_attribution,
    write_manifest,
};
use serde_json::json;

fn social() -> Manifest {
    Manifest {
        counts: Counts {
            actions: Some(BTreeMap::from([("like".into(), 3), ("post".into(), 2)])),
            active_agent_steps: Some(7),
            agent_steps: Some(20),
            agents: Some(10),
            edges: Some(31),
            exposures: Some(40),
            items: Some(5),
            months: None,
            recorded_ticks: Some(3),
            rejected_actions: Some(1),
            ticks: Some(2),
        },
        distilled_policy: None,
        distributed: Some(Distributed {
            cut_edges: 4,
            peak_rss_bytes_per_rank: vec![10, 20],
            rank0_agents: [0, 5],
            rank0_bytes_received_per_tick: 1.5,
            rank0_bytes_sent_per_tick: 2.5,
            rank0_items_fetched_per_tick: 0.5,
            rank0_seconds_per_tick: PhaseSeconds {
                apply: 0.1,
                decide: 0.2,
                exchange: 0.3,
                fetch: 0.4,
            },
            ranks: 2,
            ticks: 2,
        }),
        economy: None,
        emergent_version: Some("0.1.0".into()),
        git_commit: None,
        interventions: Vec::new(),
        kind: None,
        llm_cache: None,
        outputs: vec!["ticks.parquet".into()],
        overrides: vec!["population.agents=10".into()],
        policy: PolicySummary::new("bounded_confidence", vec![("calls".into(), 3.0)]),
        scenario: "[scenario]\n".into(),
        scenario_file: "s.toml".into(),
        scenario_sha256: "ab".into(),
        seed: Some(42),
        threads: Some(2),
        timings: Timings {
            agent_steps_per_second: Some(1e6),
            peak_rss_bytes: None,
            wall_seconds: Some(0.25),
        },
    }
}

#[test]
fn a_social_manifest_is_the_json_object_it_replaced() {
    let m = social();
    let old = json!({
        "emergent_version": "0.1.0",
        "git_commit": null,
        "scenario_file": "s.toml",
        "scenario_sha256": "ab",
        "scenario": "[scenario]\n",
        "overrides": ["population.agents=10"],
        "seed": 42,
        "threads": 2,
        "counts": {
            "agents": 10, "edges": 31, "items": 5, "ticks": 2, "recorded_ticks": 3,
            "agent_steps": 20, "active_agent_steps": 7, "exposures": 40,
            "rejected_actions": 1, "actions": { "post": 2, "like": 3 },
        },
        "policy": { "name": "bounded_confidence", "stats": { "calls": 3.0 } },
        "timings": { "wall_seconds": 0.25, "agent_steps_per_second": 1e6, "peak_rss_bytes": null },
        "outputs": ["ticks.parquet"],
        "distributed": {
            "ranks": 2, "rank0_agents": [0, 5], "ticks": 2,
            "rank0_bytes_sent_per_tick": 2.5, "rank0_bytes_received_per_tick": 1.5,
            "rank0_items_fetched_per_tick": 0.5,
            "rank0_seconds_per_tick": { "fetch": 0.4, "decide": 0.2, "exchange": 0.3, "apply": 0.1 },
            "peak_rss_bytes_per_rank": [10, 20], "cut_edges": 4,
        },
    });
    assert_eq!(
        serde_json::to_string_pretty(&m).unwrap(),
        serde_json::to_string_pretty(&old).unwrap()
    );
    let dir = tempfile::tempdir().unwrap();
    write_manifest(dir.path(), &m).unwrap();
    assert_eq!(read_manifest(dir.path()).unwrap(), m);
}

#[test]
fn an_econ_manifest_writes_undefined_values_as_null_and_reads_them_back() {
    let mut m = social();
    m.distributed = None;
    m.threads = None;
    m.kind = Some(RunKind::Econ);
    m.counts = Counts {
        agents: Some(3),
        months: Some(2),
        recorded_ticks: Some(2),
        ticks: Some(2),
        ..Counts::default()
    };
    m.policy = PolicySummary::new("econ_rule", vec![("mean".into(), f64::NAN)]);
    m.economy = Some(EconomySummary {
        final_interest_rate: Some(0.01),
        final_price: Some(f64::NAN),
        mean_price_inflation: None,
        mean_unemployment: Some(0.1),
        mean_wage_inflation: None,
        total_nominal_gdp: Some(5.0),
        total_real_gdp: Some(4.0),
    });
    let text = serde_json::to_string_pretty(&m).unwrap();
    let old = json!({
        "kind": "econ",
        "counts": { "agents": 3, "ticks": 2, "months": 2, "recorded_ticks": 2 },
        "economy": {
            "mean_unemployment": 0.1, "mean_price_inflation": null, "mean_wage_inflation": null,
            "final_price": f64::NAN, "final_interest_rate": 0.01,
            "total_nominal_gdp": 5.0, "total_real_gdp": 4.0,
        },
        "emergent_version": "0.1.0", "git_commit": null, "scenario_file": "s.toml",
        "scenario_sha256": "ab", "scenario": "[scenario]\n",
        "overrides": ["population.agents=10"], "seed": 42,
        "policy": { "name": "econ_rule", "stats": { "mean": f64::NAN } },
        "timings": { "wall_seconds": 0.25, "agent_steps_per_second": 1e6, "peak_rss_bytes": null },
        "outputs": ["ticks.parquet"],
    });
    assert_eq!(text, serde_json::to_string_pretty(&old).unwrap());
    let back: Manifest = serde_json::from_str(&text).unwrap();
    assert_eq!(back.economy.as_ref().unwrap().final_price, None);
    assert_eq!(back.policy.stats["mean"], None);
    assert_eq!(serde_json::to_string_pretty(&back).unwrap(), text);
}

#[test]
fn attribution_json_reads_back_with_nan_shares() {
    let outcome = IndicatorOutcome {
        name: "pol".into(),
        expr: "var(stance)".into(),
        baseline: "mean".into(),
        value: Some(0.5),
        baseline_value: Some(0.0),
        sum_phi: Some(0.0),
        completeness_gap: Some(1e-17),
        method: Some("closed form".into()),
        steps: None,
        tier_by: Some("followers".into()),
        tiers: vec![TierShare {
            name: "top 1%".into(),
            from: 0,
            to: 1,
            phi_sum: 0.0,
            share: f64::NAN,
        }],
        top_agents: vec![TopAgent {
            agent_id: "3".into(),
            phi: 0.25,
            share: f64::NAN,
            features: vec![("followers".into(), 2.0), ("odd".into(), f64::NAN)],
        }],
        error: None,
        phi: Some(vec![0.25]),
    };
    let dir = tempfile::tempdir().unwrap();
    write_attribution(dir.path(), std::slice::from_ref(&outcome)).unwrap();
    let text = std::fs::read_to_string(dir.path().join("attribution.json")).unwrap();
    assert_eq!(
        text,
        serde_json::to_string_pretty(&json!({ "indicators": [outcome] })).unwrap()
    );
    let back: AttributionFile = read_attribution(dir.path()).unwrap();
    assert!(back.indicators[0].tiers[0].share.is_nan());
    assert!(back.indicators[0].top_agents[0].features[1].1.is_nan());
    assert_eq!(back.indicators[0].phi, None, "φ is not in the JSON");
    let again = tempfile::tempdir().unwrap();
    write_attribution(again.path(), &back.indicators).unwrap();
    assert_eq!(
        std::fs::read_to_string(again.path().join("attribution.json")).unwrap(),
        text,
        "what was read writes the same bytes"
    );
}

#[test]
fn a_missing_manifest_says_the_directory_is_not_a_completed_run() {
    let dir = tempfile::tempdir().unwrap();
    let e = read_manifest(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("manifest.json") && e.contains("completed run directory"),
        "{e}"
    );
}

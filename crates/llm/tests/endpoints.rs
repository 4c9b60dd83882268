//! `[[llm.endpoints]]`: four servers with different latencies share the load, one of them
//! dies mid-run and no decision is lost, and the replay cache does not care which endpoint
//! (or which name of the model) answered.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use emergent_llm::testing::MockServer;
use emergent_llm::{LlmRunOptions, econ_policy_for};
use emergent_scenario::{LlmEndpoint, Scenario};
use emergent_sim::econ::{EconDecision, EconPolicy, Economy};

fn scenario(agents: usize, endpoints: Vec<LlmEndpoint>, base_url: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/econagent.toml");
    let mut s = Scenario::from_path(&path).unwrap();
    for (k, v) in [
        ("llm.base_url", format!("\"{base_url}\"")),
        ("llm.reflect_every", "0".into()),
        ("llm.backoff_ms", "20".into()),
        ("llm.max_retries", "2".into()),
        ("population.agents", agents.to_string()),
    ] {
        s.apply_override(k, &v).unwrap();
    }
    s.llm.endpoints = endpoints;
    s
}

fn endpoint(server: &MockServer, max_in_flight: usize, model: Option<&str>) -> LlmEndpoint {
    LlmEndpoint {
        base_url: server.base_url.clone(),
        api_key_env: None,
        model: model.map(String::from),
        max_in_flight: Some(max_in_flight),
        weight: 1.0,
    }
}

fn stats(p: &dyn EconPolicy) -> BTreeMap<String, f64> {
    p.stats().into_iter().collect()
}

fn run(p: &dyn EconPolicy, s: &Scenario, months: u32) -> Vec<Vec<EconDecision>> {
    let mut e = Economy::new(
        s.econ.as_ref().unwrap(),
        s.population.agents,
        s.scenario.seed,
    );
    let mut out = Vec::new();
    for _ in 0..months {
        let d = p.decide_batch(&e, &e.deciders());
        e.step(&d);
        out.push(d);
    }
    out
}

#[test]
fn one_of_four_endpoints_dying_mid_run_loses_no_decision() {
    let servers: Vec<MockServer> = [2u64, 4, 8, 16]
        .iter()
        .map(|&ms| MockServer::healthy(Duration::from_millis(ms)))
        .collect();
    // The second server dies at its 25th request: that request and the ones in flight
    // there lose their connection, later ones are refused.
    servers[1].kill_after(25);
    let eps = vec![
        endpoint(&servers[0], 4, None),
        endpoint(&servers[1], 4, Some("the-same-weights-by-another-name")),
        endpoint(&servers[2], 4, None),
        endpoint(&servers[3], 4, None),
    ];
    let (agents, months) = (120, 3);
    let s = scenario(agents, eps, "http://unused.invalid/v1");
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("replay.sqlite");
    let p = econ_policy_for(&s, &LlmRunOptions::with_cache(&cache)).unwrap();
    let spread = run(p.as_ref(), &s, months);
    let st = stats(p.as_ref());
    let decisions = (agents * months as usize) as f64;
    assert_eq!(st["llm_decisions"], decisions, "{st:?}");
    assert_eq!(st["fallbacks"], 0.0, "{st:?}");
    assert!(st["endpoint1_taken_out"] >= 1.0, "{st:?}");
    assert!(st["connection_errors"] >= 1.0, "{st:?}");
    assert!(
        (26..=30).contains(&servers[1].requests()),
        "killed at its 25th (0-based) request"
    );
    for i in [0, 2, 3] {
        assert!(st[&format!("endpoint{i}_requests")] > 0.0, "{st:?}");
    }
    // The fastest server answers most.
    assert!(servers[0].requests() > servers[3].requests());

    // The same decisions as one healthy server gives, and the cache key names no endpoint:
    // a one-endpoint run of the same model replays every answer from it.
    let single = MockServer::healthy(Duration::ZERO);
    let one = scenario(agents, Vec::new(), &single.base_url);
    let fresh = tempfile::tempdir().unwrap();
    let reference = econ_policy_for(&one, &LlmRunOptions::in_dir(fresh.path())).unwrap();
    assert_eq!(run(reference.as_ref(), &one, months), spread);
    let offline = LlmRunOptions {
        offline: true,
        ..LlmRunOptions::with_cache(&cache)
    };
    let replay = econ_policy_for(&one, &offline).unwrap();
    assert_eq!(run(replay.as_ref(), &one, months), spread);
    assert_eq!(stats(replay.as_ref())["cache_misses"], 0.0);
}

#[test]
fn every_endpoint_down_falls_back_without_hanging() {
    let mut a = MockServer::healthy(Duration::ZERO);
    let mut b = MockServer::healthy(Duration::ZERO);
    let eps = vec![endpoint(&a, 2, None), endpoint(&b, 2, None)];
    a.kill();
    b.kill();
    let s = scenario(6, eps, "http://unused.invalid/v1");
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &LlmRunOptions::in_dir(dir.path())).unwrap();
    run(p.as_ref(), &s, 2);
    let st = stats(p.as_ref());
    assert_eq!(st["fallbacks_endpoint"], 12.0, "{st:?}");
    assert!(
        st["endpoint0_taken_out"] >= 1.0 && st["endpoint1_taken_out"] >= 1.0,
        "{st:?}"
    );
}

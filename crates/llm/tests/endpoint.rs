//! The LLM policy against a real OpenAI-compatible HTTP server on 127.0.0.1: happy path,
//! rate limits, server errors, timeouts, bad answers, an endpoint that dies mid-run,
//! budgets, pausing, and replay from the cache.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use emergent_llm::testing::{MockServer, Reply, valid_answer};
use emergent_llm::{LlmRunOptions, econ_policy_for};
use emergent_scenario::Scenario;
use emergent_sim::econ::{EconDecision, EconPolicy, Economy};

fn scenario(base_url: &str, sets: &[(&str, &str)]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/econagent.toml");
    let mut s = Scenario::from_path(&path).unwrap();
    s.apply_override("llm.base_url", &format!("\"{base_url}\""))
        .unwrap();
    s.apply_override("llm.reflect_every", "0").unwrap();
    s.apply_override("llm.backoff_ms", "20").unwrap();
    for (k, v) in sets {
        s.apply_override(k, v).unwrap();
    }
    s
}

fn stats(p: &dyn EconPolicy) -> BTreeMap<String, f64> {
    p.stats().into_iter().collect()
}

/// Run `months` months; decisions of every month.
fn run(p: &dyn EconPolicy, s: &Scenario, months: u32) -> Vec<Vec<EconDecision>> {
    let mut e = Economy::new(
        s.econ.as_ref().unwrap(),
        s.population.agents,
        s.scenario.seed,
    );
    let mut out = Vec::new();
    for _ in 0..months {
        for (a, n) in p.reflect(&e).into_iter().enumerate() {
            if let Some(n) = n {
                e.reflection[a] = n;
            }
        }
        let d = p.decide_batch(&e, &e.deciders());
        e.step(&d);
        out.push(d);
    }
    out
}

fn opts(dir: &tempfile::TempDir) -> LlmRunOptions {
    LlmRunOptions::in_dir(dir.path())
}

fn scripted(f: impl Fn(u64, &serde_json::Value) -> Reply + Send + Sync + 'static) -> MockServer {
    MockServer::start(Arc::new(f), Duration::ZERO)
}

#[test]
fn happy_path_every_decision_comes_from_the_model() {
    let server = MockServer::healthy(Duration::from_millis(5));
    let s = scenario(&server.base_url, &[]);
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &opts(&dir)).unwrap();
    assert_eq!(p.name(), "econ_llm");
    let d = run(p.as_ref(), &s, 3);
    let st = stats(p.as_ref());
    assert_eq!(st["llm_decisions"], 30.0, "{st:?}");
    assert_eq!(st["fallbacks"], 0.0);
    assert_eq!(st["calls"], 30.0);
    assert_eq!(server.requests(), 30);
    assert!(st["prompt_tokens"] > 0.0 && st["completion_tokens"] > 0.0);
    // The answers differ by prompt and sit on the 0.02 grid.
    assert!(d[0].iter().any(|x| x.work != d[0][0].work));
    for x in d.iter().flatten() {
        assert!(((x.work / 0.02).round() * 0.02 - x.work).abs() < 1e-9);
    }
}

#[test]
fn decisions_come_back_in_agent_order_whatever_the_completion_order() {
    // Later requests answer first; the outcome must equal a run without delays.
    let slow = scripted(|n, b| {
        Reply::Delayed(
            Duration::from_millis(200u64.saturating_sub(n * 20)),
            valid_answer(b),
        )
    });
    let fast = MockServer::healthy(Duration::ZERO);
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let s1 = scenario(&slow.base_url, &[]);
    let s2 = scenario(&fast.base_url, &[]);
    let a = run(econ_policy_for(&s1, &opts(&d1)).unwrap().as_ref(), &s1, 2);
    let b = run(econ_policy_for(&s2, &opts(&d2)).unwrap().as_ref(), &s2, 2);
    assert_eq!(a, b);
}

#[test]
fn rate_limited_429_with_retry_after_is_waited_out_then_succeeds() {
    let server = scripted(|n, b| {
        if n == 0 {
            Reply::Status(429, Some(1))
        } else {
            Reply::Content(valid_answer(b))
        }
    });
    let s = scenario(&server.base_url, &[("population.agents", "1")]);
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &opts(&dir)).unwrap();
    let t = Instant::now();
    run(p.as_ref(), &s, 1);
    let st = stats(p.as_ref());
    assert!(
        t.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was not honoured: {:?}",
        t.elapsed()
    );
    assert_eq!(
        (
            st["http_429"],
            st["retries"],
            st["llm_decisions"],
            st["fallbacks"]
        ),
        (1.0, 1.0, 1.0, 0.0),
        "{st:?}"
    );
}

#[test]
fn server_errors_are_retried_and_persistent_ones_fall_back() {
    let server = scripted(|n, b| {
        if n < 2 {
            Reply::Status(500, None)
        } else {
            Reply::Content(valid_answer(b))
        }
    });
    let s = scenario(&server.base_url, &[("population.agents", "1")]);
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &opts(&dir)).unwrap();
    run(p.as_ref(), &s, 1);
    let st = stats(p.as_ref());
    assert_eq!(
        (st["http_500"], st["retries"], st["llm_decisions"]),
        (2.0, 2.0, 1.0),
        "{st:?}"
    );

    let down = scripted(|_, _| Reply::Status(503, None));
    let s = scenario(
        &down.base_url,
        &[("population.agents", "2"), ("llm.max_retries", "2")],
    );
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &opts(&dir)).unwrap();
    let d = run(p.as_ref(), &s, 1);
    let st = stats(p.as_ref());
    assert_eq!(
        (st["calls"], st["fallbacks_endpoint"], st["llm_decisions"]),
        (6.0, 2.0, 0.0),
        "{st:?}"
    );
    // The fallback is the rule baseline's decision.
    let e = Economy::new(s.econ.as_ref().unwrap(), 2, s.scenario.seed);
    assert_eq!(
        d[0],
        emergent_sim::econ::RuleBaseline.decide_batch(&e, &[0, 1])
    );
}

#[test]
fn slow_answers_past_the_timeout_count_as_timeouts() {
    let server = MockServer::healthy(Duration::from_millis(1500));
    let s = scenario(
        &server.base_url,
        &[
            ("population.agents", "1"),
            ("llm.timeout_secs", "0.2"),
            ("llm.max_retries", "1"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &opts(&dir)).unwrap();
    let t = Instant::now();
    run(p.as_ref(), &s, 1);
    let st = stats(p.as_ref());
    assert!(
        t.elapsed() < Duration::from_millis(1400),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(
        (st["timeouts"], st["retries"], st["fallbacks_endpoint"]),
        (2.0, 1.0, 1.0),
        "{st:?}"
    );
}

#[test]
fn fenced_and_malformed_answers_are_recovered_or_repaired() {
    // Fenced JSON with prose and a trailing comma: parsed without a repair.
    let fenced = scripted(|_, _| {
        Reply::Content("Okay!\n```json\n{\"work\": \"0.8\", \"consumption\": 0.3,}\n```".into())
    });
    let s = scenario(&fenced.base_url, &[("population.agents", "2")]);
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &opts(&dir)).unwrap();
    let d = run(p.as_ref(), &s, 1);
    let st = stats(p.as_ref());
    assert_eq!((st["llm_decisions"], st["repairs"]), (2.0, 0.0), "{st:?}");
    assert_eq!(
        d[0][0],
        EconDecision {
            work: 0.8,
            consumption: 0.3
        }
    );

    // Garbage first; the repair request quotes the error and gets a valid answer.
    let repaired = scripted(|_, b| {
        let quoted = b["messages"].as_array().is_some_and(|m| m.len() >= 4);
        if quoted {
            Reply::Content(valid_answer(b))
        } else {
            Reply::Content("I think I will work hard!".into())
        }
    });
    let s = scenario(&repaired.base_url, &[("population.agents", "2")]);
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &opts(&dir)).unwrap();
    run(p.as_ref(), &s, 1);
    let st = stats(p.as_ref());
    assert_eq!(
        (
            st["parse_failures"],
            st["repairs"],
            st["repaired"],
            st["fallbacks"]
        ),
        (2.0, 2.0, 2.0, 0.0),
        "{st:?}"
    );

    // Garbage always: one repair each, then the surrogate.
    let hopeless = scripted(|_, _| Reply::Content("{\"work\": ".into()));
    let s = scenario(&hopeless.base_url, &[("population.agents", "2")]);
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &opts(&dir)).unwrap();
    run(p.as_ref(), &s, 1);
    let st = stats(p.as_ref());
    assert_eq!(
        (st["repairs"], st["fallbacks_parse"], hopeless.requests()),
        (2.0, 2.0, 4),
        "{st:?}"
    );
}

#[test]
fn out_of_range_values_are_clamped_or_rejected_per_field() {
    // work 1.7 is clamped to 1; consumption 3 is rejected and repaired.
    let server = scripted(|_, b| {
        let repair = b["messages"].as_array().is_some_and(|m| m.len() >= 4);
        Reply::Content(if repair {
            "{\"work\": 1.7, \"consumption\": 0.5}".into()
        } else {
            "{\"work\": 1.7, \"consumption\": 3}".into()
        })
    });
    let s = scenario(&server.base_url, &[("population.agents", "1")]);
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &opts(&dir)).unwrap();
    let d = run(p.as_ref(), &s, 1);
    let st = stats(p.as_ref());
    assert_eq!(
        d[0][0],
        EconDecision {
            work: 1.0,
            consumption: 0.5
        }
    );
    assert_eq!(
        (st["repairs"], st["repaired"], st["clamped_fields"]),
        (1.0, 1.0, 1.0),
        "{st:?}"
    );
}

#[test]
fn a_server_stopped_mid_run_leaves_the_run_on_counted_fallbacks() {
    let mut server = MockServer::healthy(Duration::ZERO);
    let s = scenario(
        &server.base_url,
        &[("llm.max_retries", "1"), ("llm.outage_after", "3")],
    );
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &opts(&dir)).unwrap();
    let mut e = Economy::new(s.econ.as_ref().unwrap(), 10, s.scenario.seed);
    for month in 0..6 {
        if month == 2 {
            server.stop();
        }
        let d = p.decide_batch(&e, &e.deciders());
        e.step(&d);
    }
    let st = stats(p.as_ref());
    assert_eq!(st["llm_decisions"], 20.0, "{st:?}");
    assert_eq!(st["fallbacks_endpoint"], 40.0, "{st:?}");
    assert!(st["connection_errors"] >= 10.0, "{st:?}");
    assert_eq!(p.halt(), None, "on_outage = fallback keeps going");
    assert_eq!(e.month, 6);
}

#[test]
fn pause_on_outage_asks_the_runner_to_stop() {
    let server = scripted(|_, _| Reply::Status(502, None));
    let s = scenario(
        &server.base_url,
        &[
            ("llm.max_retries", "0"),
            ("llm.outage_after", "2"),
            ("llm.on_outage", "\"pause\""),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &opts(&dir)).unwrap();
    run(p.as_ref(), &s, 1);
    let why = p.halt().expect("paused").reason;
    assert!(why.contains("is down") && why.contains("pause"), "{why}");
}

#[test]
fn call_budget_stops_cleanly_with_counted_fallbacks() {
    let server = MockServer::healthy(Duration::ZERO);
    let s = scenario(&server.base_url, &[("llm.max_in_flight", "1")]);
    let dir = tempfile::tempdir().unwrap();
    let o = LlmRunOptions {
        max_calls: Some(4),
        ..opts(&dir)
    };
    let p = econ_policy_for(&s, &o).unwrap();
    run(p.as_ref(), &s, 1);
    let st = stats(p.as_ref());
    assert_eq!((st["calls"], st["fallbacks_budget"]), (4.0, 6.0), "{st:?}");
    assert_eq!(server.requests(), 4);
    let spent = p.halt().unwrap();
    assert!(spent.reason.contains("--max-calls 4") && spent.budget_spent);
}

#[test]
fn replay_makes_no_request_and_gives_identical_decisions() {
    let server = MockServer::healthy(Duration::ZERO);
    let s = scenario(&server.base_url, &[("llm.reflect_every", "2")]);
    let dir = tempfile::tempdir().unwrap();
    let first = {
        let p = econ_policy_for(&s, &opts(&dir)).unwrap();
        let d = run(p.as_ref(), &s, 4);
        assert!(stats(p.as_ref())["reflections"] > 0.0);
        d
    };
    let before = server.requests();
    assert!(before >= 40);
    let p = econ_policy_for(
        &s,
        &LlmRunOptions {
            offline: true,
            ..opts(&dir)
        },
    )
    .unwrap();
    let again = run(p.as_ref(), &s, 4);
    let st = stats(p.as_ref());
    assert_eq!(
        server.requests(),
        before,
        "a replay must not reach the server"
    );
    assert_eq!(again, first);
    assert_eq!((st["calls"], st["llm_decisions"]), (0.0, 40.0), "{st:?}");
    assert_eq!(p.halt(), None);

    // Offline with a different seed: every request misses, and the run is told to stop.
    let other = scenario(&server.base_url, &[("scenario.seed", "99")]);
    let p = econ_policy_for(
        &other,
        &LlmRunOptions {
            offline: true,
            ..opts(&dir)
        },
    )
    .unwrap();
    run(p.as_ref(), &other, 1);
    let miss = p.halt().unwrap();
    assert!(miss.reason.contains("cache miss") && !miss.budget_spent);
    assert_eq!(server.requests(), before);
}

#[test]
fn the_api_key_is_sent_but_never_stored() {
    let server = MockServer::healthy(Duration::ZERO);
    let key = "sk-test-SECRET-7f3a9c";
    // SAFETY: this test's own variable, set before any thread reads it.
    unsafe { std::env::set_var("EMERGENT_TEST_KEY_A", key) };
    let s = scenario(
        &server.base_url,
        &[
            ("llm.api_key_env", "\"EMERGENT_TEST_KEY_A\""),
            ("population.agents", "2"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &opts(&dir)).unwrap();
    run(p.as_ref(), &s, 2);
    drop(p);
    assert!(
        server
            .authorizations()
            .iter()
            .all(|a| a == &format!("Bearer {key}"))
    );
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(key.len()).any(|w| w == key.as_bytes()),
            "the key leaked into a file"
        );
    }
    // A missing variable is a clear error naming it.
    let s = scenario(
        &server.base_url,
        &[("llm.api_key_env", "\"EMERGENT_TEST_KEY_UNSET\"")],
    );
    let err = econ_policy_for(&s, &opts(&dir)).err().unwrap().to_string();
    assert!(
        err.contains("EMERGENT_TEST_KEY_UNSET") && err.contains("not set"),
        "{err}"
    );
}

#[test]
fn surrogates_only_with_one_switch() {
    let s = scenario("http://127.0.0.1:9/v1", &[("llm.enabled", "false")]);
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &opts(&dir)).unwrap();
    assert_eq!(p.name(), "econ_rule");
    assert!(!dir.path().join(emergent_llm::CACHE_FILE).exists());
}

#[test]
fn a_call_error_quotes_a_bounded_start_of_a_huge_body() {
    let server = scripted(|_, _| Reply::Raw(503, "E".repeat(50 << 20)));
    let client =
        emergent_llm::ChatClient::new(&server.base_url, "", Duration::from_secs(30), 1).unwrap();
    let req = emergent_llm::ChatRequest {
        model: "m".into(),
        messages: vec![emergent_llm::Message {
            role: emergent_llm::Role::User,
            content: "hi".into(),
        }],
        temperature: 0.0,
        max_tokens: 8,
        seed: 1,
        schema: None,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let text = rt.block_on(client.complete(&req)).unwrap_err().to_string();
    let quote = emergent_llm::bounded::QUOTE_BYTES;
    assert!(text.len() < quote + 100, "{} bytes", text.len());
    assert!(text.starts_with("HTTP 503: EEEE"), "{}", &text[..100]);
    assert!(
        text.ends_with(&format!("… ({} bytes total)", 50 << 20)),
        "{text}"
    );
}

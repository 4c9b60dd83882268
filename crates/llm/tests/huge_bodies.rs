//! An endpoint answering 50 MB bodies once made 786 MB of stderr in a 4-agent run. Against
//! a real server on 127.0.0.1 answering huge bodies of every kind, what the policy prints
//! (every tracing event, at debug level: the worst case), keeps in its errors, sends back
//! in a repair request and stores in the replay cache stays small.
//!
//! One test in its own binary: it installs the process-wide tracing subscriber.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use emergent_llm::bounded::{MAX_RESPONSE_BYTES, QUOTE_BYTES};
use emergent_llm::testing::{MockServer, Reply, completion_body};
use emergent_llm::{LlmRunOptions, econ_policy_for};
use emergent_scenario::Scenario;
use emergent_sim::econ::Economy;

const MB50: usize = 50 << 20;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn take(&self) -> Vec<u8> {
        self.0.lock().map(|mut v| std::mem::take(&mut *v)).unwrap()
    }
}

fn scenario(base_url: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/econagent.toml");
    let mut s = Scenario::from_path(&path).unwrap();
    for (k, v) in [
        ("llm.base_url", format!("\"{base_url}\"")),
        ("llm.reflect_every", "0".into()),
        ("llm.backoff_ms", "5".into()),
        ("llm.backoff_max_ms", "10".into()),
        ("llm.max_retries", "1".into()),
        ("population.agents", "4".into()),
    ] {
        s.apply_override(k, &v).unwrap();
    }
    s
}

/// Four agents for three months against `reply`; the server and the policy's halt reason.
fn run_against(reply: Reply, cache_dir: &Path) -> (MockServer, Option<String>) {
    let server = MockServer::start(Arc::new(move |_, _| reply.clone()), Duration::ZERO);
    let s = scenario(&server.base_url);
    let p = econ_policy_for(&s, &LlmRunOptions::in_dir(cache_dir)).unwrap();
    let mut e = Economy::new(s.econ.as_ref().unwrap(), 4, s.scenario.seed);
    for _ in 0..3 {
        let d = p.decide_batch(&e, &e.deciders());
        e.step(&d);
    }
    let halt = p.halt().map(|h| h.reason);
    (server, halt)
}

fn cache_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

#[test]
fn a_server_answering_50_mb_bodies_is_quoted_and_stored_in_bounded_amounts() {
    let log = Captured::default();
    let sink = log.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || sink.clone())
        .init();

    let unparseable = format!(
        "{{\"work\": \"{}\", \"consumption\": 0.5}}",
        "A".repeat(60_000)
    );
    let cases = [
        ("500 with a 50 MB body", Reply::Raw(500, "E".repeat(MB50))),
        ("200, 50 MB of not-JSON", Reply::Raw(200, "x".repeat(MB50))),
        (
            "200, a completion with a 50 MB answer",
            Reply::Raw(200, completion_body(&"A".repeat(MB50))),
        ),
        (
            "200, a 1 MB answer (under the body limit, over the answer limit)",
            Reply::Raw(200, completion_body(&"{".repeat(1 << 20))),
        ),
        (
            "200, a 60 KB unparseable value (a repair is asked)",
            Reply::Content(unparseable),
        ),
    ];
    for (what, reply) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (server, halt) = run_against(reply, dir.path());
        let printed = log.take();
        assert!(
            server.requests() >= 3,
            "{what}: {} requests",
            server.requests()
        );
        // Every event at debug level, all crates, for 12 decisions: a few lines each.
        assert!(
            printed.len() < 64 << 10,
            "{what}: {} bytes printed:\n{}",
            printed.len(),
            String::from_utf8_lossy(&printed[..printed.len().min(4000)])
        );
        let cached = cache_bytes(dir.path());
        eprintln!(
            "{what}: {} bytes printed, {cached} bytes of cache, largest request {} bytes",
            printed.len(),
            server.largest_request()
        );
        assert!(
            cached < 2 << 20,
            "{what}: the replay cache holds {cached} bytes"
        );
        // A repair request quotes at most 2000 characters of the answer and a short error.
        assert!(
            server.largest_request() < 16 << 10,
            "{what}: a request of {} bytes",
            server.largest_request()
        );
        if let Some(h) = halt {
            assert!(h.len() < 2 * QUOTE_BYTES + 500, "{what}: {h}");
        }
    }
    assert!(MAX_RESPONSE_BYTES < MB50 as u64);

    // The same failure for 50 agents over 6 months (600 attempts): a handful of warnings.
    let server = MockServer::start(
        Arc::new(|_, _| Reply::Raw(500, "E".repeat(10_000))),
        Duration::ZERO,
    );
    let mut s = scenario(&server.base_url);
    s.apply_override("population.agents", "50").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = econ_policy_for(&s, &LlmRunOptions::in_dir(dir.path())).unwrap();
    let mut e = Economy::new(s.econ.as_ref().unwrap(), 50, s.scenario.seed);
    for _ in 0..6 {
        let d = p.decide_batch(&e, &e.deciders());
        e.step(&d);
    }
    let printed = String::from_utf8_lossy(&log.take()).into_owned();
    let warnings = printed.lines().filter(|l| l.contains("WARN")).count();
    assert!(server.requests() >= 300, "{}", server.requests());
    assert!(warnings <= 8, "{warnings} warnings:\n{printed}");
    assert!(printed.contains("seen 100 times"), "{printed}");
}

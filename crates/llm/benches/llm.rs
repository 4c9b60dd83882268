//! Throughput of the LLM path against the mock endpoint (run in a child process, so its
//! CPU is not billed to the client) with a fixed 50 ms latency, and of replay from the
//! cache. `cargo bench -p emergent-llm --bench llm`; writes `benches/results/llm.json`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use emergent_llm::testing::MockServer;
use emergent_llm::{LlmRunOptions, econ_policy_for};
use emergent_scenario::Scenario;
use emergent_sim::econ::Economy;

const LATENCY: Duration = Duration::from_millis(50);

/// User + system CPU seconds of this process.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn scenario(url: &str, agents: usize, in_flight: usize) -> Scenario {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/econagent.toml");
    let mut s = Scenario::from_path(&path).expect("scenario");
    for (k, v) in [
        ("llm.base_url", format!("\"{url}\"")),
        ("population.agents", agents.to_string()),
        ("llm.max_in_flight", in_flight.to_string()),
        ("llm.reflect_every", "0".into()),
    ] {
        s.apply_override(k, &v).expect("override");
    }
    s
}

/// Decisions per second and CPU seconds per decision for one month of `agents` decisions.
fn measure(
    url: &str,
    agents: usize,
    in_flight: usize,
    cache: &std::path::Path,
    offline: bool,
    repeats: usize,
) -> (f64, f64) {
    let s = scenario(url, agents, in_flight);
    let opts = LlmRunOptions {
        offline,
        cache_path: cache.to_path_buf(),
        ..Default::default()
    };
    let p = econ_policy_for(&s, &opts).expect("policy");
    let e = Economy::new(s.econ.as_ref().expect("econ"), agents, s.scenario.seed);
    let who = e.deciders();
    let (t, c) = (Instant::now(), cpu_seconds());
    for _ in 0..repeats {
        std::hint::black_box(p.decide_batch(&e, &who));
    }
    let n = (agents * repeats) as f64;
    let stats: std::collections::BTreeMap<String, f64> = p.stats().into_iter().collect();
    assert_eq!(stats["fallbacks"], 0.0, "{stats:?}");
    (n / t.elapsed().as_secs_f64(), (cpu_seconds() - c) / n)
}

fn main() {
    if std::env::args().any(|a| a == "--serve") {
        let server = MockServer::healthy(LATENCY);
        println!("{}", server.base_url);
        std::thread::sleep(Duration::from_secs(3600));
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let mut child = Command::new(std::env::current_exe().expect("exe"))
        .arg("--serve")
        .stdout(Stdio::piped())
        .spawn()
        .expect("server process");
    let mut url = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut url)
        .expect("url");
    let url = url.trim().to_string();
    let dir = tempfile::tempdir().expect("tmp");
    let mut sweep = Vec::new();
    for in_flight in [8usize, 16, 32, 64, 128] {
        let agents = (in_flight * 20).max(640);
        let cache = dir.path().join(format!("sweep-{in_flight}.sqlite"));
        let (rate, cpu) = measure(&url, agents, in_flight, &cache, false, 1);
        let little = in_flight as f64 / LATENCY.as_secs_f64();
        println!(
            "max_in_flight {in_flight:>3}: {rate:>7.0} decisions/s = {:.1} % of Little's law ({little:.0}/s); CPU {:.1} µs/decision",
            100.0 * rate / little,
            cpu * 1e6
        );
        sweep.push(serde_json::json!({"max_in_flight": in_flight, "decisions": agents, "decisions_per_second": rate, "littles_law_per_second": little, "fraction_of_littles_law": rate / little, "cpu_us_per_decision": cpu * 1e6}));
    }
    let cache = dir.path().join("replay.sqlite");
    let agents = 10_000;
    let (rate, cpu) = measure(&url, agents, 64, &cache, false, 1);
    println!(
        "sustained, max_in_flight 64, {agents} decisions: {rate:.0}/s (goal ≥ 1152/s); CPU {:.1} µs/decision",
        cpu * 1e6
    );
    let (replay, replay_cpu) = measure(&url, agents, 64, &cache, true, 5);
    println!(
        "replay from the cache: {replay:.0} decisions/s (goal ≥ 100000/s); CPU {:.2} µs/decision",
        replay_cpu * 1e6
    );
    let _ = child.kill();
    let _ = child.wait();
    let out = serde_json::json!({
        "what": "LLM decisions against the mock OpenAI-compatible server (child process) with fixed 50 ms latency; EconAgent prompts; release build",
        "machine_threads": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "sustained": {"max_in_flight": 64, "decisions": agents, "decisions_per_second": rate, "goal_per_second": 1152.0, "cpu_us_per_decision": cpu * 1e6},
        "replay": {"decisions": agents * 5, "decisions_per_second": replay, "goal_per_second": 100000.0, "cpu_us_per_decision": replay_cpu * 1e6},
        "max_in_flight_sweep": sweep,
    });
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benches/results/llm.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&out).unwrap_or_default() + "\n",
    )
    .expect("write results");
    println!("wrote {}", path.display());
}

//! Four endpoints with different fixed latencies: does least-outstanding routing keep every
//! one of them full? Goal: ≥ 90 % of the sum of their Little's-law limits
//! (max_in_flight / latency). Then the same with one endpoint dying mid-run: no decision may
//! be lost. The servers run in a child process, so their CPU is not billed to the client.
//! A baseline in the same run — one endpoint with the same total limit (20 ms,
//! max_in_flight 15) — separates what routing loses from what the client's CPU costs on a
//! busy machine.
//! `cargo bench -p emergent-llm --bench endpoints`; writes `benches/results/llm_endpoints.json`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use emergent_llm::testing::MockServer;
use emergent_llm::{LlmRunOptions, econ_policy_for};
use emergent_scenario::{LlmEndpoint, Scenario};
use emergent_sim::econ::Economy;

/// Fixed latency of each endpoint, milliseconds.
const LATENCIES_MS: [u64; 4] = [20, 40, 80, 160];
/// `max_in_flight` of each endpoint.
const IN_FLIGHT: usize = 8;
const AGENTS: usize = 3000;
/// The baseline: one endpoint whose Little's-law limit is the four's sum (15 / 20 ms = 750/s).
const BASELINE_LATENCY_MS: u64 = 20;
const BASELINE_IN_FLIGHT: usize = 15;
const MONTHS: usize = 2;

/// Child process: serve the four mock endpoints and the baseline's (20 ms), print their
/// URLs, the first one dying at its request number `kill` if given.
fn serve(kill: Option<u64>) {
    let servers: Vec<MockServer> = LATENCIES_MS
        .iter()
        .chain(&[BASELINE_LATENCY_MS])
        .map(|&ms| MockServer::healthy(Duration::from_millis(ms)))
        .collect();
    if let Some(n) = kill {
        servers[0].kill_after(n);
    }
    for s in &servers {
        println!("{}", s.base_url);
    }
    std::thread::sleep(Duration::from_secs(3600));
}

fn start_servers(kill: Option<u64>) -> (Child, Vec<String>) {
    let mut cmd = Command::new(std::env::current_exe().expect("exe"));
    cmd.arg("--serve");
    if let Some(n) = kill {
        cmd.arg(format!("--kill-after={n}"));
    }
    let mut child = cmd.stdout(Stdio::piped()).spawn().expect("server process");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let urls = (0..=LATENCIES_MS.len())
        .map(|_| lines.next().expect("url").expect("url"))
        .collect();
    (child, urls)
}

fn scenario(urls: &[String], in_flight: usize) -> Scenario {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/econagent.toml");
    let mut s = Scenario::from_path(&path).expect("scenario");
    for (k, v) in [
        ("population.agents", AGENTS.to_string()),
        ("llm.reflect_every", "0".into()),
        ("llm.backoff_ms", "50".into()),
        ("llm.max_retries", "2".into()),
    ] {
        s.apply_override(k, &v).expect("override");
    }
    s.llm.endpoints = urls
        .iter()
        .map(|u| LlmEndpoint {
            base_url: u.clone(),
            api_key_env: None,
            model: None,
            max_in_flight: Some(in_flight),
            weight: 1.0,
        })
        .collect();
    s
}

/// Decisions per second over `MONTHS` months, and the policy's counters.
fn measure(urls: &[String], in_flight: usize) -> (f64, std::collections::BTreeMap<String, f64>) {
    let s = scenario(urls, in_flight);
    let dir = tempfile::tempdir().expect("tmp");
    let p = econ_policy_for(&s, &LlmRunOptions::in_dir(dir.path())).expect("policy");
    let mut e = Economy::new(s.econ.as_ref().expect("econ"), AGENTS, s.scenario.seed);
    let t = Instant::now();
    for _ in 0..MONTHS {
        let d = p.decide_batch(&e, &e.deciders());
        e.step(&d);
    }
    let rate = (AGENTS * MONTHS) as f64 / t.elapsed().as_secs_f64();
    (rate, p.stats().into_iter().collect())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--serve") {
        let kill = args
            .iter()
            .find_map(|a| a.strip_prefix("--kill-after="))
            .and_then(|n| n.parse().ok());
        serve(kill);
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let little: f64 = LATENCIES_MS
        .iter()
        .map(|&ms| IN_FLIGHT as f64 / (ms as f64 / 1000.0))
        .sum();
    let (mut child, urls) = start_servers(None);
    let (baseline, _) = measure(&urls[4..], BASELINE_IN_FLIGHT);
    println!(
        "baseline, 1 endpoint (20 ms, max_in_flight 15): {baseline:.0} decisions/s = {:.1} % of its Little's-law limit ({little:.0}/s)",
        100.0 * baseline / little
    );
    let (rate, st) = measure(&urls[..4], IN_FLIGHT);
    let _ = child.kill();
    let _ = child.wait();
    let shares: Vec<f64> = (0..4)
        .map(|i| {
            st.get(&format!("endpoint{i}_requests"))
                .copied()
                .unwrap_or(0.0)
        })
        .collect();
    println!(
        "4 endpoints ({LATENCIES_MS:?} ms, max_in_flight {IN_FLIGHT} each): {rate:.0} decisions/s = {:.1} % of the sum of Little's-law limits ({little:.0}/s), {:.1} % of the baseline; requests per endpoint {shares:?}; fallbacks {}",
        100.0 * rate / little,
        100.0 * rate / baseline,
        st["fallbacks"]
    );

    // The fastest endpoint dies a fifth of the way in: its in-flight requests lose their
    // connection and go elsewhere, later ones are refused until it is taken out.
    let total = (AGENTS * MONTHS) as u64;
    let (mut child, urls) = start_servers(Some(total / 10));
    let (rate_killed, stk) = measure(&urls[..4], IN_FLIGHT);
    let _ = child.kill();
    let _ = child.wait();
    let survivors: f64 = LATENCIES_MS[1..]
        .iter()
        .map(|&ms| IN_FLIGHT as f64 / (ms as f64 / 1000.0))
        .sum();
    let lost = stk["fallbacks"];
    println!(
        "the 20 ms endpoint killed at its request {}: {rate_killed:.0} decisions/s; {} of {total} decisions by the model, {lost} lost to fallbacks; taken out {} times; {} connection errors retried elsewhere (the three survivors' limit is {survivors:.0}/s)",
        total / 10,
        stk["llm_decisions"],
        stk["endpoint0_taken_out"],
        stk["connection_errors"]
    );
    let out = serde_json::json!({
        "what": "EconAgent decisions over 4 mock OpenAI-compatible endpoints (child process) with fixed latencies, least-outstanding routing; release build",
        "machine_threads": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "latencies_ms": LATENCIES_MS,
        "max_in_flight_each": IN_FLIGHT,
        "decisions": total,
        "littles_law_sum_per_second": little,
        "decisions_per_second": rate,
        "fraction_of_littles_law": rate / little,
        "baseline_one_endpoint_per_second": baseline,
        "fraction_of_baseline": rate / baseline,
        "load_average_1min": std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| l.split_whitespace().next().and_then(|x| x.parse::<f64>().ok())),
        "requests_per_endpoint": shares,
        "killed": {
            "endpoint": 0,
            "at_request": total / 10,
            "decisions_per_second": rate_killed,
            "llm_decisions": stk["llm_decisions"],
            "fallbacks": lost,
            "taken_out": stk["endpoint0_taken_out"],
            "connection_errors": stk["connection_errors"],
        },
    });
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../benches/results/llm_endpoints.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&out).unwrap_or_default() + "\n",
    )
    .expect("write results");
    println!("wrote {}", path.display());
}

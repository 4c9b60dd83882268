//! `emergent run` with LLM agents through the binary, against an OpenAI-compatible server
//! the test starts on 127.0.0.1: EconAgent end to end, replay with zero requests, offline
//! misses, budgets with resume, the API key never written anywhere, and every LLM
//! scenario on surrogates with one switch. The replay cache every run shares: a rerun into
//! a new directory, concurrent runs, files that are not caches, an old run-directory cache,
//! and `emergent cache stats|prune|export`.
//!
//! Every command gets `EMERGENT_CACHE` = `replay.sqlite` next to its run directory (one
//! cache per test's temporary folder), so no test touches the user's cache.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use emergent_llm::testing::MockServer;

const KEY: &str = "sk-cli-test-9d1e77SECRET";

/// The test's cache for `args`: `replay.sqlite` beside the `--out` or `--resume` folder.
fn cache_for(args: &[&str]) -> PathBuf {
    let dir = args
        .windows(2)
        .find(|w| w[0] == "--out" || w[0] == "--resume")
        .map(|w| {
            Path::new(w[1])
                .parent()
                .unwrap_or(Path::new("."))
                .to_path_buf()
        })
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("emergent-cli-llm-{}", std::process::id()))
        });
    dir.join("replay.sqlite")
}

fn emergent(args: &[&str]) -> Output {
    emergent_with_cache(args, &cache_for(args))
}

fn emergent_with_cache(args: &[&str], cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_emergent"))
        .args(args)
        .env("EMERGENT_CLI_TEST_KEY", KEY)
        .env("EMERGENT_CACHE", cache)
        .env("RUST_LOG", "debug")
        .output()
        .expect("the binary runs")
}

fn ok(args: &[&str]) -> Output {
    let out = emergent(args);
    assert!(
        out.status.success(),
        "{args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn scenario(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn rows(path: &Path) -> i64 {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let r = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    r.metadata().file_metadata().num_rows()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p))
        } else {
            out.push(p)
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn econ_args<'a>(url: &'a str, out: &'a str, months: &'a str) -> Vec<String> {
    [
        "run",
        &scenario("econagent.toml"),
        "--out",
        out,
        "--force",
        "--set",
        &format!("llm.base_url=\"{url}\""),
        "--set",
        &format!("scenario.ticks={months}"),
        "--set",
        "llm.api_key_env=\"EMERGENT_CLI_TEST_KEY\"",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn econagent_runs_against_the_endpoint_replays_offline_and_never_stores_the_key() {
    let server = MockServer::healthy(Duration::from_millis(2));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("econ");
    let o = out.to_str().unwrap();
    let args = econ_args(&server.base_url, o, "4");
    let first = ok(&strs(&args));
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        stdout.contains("llm: 40 decisions (40 by the model, 0 fallbacks"),
        "{stdout}"
    );
    let m = manifest(&out);
    assert_eq!(m["kind"], "econ");
    assert_eq!(m["counts"]["months"], 4);
    assert_eq!(m["policy"]["name"], "econ_llm");
    assert_eq!(m["policy"]["stats"]["llm_decisions"], 40.0);
    // Reflection every quarter: month 3 asks each of the 10 households once.
    assert_eq!(m["policy"]["stats"]["reflections"], 10.0);
    assert_eq!(server.requests(), 50);
    assert_eq!(rows(&out.join("ticks.parquet")), 40);
    assert_eq!(rows(&out.join("actions.parquet")), 40);
    let csv = std::fs::read_to_string(out.join("indicators.csv")).unwrap();
    assert!(csv.starts_with("tick,unemployment,price,price_inflation,wage_inflation,nominal_gdp,real_gdp,interest_rate,wage_level,output,consumption,wealth_inequality\n"), "{csv}");
    assert_eq!(csv.lines().count(), 5);
    for f in [
        "features.parquet",
        "attribution.json",
        "attribution.parquet",
        "scenario.toml",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // The cache lives outside the run directory, and the manifest says which one it was.
    let cache = tmp.path().join("replay.sqlite");
    assert!(cache.is_file() && !out.join(emergent_llm::CACHE_FILE).exists());
    assert_eq!(m["llm_cache"]["path"], cache.to_str().unwrap());
    assert_eq!(
        (
            m["llm_cache"]["hits"].as_u64(),
            m["llm_cache"]["misses"].as_u64()
        ),
        (Some(0), Some(50))
    );
    let actions = std::fs::read(out.join("actions.parquet")).unwrap();
    let indicators = csv.clone();

    // A rerun into a new directory (online): zero requests, identical outputs.
    let out2 = tmp.path().join("econ-again");
    let rerun = econ_args(&server.base_url, out2.to_str().unwrap(), "4");
    let again = ok(&strs(&rerun));
    assert_eq!(server.requests(), 50, "the rerun reached the server");
    assert_eq!(
        std::fs::read_to_string(out2.join("indicators.csv")).unwrap(),
        indicators
    );
    assert_eq!(
        std::fs::read(out2.join("actions.parquet")).unwrap(),
        actions
    );
    for f in ["features.parquet", "attribution.parquet", "ticks.parquet"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(out2.join(f)).unwrap(),
            "{f}"
        );
    }
    let m2 = manifest(&out2);
    assert_eq!(
        (
            m2["llm_cache"]["hits"].as_u64(),
            m2["llm_cache"]["misses"].as_u64()
        ),
        (Some(50), Some(0))
    );

    // Replay: same scenario and seed, offline — zero requests, identical outputs.
    let mut replay = args.clone();
    replay.push("--offline".into());
    let second = ok(&strs(&replay));
    assert_eq!(server.requests(), 50, "the replay reached the server");
    assert_eq!(
        std::fs::read_to_string(out.join("indicators.csv")).unwrap(),
        indicators
    );
    assert_eq!(std::fs::read(out.join("actions.parquet")).unwrap(), actions);
    assert!(
        String::from_utf8_lossy(&second.stdout).contains("0 calls, 50 cache hits"),
        "{}",
        String::from_utf8_lossy(&second.stdout)
    );

    // `emergent cache stats` and `export`: the runs' hit rates, and no key anywhere.
    let c = cache.to_str().unwrap();
    let stats = ok(&["cache", "stats", "--cache", c, "--json"]);
    let st: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(st["entries"], 50);
    assert_eq!(st["by_model"]["llama3.1:8b"], 50, "{st}");
    assert_eq!(st["runs"].as_array().unwrap().len(), 3, "{st}");
    assert!(
        (st["hit_rate"].as_f64().unwrap() - 100.0 / 150.0).abs() < 1e-9,
        "{st}"
    );
    let export = tmp.path().join("cache.parquet");
    ok(&[
        "cache",
        "export",
        "--cache",
        c,
        "--out",
        export.to_str().unwrap(),
    ]);
    assert_eq!(rows(&export), 50);
    for p in [&export, &cache] {
        assert!(
            !contains(&std::fs::read(p).unwrap(), KEY),
            "the API key leaked into {}",
            p.display()
        );
    }
    assert!(!contains(&again.stdout, KEY) && !contains(&again.stderr, KEY));

    // The key reached the server, and nothing written or logged contains it.
    assert!(
        server
            .authorizations()
            .iter()
            .all(|a| a == &format!("Bearer {KEY}"))
    );
    for p in files(&out) {
        assert!(
            !contains(&std::fs::read(&p).unwrap(), KEY),
            "the API key leaked into {}",
            p.display()
        );
    }
    for o in [&first, &second] {
        assert!(
            !contains(&o.stdout, KEY) && !contains(&o.stderr, KEY),
            "the API key leaked into the logs"
        );
    }
}

#[test]
fn offline_fails_clearly_on_a_cache_miss() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("miss");
    let mut args = econ_args("http://127.0.0.1:9/v1", out.to_str().unwrap(), "3");
    args.push("--offline".into());
    let o = emergent(&strs(&args));
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--offline") && err.contains("cache miss"),
        "{err}"
    );
    assert!(!out.join("manifest.json").exists());
}

#[test]
fn a_call_budget_stops_cleanly_and_the_run_resumes() {
    let server = MockServer::healthy(Duration::ZERO);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("budget");
    let o = out.to_str().unwrap();
    let mut args = econ_args(&server.base_url, o, "4");
    args.extend([
        "--set".into(),
        "llm.max_in_flight=1".into(),
        "--max-calls".into(),
        "15".into(),
    ]);
    let halted = emergent(&strs(&args));
    // A spent budget is the run doing what it was asked: exit 0, with the resume hint.
    assert_eq!(halted.status.code(), Some(0));
    let err = String::from_utf8_lossy(&halted.stderr);
    assert!(
        err.contains("--max-calls 15") && err.contains("--resume"),
        "{err}"
    );
    assert!(out.join("checkpoint-econ.bin").is_file() && !out.join("manifest.json").exists());
    assert_eq!(server.requests(), 15);
    ok(&["run", "--resume", o]);
    let m = manifest(&out);
    assert_eq!(m["counts"]["months"], 4);
    assert_eq!(rows(&out.join("actions.parquet")), 40);
}

#[test]
fn an_endpoint_down_from_the_start_finishes_on_counted_fallbacks_or_pauses() {
    let mut server = MockServer::healthy(Duration::ZERO);
    let url = server.base_url.clone();
    server.stop();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("down");
    let mut args = econ_args(&url, out.to_str().unwrap(), "3");
    args.extend([
        "--set".into(),
        "llm.max_retries=1".into(),
        "--set".into(),
        "llm.backoff_ms=10".into(),
    ]);
    let o = ok(&strs(&args));
    let m = manifest(&out);
    assert_eq!(
        m["policy"]["stats"]["fallbacks_endpoint"],
        30.0,
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let out2 = tmp.path().join("pause");
    let mut args = econ_args(&url, out2.to_str().unwrap(), "3");
    args.extend([
        "--set".into(),
        "llm.on_outage=\"pause\"".into(),
        "--set".into(),
        "llm.max_retries=0".into(),
    ]);
    let o = emergent(&strs(&args));
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is down") && err.contains("emergent run --resume"),
        "{err}"
    );
}

#[test]
fn econagent_on_surrogates_for_240_months_has_plausible_indicators() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rule");
    ok(&[
        "run",
        &scenario("econagent.toml"),
        "--out",
        out.to_str().unwrap(),
        "--set",
        "llm.enabled=false",
    ]);
    let csv = std::fs::read_to_string(out.join("indicators.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(lines.len(), 240);
    let mut unemployment = 0.0;
    for l in &lines {
        let c: Vec<&str> = l.split(',').collect();
        let f = |i: usize| c[i].parse::<f64>().unwrap();
        assert!((0.0..=1.0).contains(&f(1)), "{l}");
        assert!(f(2) > 0.0 && f(2).is_finite(), "{l}");
        assert!(f(5).is_finite() && f(6).is_finite() && f(6) >= 0.0, "{l}");
        unemployment += f(1) / 240.0;
    }
    assert!(
        (0.01..0.3).contains(&unemployment),
        "mean unemployment {unemployment}"
    );
    assert_eq!(manifest(&out)["policy"]["name"], "econ_rule");
}

#[test]
fn social_scenarios_run_against_the_endpoint_and_on_surrogates() {
    let server = MockServer::healthy(Duration::ZERO);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("social");
    let url = format!("llm.base_url=\"{}\"", server.base_url);
    ok(&[
        "run",
        &scenario("social-llm-20.toml"),
        "--out",
        out.to_str().unwrap(),
        "--set",
        &url,
        "--set",
        "scenario.ticks=4",
    ]);
    let m = manifest(&out);
    assert_eq!(m["policy"]["name"], "social_llm");
    let decided = m["policy"]["stats"]["llm_decisions"].as_f64().unwrap();
    assert!(decided > 10.0 && decided == server.requests() as f64, "{m}");
    assert!(m["counts"]["actions"]["post"].as_u64().unwrap() > 0);
    for (name, agents) in [
        ("social-llm-20.toml", 20),
        ("midscale-social-1000.toml", 1000),
    ] {
        let o = tmp.path().join(name);
        ok(&[
            "run",
            &scenario(name),
            "--out",
            o.to_str().unwrap(),
            "--set",
            "llm.enabled=false",
        ]);
        assert_eq!(manifest(&o)["counts"]["agents"], agents);
        assert_eq!(manifest(&o)["policy"]["name"], "bounded_confidence");
    }
}

/// `emergent ARGS` run in `cwd`.
fn emergent_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_emergent"))
        .args(args)
        .current_dir(cwd)
        .env("EMERGENT_CACHE", cache_for(args))
        .env("RUST_LOG", "debug")
        .output()
        .expect("the binary runs")
}

/// A project folder: `scenarios/econagent.toml` with `prompt = PROMPT` in `[llm]` (line 29),
/// `prompts/mine.md`, and a template outside it in `elsewhere/mine.md`.
fn project_with_prompt(root: &Path, prompt: &str, url: &str) -> PathBuf {
    let text = std::fs::read_to_string(scenario("econagent.toml")).unwrap();
    let text = text.replace(
        "[llm]\nenabled = true\nbase_url = \"http://localhost:11434/v1\"",
        &format!("[llm]\nprompt = {prompt:?}\nenabled = true\nbase_url = \"{url}\""),
    );
    let template =
        "You are {{name}}.\n---\nMonth {{month}}; reply with JSON: {{fields}} (work, consumption)";
    for dir in ["scenarios", "prompts", "elsewhere"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(root.join("prompts/mine.md"), template).unwrap();
    std::fs::write(root.join("elsewhere/mine.md"), template).unwrap();
    let file = root.join("scenarios/econagent.toml");
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn a_prompt_outside_the_scenario_folder_is_refused_before_anything_is_written() {
    let server = MockServer::healthy(Duration::ZERO);
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    let climb = "../../../../../../../../../../etc/passwd";
    let file = project_with_prompt(&project, climb, &server.base_url);
    let f = file.to_str().unwrap();
    // An earlier run's outputs, which a refused --force run must leave alone.
    let out = tmp.path().join("earlier");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("manifest.json"), "{}").unwrap();
    let o = out.to_str().unwrap();
    let small = ["--set", "population.agents=2", "--set", "scenario.ticks=1"];
    let mut args = vec!["run", f, "--out", o, "--force"];
    args.extend(small);
    let refused = emergent_in(&project, &args);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains(&format!("{f}:29:10: llm.prompt = ")), "{err}");
    assert!(
        err.contains("outside the scenario's folder") && err.contains("--allow-prompt-path"),
        "{err}"
    );
    assert_eq!(server.requests(), 0);
    assert_eq!(
        std::fs::read_to_string(out.join("manifest.json")).unwrap(),
        "{}"
    );
    assert!(!out.join(emergent_llm::CACHE_FILE).exists());

    // Allowed on the command line, the same scenario runs.
    if Path::new("/etc/passwd").is_file() {
        args.extend(["--allow-prompt-path", "/etc/passwd"]);
        let o = emergent_in(&project, &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(server.requests() > 0);
    }

    // The project's prompts/ (in the directory emergent runs in) needs no flag; run from
    // elsewhere, the same scenario is refused.
    project_with_prompt(&project, "../prompts/mine.md", &server.base_url);
    let out2 = tmp.path().join("prompts-ok");
    let mut args = vec!["run", f, "--out", out2.to_str().unwrap()];
    args.extend(small);
    let o = emergent_in(&project, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = emergent_in(tmp.path(), &args);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("outside"));
}

#[cfg(unix)]
#[test]
fn a_symlinked_prompt_leading_out_is_refused_and_resume_checks_the_same_rule() {
    let server = MockServer::healthy(Duration::ZERO);
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    let file = project_with_prompt(&project, "link.md", &server.base_url);
    std::os::unix::fs::symlink(
        project.join("elsewhere/mine.md"),
        project.join("scenarios/link.md"),
    )
    .unwrap();
    let out = tmp.path().join("run");
    let o = out.to_str().unwrap();
    let elsewhere = project.join("elsewhere");
    let allow = elsewhere.to_str().unwrap();
    let base = [
        "run",
        file.to_str().unwrap(),
        "--out",
        o,
        "--set",
        "population.agents=2",
        "--set",
        "scenario.ticks=3",
        "--set",
        "llm.reflect_every=0",
        "--set",
        "llm.max_in_flight=1",
    ];
    let refused = emergent_in(&project, &base);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("outside the scenario's folder"));
    assert!(!out.exists(), "a refused run creates no run directory");
    // Allowed: the run starts, and stops on a call budget.
    let mut args = base.to_vec();
    args.extend(["--allow-prompt-path", allow, "--max-calls", "3"]);
    let halted = emergent_in(&project, &args);
    assert_eq!(
        halted.status.code(),
        Some(0),
        "a spent budget is not a failure"
    );
    assert!(out.join("checkpoint-econ.bin").is_file());
    // Resuming reads the prompt again: the same rule, the same flag.
    let o2 = emergent_in(&project, &["run", "--resume", o]);
    assert!(!o2.status.success());
    assert!(String::from_utf8_lossy(&o2.stderr).contains("--allow-prompt-path"));
    let done = emergent_in(
        &project,
        &["run", "--resume", o, "--allow-prompt-path", allow],
    );
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(manifest(&out)["counts"]["months"], 3);
}

#[test]
fn a_server_answering_50_mb_bodies_makes_a_bounded_stderr() {
    let server = MockServer::start(
        std::sync::Arc::new(|n, _| {
            let body = if n % 2 == 0 { "x" } else { "E" }.repeat(50 << 20);
            emergent_llm::testing::Reply::Raw(if n % 2 == 0 { 200 } else { 500 }, body)
        }),
        Duration::ZERO,
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("huge");
    let mut args = econ_args(&server.base_url, out.to_str().unwrap(), "2");
    args.extend(
        [
            "--set",
            "population.agents=4",
            "--set",
            "llm.max_retries=1",
            "--set",
            "llm.backoff_ms=5",
        ]
        .map(String::from),
    );
    let o = ok(&strs(&args)); // RUST_LOG=debug: every event of every crate
    assert!(server.requests() >= 8);
    assert!(
        o.stderr.len() < 64 << 10,
        "{} bytes of stderr",
        o.stderr.len()
    );
    let m = manifest(&out);
    assert_eq!(m["policy"]["stats"]["fallbacks_endpoint"], 8.0, "{m}");
}

/// Interventions change nothing before their tick, so the LLM prompts before it are those of
/// the run without them and replay from the shared cache: a run silencing half the agents
/// from tick 3 fills the cache with which the plain run's ticks 0–2 replay offline, in
/// another run directory, while the plain run's later ticks (other feeds, other prompts) miss.
#[test]
fn prompts_before_an_intervention_replay_from_the_cache_of_the_run_with_it() {
    let server = MockServer::healthy(Duration::ZERO);
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenario("social-llm-20.toml")).unwrap()
        + "\n[[interventions]]\nkind = \"silence\"\nat = 3\nrange = [0, 10]\n";
    let treated = tmp.path().join("treated.toml");
    std::fs::write(&treated, text).unwrap();
    let url = format!("llm.base_url=\"{}\"", server.base_url);
    let run = |file: &str, ticks: &str, offline: bool| {
        let out = tmp.path().join(format!("run-{ticks}-{offline}"));
        let o = out.to_str().unwrap();
        let ticks = format!("scenario.ticks={ticks}");
        let mut args = vec![
            "run", file, "--out", o, "--force", "--set", &url, "--set", &ticks,
        ];
        if offline {
            args.push("--offline");
        }
        emergent(&args)
    };
    let first = run(treated.to_str().unwrap(), "6", false);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let requests = server.requests();
    assert!(requests > 20, "{requests} requests");
    let plain = scenario("social-llm-20.toml");
    let before = run(&plain, "3", true);
    assert!(
        before.status.success(),
        "the plain run's ticks 0–2 did not replay: {}",
        String::from_utf8_lossy(&before.stderr)
    );
    assert_eq!(
        server.requests(),
        requests,
        "an offline replay reached the server"
    );
    let after = run(&plain, "6", true);
    let err = String::from_utf8_lossy(&after.stderr);
    assert!(
        !after.status.success() && err.contains("cache miss") && err.contains("at tick 3"),
        "the plain run's ticks 3–5 replayed: the silence changed no prompt\n{err}"
    );
}

/// Three `emergent run` processes at once on one cache file: two with the same seed (they
/// race on every key; the cache keeps the first answer and both use it), one with another.
/// All finish, the same-seed pair writes identical outputs, and every run replays offline.
#[test]
fn concurrent_runs_share_one_cache() {
    let server = MockServer::healthy(Duration::from_millis(3));
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("shared.sqlite");
    let spawn = |name: &str, seed: &str, offline: bool| {
        let out = tmp.path().join(name);
        let mut args = econ_args(&server.base_url, out.to_str().unwrap(), "4");
        args.extend(["--seed".into(), seed.into()]);
        if offline {
            args.push("--offline".into());
        }
        Command::new(env!("CARGO_BIN_EXE_emergent"))
            .args(&args)
            .env("EMERGENT_CLI_TEST_KEY", KEY)
            .env("EMERGENT_CACHE", &cache)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the binary runs")
    };
    let children = [
        spawn("a", "11", false),
        spawn("b", "11", false),
        spawn("c", "12", false),
    ];
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let n = server.requests();
    assert!((100..=150).contains(&n), "{n} requests for 2 seeds × 50");
    for f in ["indicators.csv", "actions.parquet", "ticks.parquet"] {
        let a = std::fs::read(tmp.path().join("a").join(f)).unwrap();
        assert_eq!(
            a,
            std::fs::read(tmp.path().join("b").join(f)).unwrap(),
            "{f}"
        );
    }
    let st = ok(&[
        "cache",
        "stats",
        "--cache",
        cache.to_str().unwrap(),
        "--json",
    ]);
    let st: serde_json::Value = serde_json::from_slice(&st.stdout).unwrap();
    assert_eq!(st["entries"], 100, "{st}");
    for (name, seed, like) in [("a2", "11", "a"), ("c2", "12", "c")] {
        let o = spawn(name, seed, true).wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            std::fs::read(tmp.path().join(name).join("actions.parquet")).unwrap(),
            std::fs::read(tmp.path().join(like).join("actions.parquet")).unwrap()
        );
    }
    assert_eq!(server.requests(), n, "an offline replay reached the server");
}

/// A cache path naming a file that is not a cache: refused before the run starts, naming
/// the file, which stays as it was; an earlier run in `--out` is left alone.
#[test]
fn a_cache_file_that_is_not_a_cache_is_refused_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes.txt");
    let text = "my notes, not a database\n".repeat(100);
    std::fs::write(&notes, &text).unwrap();
    let out = tmp.path().join("earlier");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("manifest.json"), "{}").unwrap();
    let args = econ_args("http://127.0.0.1:9/v1", out.to_str().unwrap(), "2");
    let o = emergent_with_cache(&strs(&args), &notes);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(notes.to_str().unwrap()) && err.contains("not a SQLite database"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), text);
    assert_eq!(
        std::fs::read_to_string(out.join("manifest.json")).unwrap(),
        "{}"
    );
    for cmd in [
        vec!["cache", "stats"],
        vec!["cache", "prune", "--all", "--yes"],
    ] {
        let mut a = cmd.clone();
        a.extend(["--cache", notes.to_str().unwrap()]);
        let o = emergent(&a);
        assert!(!o.status.success());
        assert!(String::from_utf8_lossy(&o.stderr).contains("notes.txt"));
    }
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), text);
    let o = emergent(&[
        "cache",
        "stats",
        "--cache",
        tmp.path().join("none.sqlite").to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no replay cache here"));
}

/// A run directory of an earlier version keeps its cache inside (`llm-cache.sqlite`):
/// `--resume` copies its answers into the shared cache and replays them (offline here, from
/// an empty shared cache), leaving the old file as it was. Then `cache prune`.
#[test]
fn resume_replays_an_old_run_directory_cache_and_prune_removes_entries() {
    let server = MockServer::healthy(Duration::ZERO);
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    let every_month = ["--set", "checkpoint.every=1"].map(String::from);
    let mut args = econ_args(&server.base_url, full.to_str().unwrap(), "4");
    args.extend(every_month.clone());
    ok(&strs(&args));
    assert_eq!(server.requests(), 50);
    // The same run elsewhere, stopped by SIGTERM after its first checkpoint.
    let elsewhere = tempfile::tempdir().unwrap();
    let halted = elsewhere.path().join("halted");
    let h = halted.to_str().unwrap();
    let mut args = econ_args(&server.base_url, h, "4");
    args.extend(every_month);
    args.extend(["--throttle-ms", "400"].map(String::from));
    let child = Command::new(env!("CARGO_BIN_EXE_emergent"))
        .args(&args)
        .env("EMERGENT_CLI_TEST_KEY", KEY)
        .env("EMERGENT_CACHE", elsewhere.path().join("replay.sqlite"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let ckpt = halted.join("checkpoint-econ.bin");
    for _ in 0..600 {
        if ckpt.is_file() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) on our own child's pid; no memory is involved.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let o = child.wait_with_output().unwrap();
    assert!(
        ckpt.is_file() && !halted.join("manifest.json").exists(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The old layout: the whole run's answers in the run directory.
    let old = halted.join(emergent_llm::CACHE_FILE);
    std::fs::copy(tmp.path().join("replay.sqlite"), &old).unwrap();
    let before = std::fs::read(&old).unwrap();
    let requests = server.requests();
    let fresh = elsewhere.path().join("fresh.sqlite");
    let o = emergent_with_cache(&["run", "--resume", h, "--offline"], &fresh);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        server.requests(),
        requests,
        "the resumed run reached the server"
    );
    assert_eq!(manifest(&halted)["counts"]["months"], 4);
    assert_eq!(
        std::fs::read(halted.join("actions.parquet")).unwrap(),
        std::fs::read(full.join("actions.parquet")).unwrap()
    );
    assert_eq!(
        std::fs::read(&old).unwrap(),
        before,
        "the old cache was modified"
    );

    let c = fresh.to_str().unwrap();
    let o = emergent(&["cache", "prune", "--cache", c]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("--all"));
    let dry = ok(&["cache", "prune", "--cache", c, "--model", "llama3.1:8b"]);
    assert!(String::from_utf8_lossy(&dry.stdout).contains("would remove 50 entries"));
    ok(&[
        "cache",
        "prune",
        "--cache",
        c,
        "--model",
        "other-model",
        "--yes",
    ]);
    let gone = ok(&[
        "cache",
        "prune",
        "--cache",
        c,
        "--older-than",
        "0s",
        "--yes",
    ]);
    assert!(
        String::from_utf8_lossy(&gone.stdout).contains("removed 50 entries"),
        "{}",
        String::from_utf8_lossy(&gone.stdout)
    );
    let st = ok(&["cache", "stats", "--cache", c, "--json"]);
    let st: serde_json::Value = serde_json::from_slice(&st.stdout).unwrap();
    assert_eq!(st["entries"], 0);
}

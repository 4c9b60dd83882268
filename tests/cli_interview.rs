//! `emergent interview RUN_DIR` and `[[survey]]` through the binary, against an
//! OpenAI-compatible server the test starts on 127.0.0.1: answers parsed into values from the
//! agents' recorded state, a second interview making zero requests, the selectors, and every
//! bad input (an agent that does not exist, a run without LLM agents, a tick not recorded, an
//! empty question, an endpoint that is down, a bad selector) refused with a clear message.
//!
//! Every command gets `EMERGENT_CACHE` = `replay.sqlite` in the test's temporary folder.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use emergent_llm::testing::{MockServer, Reply, last_user, valid_answer};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::RowAccessor;

fn emergent(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_emergent"))
        .args(args)
        .env("EMERGENT_CACHE", cache)
        .output()
        .expect("the binary runs")
}

fn ok(cache: &Path, args: &[&str]) -> Output {
    let out = emergent(cache, args);
    assert!(
        out.status.success(),
        "{args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The error text of a command that must fail.
fn fails(cache: &Path, args: &[&str]) -> String {
    let out = emergent(cache, args);
    assert!(!out.status.success(), "{args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn scenario(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

/// The stance an interview prompt shows ("Your stance on the topic is +0.35").
fn shown_stance(prompt: &str) -> f64 {
    let rest = prompt.split("Your stance on the topic is ").nth(1).unwrap();
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

/// A server that answers decisions validly and interviews with the stance their prompt
/// shows as the value (and "yes" when asked yes or no); it keeps the interview prompts.
fn server() -> (MockServer, Arc<Mutex<Vec<String>>>) {
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&prompts);
    let s = MockServer::start(
        Arc::new(move |_, body| {
            let text = last_user(body);
            if !text.contains("An interviewer asks you") {
                return Reply::Content(valid_answer(body));
            }
            seen.lock().unwrap().push(text.clone());
            if text.contains("yes or no") {
                return Reply::Content(r#"{"answer": "Yes, I would.", "value": "yes"}"#.into());
            }
            Reply::Content(format!(
                "Sure:\n```json\n{{\"answer\": \"I stand where I stand.\", \"value\": {}}}\n```",
                shown_stance(&text)
            ))
        }),
        Duration::from_millis(1),
    );
    (s, prompts)
}

/// Run social-llm-20 for 4 ticks against `url` into `out` with `extra` settings.
fn run(cache: &Path, url: &str, out: &Path, extra: &[&str]) {
    run_file(cache, &scenario("social-llm-20.toml"), url, out, extra)
}

/// The arguments of running `file` for 4 ticks against `url` into `out`, then `extra`.
fn run_args(file: &str, url: &str, out: &Path, extra: &[&str]) -> Vec<String> {
    let base = format!("llm.base_url=\"{url}\"");
    let mut args = vec![
        "run",
        file,
        "--out",
        out.to_str().unwrap(),
        "--force",
        "--set",
        &base,
        "--set",
        "scenario.ticks=4",
        "--set",
        "llm.max_retries=1",
        "--set",
        "llm.backoff_ms=5",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect::<Vec<_>>();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn run_file(cache: &Path, file: &str, url: &str, out: &Path, extra: &[&str]) {
    let args = run_args(file, url, out, extra);
    ok(cache, &args.iter().map(String::as_str).collect::<Vec<_>>());
}

/// (agent_id, tick, value) of every row of `table` whose value column is `value_col`.
fn rows_of(path: &Path, value_col: &str) -> Vec<(i64, u32, Option<f64>)> {
    let r = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let names: Vec<String> = r
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let at = |n: &str| names.iter().position(|c| c == n).unwrap();
    let (a, t, v) = (at("agent_id"), at("tick"), at(value_col));
    r.get_row_iter(None)
        .unwrap()
        .map(|row| {
            let row = row.unwrap();
            let value = row.get_double(v).ok();
            (row.get_long(a).unwrap(), row.get_uint(t).unwrap(), value)
        })
        .collect()
}

#[test]
fn an_interview_asks_agents_as_they_were_and_a_second_one_makes_no_request() {
    let (server, prompts) = server();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("replay.sqlite");
    let out = tmp.path().join("run");
    run(&cache, &server.base_url, &out, &[]);
    let d = out.to_str().unwrap();
    let decisions = server.requests();
    let question = "On a scale from -1 to 1, how much do you support the ban?";
    let first = ok(
        &cache,
        &[
            "interview",
            d,
            "--agents",
            "0..5",
            "--question",
            question,
            "--tick",
            "2",
        ],
    );
    assert_eq!(server.requests(), decisions + 5);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(stdout.contains("5 answers at tick 2"), "{stdout}");
    // Each value is the stance the agent had at tick 2, as recorded in ticks.parquet.
    let table = out.join("interviews.parquet");
    let answers = rows_of(&table, "value");
    let stances: Vec<(i64, u32, Option<f64>)> = rows_of(&out.join("ticks.parquet"), "stance");
    assert_eq!(answers.len(), 5);
    for (agent, tick, value) in &answers {
        assert_eq!(*tick, 2);
        let s = stances
            .iter()
            .find(|(a, t, _)| a == agent && *t == 2)
            .and_then(|r| r.2)
            .unwrap();
        assert!(
            (value.unwrap() - s).abs() <= 0.005,
            "agent {agent}: {value:?} vs {s}"
        );
    }
    // Memory is the agents' own posts before tick 2 (every LLM decision posts here).
    let asked = prompts.lock().unwrap().clone();
    assert!(asked.iter().any(|p| p.contains("- day 1: ")), "{asked:?}");
    assert!(asked.iter().all(|p| !p.contains("- day 2: ")), "{asked:?}");
    // Asked again: every answer comes from the replay cache, the table is unchanged.
    let bytes = std::fs::read(&table).unwrap();
    let again = ok(
        &cache,
        &[
            "interview",
            d,
            "--agents",
            "0..5",
            "--question",
            question,
            "--tick",
            "2",
        ],
    );
    assert_eq!(
        server.requests(),
        decisions + 5,
        "the second interview reached the server"
    );
    assert!(String::from_utf8_lossy(&again.stdout).contains("(0 requests"));
    assert_eq!(std::fs::read(&table).unwrap(), bytes);
    // Another question keeps the first one's rows; a choice; top-k and |φ| selectors.
    ok(
        &cache,
        &[
            "interview",
            d,
            "--agents",
            "phi:3:polarization",
            "--question",
            "Would you vote for the ban, yes or no?",
        ],
    );
    assert_eq!(rows_of(&table, "value").len(), 8);
    let yes = rows_of(&table, "value")
        .into_iter()
        .filter(|r| r.2 == Some(0.0))
        .count();
    assert_eq!(yes, 3);
    let csv = tmp.path().join("top.csv");
    ok(
        &cache,
        &[
            "interview",
            d,
            "--agents",
            "top:2:stance",
            "--question",
            "Why do you think so?",
            "--out",
            csv.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("agent_id,tick,question,answer,value,choice\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3, "{text}");
}

#[test]
fn bad_interviews_are_refused_with_what_to_do_and_nothing_lost() {
    let (mut server, _) = server();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("replay.sqlite");
    let out = tmp.path().join("run");
    run(&cache, &server.base_url, &out, &[]);
    let d = out.to_str().unwrap();
    let q = "On a scale from -1 to 1, do you support it?";
    let e = fails(
        &cache,
        &["interview", d, "--agents", "3,25", "--question", q],
    );
    assert!(
        e.contains("agent 25 does not exist: the run has 20 agents"),
        "{e}"
    );
    let e = fails(
        &cache,
        &["interview", d, "--agents", "top:x:stance", "--question", q],
    );
    assert!(
        e.contains("--agents top:x:stance") && e.contains("phi:K:INDICATOR"),
        "{e}"
    );
    let e = fails(
        &cache,
        &[
            "interview",
            d,
            "--agents",
            "phi:2:nonsense",
            "--question",
            q,
        ],
    );
    assert!(
        e.contains("no φ of indicator `nonsense`; it has: polarization"),
        "{e}"
    );
    let e = fails(
        &cache,
        &["interview", d, "--agents", "1", "--question", "  "],
    );
    assert!(e.contains("--question: the question is empty"), "{e}");
    let e = fails(
        &cache,
        &[
            "interview",
            d,
            "--agents",
            "1",
            "--question",
            q,
            "--tick",
            "9",
        ],
    );
    assert!(
        e.contains("tick 9 was not recorded in this run; the recorded ticks are 0, 1, 2, 3, 4"),
        "{e}"
    );
    let inside = out.join("features.parquet");
    let e = fails(
        &cache,
        &[
            "interview",
            d,
            "--agents",
            "1",
            "--question",
            q,
            "--out",
            inside.to_str().unwrap(),
            "--force",
        ],
    );
    assert!(e.contains("would destroy the input"), "{e}");
    let plain = tmp.path().join("plain");
    run(
        &cache,
        &server.base_url,
        &plain,
        &["--set", "llm.enabled=false"],
    );
    let e = fails(
        &cache,
        &[
            "interview",
            plain.to_str().unwrap(),
            "--agents",
            "1",
            "--question",
            q,
        ],
    );
    assert!(e.contains("this run has no LLM agents"), "{e}");
    // The endpoint is down: retries, then an error naming it; nothing is written.
    let before = std::fs::read_dir(&out).unwrap().count();
    server.kill();
    let e = fails(
        &cache,
        &["interview", d, "--agents", "1,2", "--question", q],
    );
    assert!(
        e.contains("2 of 2 agents got no answer (agents 1, 2)"),
        "{e}"
    );
    assert!(e.contains("did not answer after 1 retries"), "{e}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), before);
    assert!(!out.join("interviews.parquet").exists());
}

const SURVEY: &str = "\n[[survey]]\nname = \"stance\"\nquestion = \"On a scale from -1 to 1, how much do you support the ban?\"\nevery = 2\nrange = [-1, 1]\n";

#[test]
fn a_survey_records_self_reports_that_replay_and_survive_a_resume() {
    let (server, _) = server();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("replay.sqlite");
    let file = tmp.path().join("survey.toml");
    let text = std::fs::read_to_string(scenario("social-llm-20.toml")).unwrap();
    std::fs::write(&file, format!("{text}{SURVEY}")).unwrap();
    let f = file.to_str().unwrap();
    let out = tmp.path().join("run");
    let six = ["--set", "scenario.ticks=6", "--set", "checkpoint.every=1"];
    run_file(&cache, f, &server.base_url, &out, &six);
    let requests = server.requests();
    // The self-reports sit beside the simulated stance: equal at ticks 0, 2, 4, 6, NaN between.
    let ticks = out.join("ticks.parquet");
    let said = rows_of(&ticks, "survey_stance");
    let stance = rows_of(&ticks, "stance");
    assert_eq!(said.len(), 7 * 20);
    for ((a, t, v), (_, _, s)) in said.iter().zip(&stance) {
        let v = v.unwrap();
        match t % 2 {
            0 => assert!(
                (v - s.unwrap()).abs() <= 0.005,
                "agent {a} tick {t}: {v} vs {s:?}"
            ),
            _ => assert!(v.is_nan(), "agent {a} tick {t}: {v}"),
        }
    }
    // The final features stay finite (the attribution's input has no survey column).
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("attribution.json")).unwrap())
            .unwrap();
    assert!(m["indicators"][0]["error"].is_null(), "{m}");
    // An interview at a survey tick with the survey's question is the survey's prompt:
    // answered from the replay cache.
    let q = "On a scale from -1 to 1, how much do you support the ban?";
    let d = out.to_str().unwrap();
    ok(
        &cache,
        &[
            "interview",
            d,
            "--agents",
            "0..20",
            "--question",
            q,
            "--tick",
            "4",
        ],
    );
    assert_eq!(
        server.requests(),
        requests,
        "the interview did not replay the survey"
    );
    // A rerun into a new directory replays everything: the same bytes, no request.
    let again = tmp.path().join("again");
    run_file(&cache, f, &server.base_url, &again, &six);
    assert_eq!(server.requests(), requests);
    assert_eq!(
        std::fs::read(&ticks).unwrap(),
        std::fs::read(again.join("ticks.parquet")).unwrap()
    );
    // Killed after a checkpoint and resumed: the same bytes again.
    let killed = tmp.path().join("killed");
    let mut args = run_args(f, &server.base_url, &killed, &six);
    args.extend(["--throttle-ms".to_string(), "400".to_string()]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_emergent"))
        .args(&args)
        .env("EMERGENT_CACHE", &cache)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    while !killed.join("checkpoint.bin").exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before a checkpoint"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !killed.join("manifest.json").exists(),
        "the run finished before the kill"
    );
    ok(&cache, &["run", "--resume", killed.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(&ticks).unwrap(),
        std::fs::read(killed.join("ticks.parquet")).unwrap()
    );
    assert_eq!(server.requests(), requests);
}

#[test]
fn a_bad_survey_is_refused_where_it_is_written_and_surrogates_leave_its_column_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("survey.toml");
    let text = std::fs::read_to_string(scenario("social-llm-20.toml")).unwrap();
    std::fs::write(
        &file,
        format!("{text}{}", SURVEY.replace("every = 2", "every = 0")),
    )
    .unwrap();
    let out = tmp.path().join("run");
    let args = [
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let e = fails(&tmp.path().join("c.sqlite"), &args);
    let line = text.lines().count() + 5;
    assert!(
        e.contains(&format!("survey.toml:{line}:9: ")) && e.contains("at least 1"),
        "{e}"
    );
    assert!(!out.exists(), "a refused run creates no run directory");
    // On the surrogates (the one switch): nobody is asked, the column is there, all NaN.
    std::fs::write(&file, format!("{text}{SURVEY}")).unwrap();
    let c = tmp.path().join("c.sqlite");
    let on_surrogates = ["--set", "llm.enabled=false", "--set", "scenario.ticks=2"];
    ok(&c, &[&args[..], &on_surrogates[..]].concat());
    let said = rows_of(&out.join("ticks.parquet"), "survey_stance");
    assert_eq!(said.len(), 3 * 20);
    assert!(said.iter().all(|r| r.2.unwrap().is_nan()));
}

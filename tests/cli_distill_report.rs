//! A distilled run says where its policy came from and how faithful it is: the run keeps the
//! policy's bytes and the matching `distill.json`, its manifest and its report show the LLM
//! run, the fit date, the held-out fidelity table and the macro check of `emergent distill
//! --check-seeds`; a stale `distill.json` is not passed off as the policy's. The policy's
//! bytes are in the run key: a resume after the file changed is refused, and with the same
//! file it gives the uninterrupted run's bytes.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{assert_same_files, fails, ok, ok_env, wait_for_second_checkpoint};
use emergent_llm::hidden_policy::HiddenPolicy;
use emergent_llm::testing::MockServer;

/// A scenario named `name` of `agents` agents: LLM agents against `llm`, or the distilled
/// policy at `distilled`.
fn scenario(
    name: &str,
    agents: usize,
    ticks: u32,
    llm: Option<&str>,
    distilled: Option<&str>,
) -> String {
    let policy = match distilled {
        Some(path) => format!("kind = \"distilled\"\npath = \"{path}\""),
        None => "kind = \"bounded_confidence\"".into(),
    };
    let llm = match llm {
        Some(url) => format!(
            "[llm]\nenabled = true\nbase_url = \"{url}\"\nmodel = \"hidden\"\nmax_in_flight = 64\nmemory = 3\n"
        ),
        None => String::new(),
    };
    format!(
        r#"[scenario]
name = '{name}'
ticks = {ticks}
seed = 1

[population]
agents = {agents}
communities = 2
initial_stance = "by_community"
stance_noise = 0.3

[population.activity]
median = 0.5
sigma = 0.3
min = 0.2
max = 1.0

[network]
generator = "sbm"
p_in = {p_in}
p_out = {p_out}

[feed]
size = 8
ranking = "hot"
window = 3

[policy]
{policy}

{llm}
[record]
every = 2

[checkpoint]
every = 4

[[indicators]]
name = "polarization"
expr = "var(stance)"
baseline = "mean"

[[indicators]]
name = "posts"
expr = "mean(posts)"
baseline = "mean"
"#,
        p_in = 20.0 / agents as f64,
        p_out = 2.0 / agents as f64,
    )
}

fn write(path: &Path, text: &str) -> String {
    std::fs::write(path, text).expect("write");
    path.to_str().expect("utf-8").to_string()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An LLM run of `agents` agents with `seed` against `url` into `out`.
fn llm_run(dir: &Path, url: &str, agents: usize, seed: u64, out: &Path) {
    let s = write(
        &dir.join(format!("llm-{seed}.toml")),
        &scenario("cars <&> \"bikes\"", agents, 10, Some(url), None),
    );
    let cache = dir.join("replay.sqlite");
    ok_env(
        &[
            "run",
            &s,
            "--out",
            out.to_str().unwrap(),
            "--seed",
            &seed.to_string(),
            "--force",
        ],
        &[("EMERGENT_CACHE", cache.to_str().unwrap())],
    );
}

#[test]
fn a_distilled_run_reports_its_policy_source_fidelity_and_macro_check() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let server = MockServer::start(HiddenPolicy::default().script(), Default::default());
    // EMERGENT_DISTILL_CHECK_N=1000 measures the check of docs/distill.md (5 LLM runs, 5
    // seeds; printed with --nocapture); by default a small one.
    let measured: Option<usize> = std::env::var("EMERGENT_DISTILL_CHECK_N")
        .ok()
        .and_then(|v| v.parse().ok());
    let (n, llm_seeds, k) = match measured {
        Some(n) => (n, 5u64, 5usize),
        None => (150, 2, 3),
    };
    let llm_dirs: Vec<_> = (1..=llm_seeds)
        .map(|s| t.join(format!("llm-{s}")))
        .collect();
    for (s, dir) in (1..=llm_seeds).zip(&llm_dirs) {
        llm_run(t, &server.base_url, n, s, dir);
    }
    let llm1 = llm_dirs[0].clone();
    let policy = t.join("policy.json");
    let k_text = k.to_string();
    let mut args = vec![
        "distill",
        llm1.to_str().unwrap(),
        "--out",
        policy.to_str().unwrap(),
        "--check-seeds",
        &k_text,
        "--llm-runs",
    ];
    args.extend(llm_dirs[1..].iter().map(|d| d.to_str().unwrap()));
    let printed = ok(&args);
    eprintln!("{printed}");
    assert!(
        printed.contains(&format!("macro check at N = {n}")),
        "{printed}"
    );
    let distill = json(&t.join("distill.json"));
    let sha = distill["policy_sha256"].as_str().unwrap().to_string();
    assert_eq!(sha.len(), 64, "{sha}");
    let fitted_at = distill["fitted_at"].as_str().unwrap().to_string();
    assert!(
        fitted_at.len() == 20 && fitted_at.starts_with("20") && fitted_at.ends_with('Z'),
        "{fitted_at}"
    );
    let check = &distill["macro_check"];
    let seeds: Vec<u64> = (1..=k as u64).collect();
    assert_eq!(check["seeds"], serde_json::json!(seeds));
    let llm_seed_list: Vec<u64> = (1..=llm_seeds).collect();
    assert_eq!(check["llm_seeds"], serde_json::json!(llm_seed_list));
    let indicators = check["indicators"].as_array().unwrap();
    assert_eq!(indicators.len(), 2);
    for ind in indicators {
        assert_eq!(
            ind["llm"].as_array().unwrap().len(),
            llm_seeds as usize,
            "{ind}"
        );
        let d = ind["distilled"].as_array().unwrap();
        assert!(d.len() == k && d.iter().all(|v| v.is_f64()), "{ind}");
        assert!(ind["inside"].is_boolean(), "{ind}");
        // Several LLM runs: their band is [min, max] of their values.
        let l: Vec<f64> = ind["llm"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(
            ind["low"].as_f64().unwrap(),
            l.iter().copied().fold(f64::MAX, f64::min)
        );
        assert_eq!(
            ind["high"].as_f64().unwrap(),
            l.iter().copied().fold(f64::MIN, f64::max)
        );
    }
    // The check's runs are `emergent run` of the scenario with the distilled policy: the
    // same values as running it by hand.
    let same = write(
        &t.join("same.toml"),
        &scenario("by hand", n, 10, None, Some("policy.json")),
    );
    let by_hand = t.join("by-hand");
    ok(&[
        "run",
        &same,
        "--out",
        by_hand.to_str().unwrap(),
        "--seed",
        "2",
    ]);
    let csv = read(&by_hand.join("indicators.csv"));
    let last: Vec<f64> = csv
        .lines()
        .last()
        .unwrap()
        .split(',')
        .skip(1)
        .map(|c| c.parse().unwrap())
        .collect();
    for (k, ind) in indicators.iter().enumerate() {
        assert_eq!(
            ind["distilled"][1].as_f64(),
            Some(last[k]),
            "{ind} vs {csv}"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(t)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".distill-check")
        })
        .collect();
    assert!(leftovers.is_empty(), "the check's scratch runs are removed");

    // A distilled run keeps the policy and its fidelity; the manifest says where they came from.
    let d = write(
        &t.join("d.toml"),
        &scenario("distilled <run>", 300, 6, None, Some("policy.json")),
    );
    let run = t.join("d");
    ok(&["run", &d, "--out", run.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(run.join("distilled_policy.json")).unwrap(),
        std::fs::read(&policy).unwrap()
    );
    assert_eq!(
        std::fs::read(run.join("distilled_fidelity.json")).unwrap(),
        std::fs::read(t.join("distill.json")).unwrap()
    );
    let m = json(&run.join("manifest.json"));
    let rec = &m["distilled_policy"];
    assert_eq!(rec["sha256"].as_str(), Some(sha.as_str()));
    assert_eq!(rec["fidelity"].as_str(), Some("distilled_fidelity.json"));
    assert_eq!(rec["source"]["run_dir"].as_str(), llm1.to_str());
    assert_eq!(rec["source"]["seed"].as_u64(), Some(1));
    let outputs: Vec<&str> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        outputs.contains(&"distilled_policy.json") && outputs.contains(&"distilled_fidelity.json")
    );

    ok(&["report", run.to_str().unwrap()]);
    let md = read(&run.join("report.md"));
    for needle in [
        "Policy: distilled from an LLM run",
        fitted_at.as_str(),
        "Held-out fidelity",
        "hand-written surrogate (BoundedConfidence)",
        "stance RMSE",
        "post: log-loss",
        "Macro check",
        "polarization",
        &sha[..16],
    ] {
        assert!(md.contains(needle), "report.md lacks `{needle}`:\n{md}");
    }
    let html = read(&run.join("report.html"));
    assert!(html.contains("Held-out fidelity") && html.contains("Macro check"));
    assert!(
        html.contains("cars &lt;&amp;&gt; &quot;bikes&quot;")
            || html.contains("cars &lt;&amp;&gt; &#34;bikes&#34;"),
        "the LLM run's scenario name is escaped"
    );
    assert!(!html.contains("cars <&>"), "no raw user string in the HTML");

    // The LLM run's report points at its decision log.
    ok(&["report", llm1.to_str().unwrap()]);
    let md = read(&llm1.join("report.md"));
    assert!(
        md.contains("Decision log") && md.contains("emergent distill"),
        "{md}"
    );

    // A distill.json of other bytes is not copied: the run says its fidelity is unknown.
    let mut bytes = std::fs::read(&policy).unwrap();
    bytes.extend_from_slice(b"\n");
    std::fs::write(&policy, bytes).unwrap();
    let stale = t.join("stale");
    ok(&["run", &d, "--out", stale.to_str().unwrap()]);
    assert!(!stale.join("distilled_fidelity.json").exists());
    let m = json(&stale.join("manifest.json"));
    assert!(m["distilled_policy"]["fidelity"].is_null());
    assert_ne!(m["distilled_policy"]["sha256"].as_str(), Some(sha.as_str()));
    ok(&["report", stale.to_str().unwrap()]);
    assert!(read(&stale.join("report.md")).contains("Fidelity unknown"));

    // Bad macro-check arguments are refused before anything is written.
    let e = fails(&[
        "distill",
        llm1.to_str().unwrap(),
        "--out",
        t.join("p2.json").to_str().unwrap(),
        "--check-seeds",
        "0",
    ]);
    assert!(e.contains("--check-seeds 0"), "{e}");
    let e = fails(&[
        "distill",
        llm1.to_str().unwrap(),
        "--out",
        t.join("p2.json").to_str().unwrap(),
        "--check-seeds",
        "2",
        "--llm-runs",
        llm1.to_str().unwrap(),
    ]);
    assert!(e.contains("seed 1 again"), "{e}");
    assert!(!t.join("p2.json").exists());
}

#[test]
fn a_resume_after_the_policy_file_changed_is_refused_and_the_same_file_resumes_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let server = MockServer::start(HiddenPolicy::default().script(), Default::default());
    let llm = t.join("llm");
    llm_run(t, &server.base_url, 120, 7, &llm);
    let policy = t.join("policy.json");
    ok(&[
        "distill",
        llm.to_str().unwrap(),
        "--out",
        policy.to_str().unwrap(),
    ]);
    let d = write(
        &t.join("d.toml"),
        &scenario("distilled", 2000, 40, None, Some("policy.json")),
    );
    let whole = t.join("whole");
    ok(&["run", &d, "--out", whole.to_str().unwrap()]);

    let stopped = t.join("stopped");
    let mut child = Command::new(env!("CARGO_BIN_EXE_emergent"))
        .args([
            "run",
            &d,
            "--out",
            stopped.to_str().unwrap(),
            "--throttle-ms",
            "60",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_second_checkpoint(&mut child, &stopped);
    // SAFETY: kill(2) on our own child's pid; no memory is involved.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // Another policy file at the same path: refused, saying which file and what to do.
    let original = std::fs::read(&policy).unwrap();
    let mut other = original.clone();
    other.extend_from_slice(b" ");
    std::fs::write(&policy, &other).unwrap();
    let e = fails(&["run", "--resume", stopped.to_str().unwrap()]);
    assert!(
        e.contains("policy.json")
            && e.contains("has changed since the run started")
            && e.contains("--force"),
        "{e}"
    );
    assert!(!stopped.join("manifest.json").exists());
    // Gone: refused too.
    std::fs::remove_file(&policy).unwrap();
    let e = fails(&["run", "--resume", stopped.to_str().unwrap()]);
    assert!(e.contains("policy.json") && e.contains("restore it"), "{e}");

    // The same bytes again: the resumed run is the uninterrupted one.
    std::fs::write(&policy, &original).unwrap();
    ok(&["run", "--resume", stopped.to_str().unwrap()]);
    assert_same_files(
        &whole,
        &stopped,
        &[
            "features.parquet",
            "ticks.parquet",
            "actions.parquet",
            "indicators.csv",
            "attribution.json",
            "distilled_policy.json",
            "distilled_fidelity.json",
        ],
        "after a resume with the same policy file",
    );
    let (a, b) = (
        json(&whole.join("manifest.json")),
        json(&stopped.join("manifest.json")),
    );
    assert_eq!(a["distilled_policy"], b["distilled_policy"]);
}

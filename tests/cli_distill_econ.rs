//! Distilled econ policies end to end through the binary: `[econ]` LLM runs against a test
//! server whose households answer with a hidden stochastic policy of what the EconAgent
//! prompt shows record `econ_decisions.parquet`; `emergent distill` recovers that policy
//! (held-out log-loss and RMSE of work and consumption close to the hidden policy's own, far
//! better than EconAgent's rule baseline); `[policy] kind = "distilled"` runs it with macro
//! indicators inside the hidden-policy runs' seed band; a distilled run is the same bytes on
//! 1 and 2 threads and a resumed LLM run logs the same decisions; bad input is refused.
//!
//! `EMERGENT_ECON_DISTILL_N` sets the households of the recovery test (default 100, the
//! figures in docs/distill.md, printed with `--nocapture`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{assert_same_files, fails, ok, ok_env, rows};
use emergent_distill::econ::{
    EconChoiceModel, EconDecisions, EconFidelity, EconSample, econ_fidelity,
};
use emergent_llm::hidden_econ::{EconShown, HiddenEconPolicy};
use emergent_llm::testing::MockServer;
use emergent_sim::econ::distilled::grid_probabilities;

/// The manifest's economy summary keys the seed-band check compares.
const MACRO: [&str; 4] = [
    "mean_unemployment",
    "mean_price_inflation",
    "total_nominal_gdp",
    "total_real_gdp",
];

/// An `[econ]` scenario: LLM households (`llm` = the server's URL), distilled ones
/// (`distilled` = the policy file), or the rule baseline (neither).
fn scenario(
    agents: usize,
    months: u32,
    seed: u64,
    llm: Option<&str>,
    distilled: Option<&str>,
) -> String {
    let policy = match distilled {
        Some(path) => format!("[policy]\nkind = \"distilled\"\npath = \"{path}\"\n"),
        None => String::new(),
    };
    let llm = match llm {
        Some(url) => format!(
            "[llm]\nenabled = true\nbase_url = \"{url}\"\nmodel = \"hidden\"\nmax_in_flight = 64\nmemory = 1\nreflect_every = 0\n"
        ),
        None => String::new(),
    };
    format!(
        r#"[scenario]
name = "econ-distill-recovery"
description = "EconAgent households for distillation."
ticks = {months}
seed = {seed}

[population]
agents = {agents}

[econ]
memory = 1

{policy}
{llm}
[[indicators]]
name = "output"
expr = "sum(hours_worked)"
baseline = "zero"
"#
    )
}

fn write(path: &Path, text: &str) -> String {
    std::fs::write(path, text).expect("write");
    path.to_str().expect("utf-8").to_string()
}

/// `emergent run` with the test's own replay cache.
fn run(scenario: &str, out: &Path, cache: &Path) {
    ok_env(
        &["run", scenario, "--out", out.to_str().unwrap(), "--force"],
        &[("EMERGENT_CACHE", cache.to_str().unwrap())],
    );
}

/// The manifest's macro figures of a finished econ run.
fn macros(dir: &Path) -> Vec<f64> {
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    MACRO
        .iter()
        .map(|k| {
            m["economy"][k]
                .as_f64()
                .unwrap_or_else(|| panic!("{k}: {}", m["economy"]))
        })
        .collect()
}

/// The hidden policy's own grid probabilities, for its log-loss on the same decisions.
struct Hidden(HiddenEconPolicy);

fn shown(s: &EconSample) -> EconShown {
    EconShown {
        expected_income: s.view.expected_income,
        savings: s.view.savings,
        unemployment: s.view.unemployment,
        price_change: s.view.price_change,
        worked_last: s.view.last_worked,
    }
}

impl EconChoiceModel for Hidden {
    fn work(&self, s: &EconSample) -> Vec<f64> {
        let (m, sd) = self.0.work_latent(&shown(s));
        grid_probabilities(m, sd)
    }
    fn consumption(&self, s: &EconSample) -> Vec<f64> {
        let (m, sd) = self.0.consumption_latent(&shown(s));
        grid_probabilities(m, sd)
    }
}

fn show(name: &str, f: &EconFidelity) {
    eprintln!(
        "{name:<10} log-loss {:.4}  work {:.4} (RMSE {:.4}, mean {:.4} vs {:.4})  consumption {:.4} (RMSE {:.4}, mean {:.4} vs {:.4})",
        f.log_loss,
        f.work.log_loss,
        f.work.rmse,
        f.work.mean_predicted,
        f.work.mean_observed,
        f.consumption.log_loss,
        f.consumption.rmse,
        f.consumption.mean_predicted,
        f.consumption.mean_observed,
    );
}

fn band(v: &[f64]) -> (f64, f64) {
    v.iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)))
}

#[test]
fn econ_distillation_recovers_a_hidden_household_policy_inside_the_llm_seed_band() {
    let n: usize = std::env::var("EMERGENT_ECON_DISTILL_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let months = 36;
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("replay.sqlite");
    let server = MockServer::start(HiddenEconPolicy::default().script(), Default::default());
    let seeds = [1u64, 2, 3, 4, 5];
    let mut llm = Vec::new();
    for &seed in &seeds {
        let file = tmp.path().join(format!("llm-{seed}.toml"));
        let s = write(
            &file,
            &scenario(n, months, seed, Some(&server.base_url), None),
        );
        let out = tmp.path().join(format!("llm-{seed}"));
        run(&s, &out, &cache);
        llm.push(macros(&out));
    }
    let first = tmp.path().join("llm-1");
    assert_eq!(
        rows(&first.join("econ_decisions.parquet")),
        (n * months as usize) as i64
    );

    let policy = tmp.path().join("policy.json");
    let printed = ok(&[
        "distill",
        first.to_str().unwrap(),
        "--out",
        policy.to_str().unwrap(),
    ]);
    assert!(printed.contains("household decisions"), "{printed}");
    if let Ok(keep) = std::env::var("EMERGENT_DISTILL_KEEP") {
        std::fs::copy(&policy, Path::new(&keep).join("distill-econ-policy.json")).unwrap();
        let fid = tmp.path().join("distill.json");
        std::fs::copy(fid, Path::new(&keep).join("distill-econ.json")).unwrap();
    }
    let fitted: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&policy).unwrap()).unwrap();
    assert_eq!(fitted["format"], "emergent-distilled-econ-policy");
    for m in ["work", "consumption"] {
        eprintln!("fitted {m}: {}", fitted["groups"][0][m]);
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("distill.json")).unwrap())
            .unwrap();
    assert_eq!(report["kind"], "econ");
    let distilled: EconFidelity = serde_json::from_value(report["distilled"].clone()).unwrap();
    let surrogate: EconFidelity = serde_json::from_value(report["surrogate"].clone()).unwrap();
    let decisions = EconDecisions::read(&first).unwrap();
    assert_eq!(
        decisions.fell_back, 0,
        "the hidden server answers every request"
    );
    let (_, held_out) = decisions.split();
    let hidden = econ_fidelity(&Hidden(HiddenEconPolicy::default()), &held_out);
    eprintln!(
        "N = {n}, {months} months: {} held-out decisions",
        hidden.decisions
    );
    show("hidden", &hidden);
    show("distilled", &distilled);
    show("surrogate", &surrogate);
    assert_eq!(distilled.decisions, hidden.decisions);
    assert!(
        distilled.log_loss <= hidden.log_loss * 1.03 + 0.02,
        "distilled {} vs hidden {}",
        distilled.log_loss,
        hidden.log_loss
    );
    for (d, h) in [
        (&distilled.work, &hidden.work),
        (&distilled.consumption, &hidden.consumption),
    ] {
        assert!(
            d.rmse <= h.rmse * 1.05 + 0.002,
            "RMSE {} vs {}",
            d.rmse,
            h.rmse
        );
    }
    assert!(
        surrogate.log_loss > distilled.log_loss + 2.0,
        "the rule baseline should be far worse: {} vs {}",
        surrogate.log_loss,
        distilled.log_loss
    );
    assert!(surrogate.work.rmse > 1.5 * distilled.work.rmse);

    // The distilled households at the same N over the same seeds, without the server; and
    // the rule baseline, to show the band is not wide enough for any policy.
    let (mut dist, mut rule) = (Vec::new(), Vec::new());
    for &seed in &seeds {
        let file = tmp.path().join(format!("distilled-{seed}.toml"));
        let s = write(&file, &scenario(n, months, seed, None, Some("policy.json")));
        let out = tmp.path().join(format!("distilled-{seed}"));
        run(&s, &out, &cache);
        dist.push(macros(&out));
        let file = tmp.path().join(format!("rule-{seed}.toml"));
        let s = write(&file, &scenario(n, months, seed, None, None));
        let out = tmp.path().join(format!("rule-{seed}"));
        run(&s, &out, &cache);
        rule.push(macros(&out));
    }
    let mut rule_outside = 0;
    for (k, name) in MACRO.iter().enumerate() {
        let l: Vec<f64> = llm.iter().map(|v| v[k]).collect();
        let d: Vec<f64> = dist.iter().map(|v| v[k]).collect();
        let r: Vec<f64> = rule.iter().map(|v| v[k]).collect();
        let (lo, hi) = band(&l);
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        let rule_mean = r.iter().sum::<f64>() / r.len() as f64;
        rule_outside += usize::from(!(lo..=hi).contains(&rule_mean));
        eprintln!(
            "{name:<21} LLM band [{lo:.5}, {hi:.5}]  distilled mean {mean:.5}  rule mean {rule_mean:.5}\n    LLM {l:.5?}\n    distilled {d:.5?}\n    rule {r:.5?}"
        );
        assert!(
            (lo..=hi).contains(&mean),
            "{name}: the distilled runs' mean {mean} is outside the LLM runs' band [{lo}, {hi}]"
        );
    }
    assert!(
        rule_outside >= 2,
        "the rule baseline is inside the band too often"
    );
}

/// The LLM econ run's scenario file and the distilled one, in `dir` (with `policy.json`
/// distilled from a small LLM run against `url`).
fn distilled_fixture(dir: &Path, url: &str, cache: &Path) -> String {
    let s = write(&dir.join("llm.toml"), &scenario(60, 12, 7, Some(url), None));
    let llm = dir.join("llm");
    run(&s, &llm, cache);
    let policy = dir.join("policy.json");
    ok(&[
        "distill",
        llm.to_str().unwrap(),
        "--out",
        policy.to_str().unwrap(),
    ]);
    write(
        &dir.join("d.toml"),
        &scenario(5000, 24, 7, None, Some("policy.json")),
    )
}

#[test]
fn distilled_econ_runs_are_the_same_bytes_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("replay.sqlite");
    let server = MockServer::start(HiddenEconPolicy::default().script(), Default::default());
    let d = distilled_fixture(tmp.path(), &server.base_url, &cache);
    let outs: Vec<PathBuf> = (1..=2)
        .map(|threads| {
            let out = tmp.path().join(format!("t{threads}"));
            ok_env(
                &["run", &d, "--out", out.to_str().unwrap(), "--force"],
                &[("RAYON_NUM_THREADS", &threads.to_string())],
            );
            out
        })
        .collect();
    assert_same_files(
        &outs[0],
        &outs[1],
        &[
            "features.parquet",
            "ticks.parquet",
            "actions.parquet",
            "indicators.csv",
        ],
        "1 and 2 threads",
    );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(outs[0].join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(m["policy"]["name"], "econ_distilled");
    assert!(
        !outs[0].join("econ_decisions.parquet").exists(),
        "no LLM: no log"
    );
    let u = m["economy"]["mean_unemployment"].as_f64().unwrap();
    assert!(u > 0.0 && u < 1.0, "{u}");
}

#[test]
fn a_resumed_econ_llm_run_logs_the_same_decisions() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("replay.sqlite");
    let server = MockServer::start(HiddenEconPolicy::default().script(), Default::default());
    let text = scenario(20, 6, 3, Some(&server.base_url), None) + "\n[checkpoint]\nevery = 1\n";
    let s = write(&tmp.path().join("e.toml"), &text);
    let full = tmp.path().join("full");
    run(&s, &full, &cache);
    let halted = tmp.path().join("halted");
    let child = Command::new(env!("CARGO_BIN_EXE_emergent"))
        .args([
            "run",
            &s,
            "--out",
            halted.to_str().unwrap(),
            "--throttle-ms",
            "300",
        ])
        .env("EMERGENT_CACHE", &cache)
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
    ok_env(
        &["run", "--resume", halted.to_str().unwrap()],
        &[("EMERGENT_CACHE", cache.to_str().unwrap())],
    );
    assert_same_files(
        &full,
        &halted,
        &[
            "econ_decisions.parquet",
            "actions.parquet",
            "indicators.csv",
        ],
        "resumed and uninterrupted",
    );
    assert_eq!(rows(&full.join("econ_decisions.parquet")), 120);
}

#[test]
fn bad_econ_distillation_input_is_refused_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    // An econ run without LLM households has no decisions to distill.
    let rule = write(&tmp.path().join("r.toml"), &scenario(20, 3, 1, None, None));
    ok(&["run", &rule, "--out", &p("rule"), "--force"]);
    let e = fails(&["distill", &p("rule"), "--out", &p("policy.json")]);
    assert!(e.contains("no econ decision log"), "{e}");
    assert!(!tmp.path().join("policy.json").exists() && !tmp.path().join("distill.json").exists());

    // A social policy.json in an econ scenario, and an econ one in a social scenario.
    std::fs::write(
        tmp.path().join("policy.json"),
        r#"{"format": "emergent-distilled-policy", "features_version": 1, "decision_features": [], "item_features": [], "max_likes": 3, "groups": []}"#,
    )
    .unwrap();
    let d = write(
        &tmp.path().join("d.toml"),
        &scenario(20, 3, 1, None, Some("policy.json")),
    );
    let e = fails(&["run", &d, "--out", &p("d"), "--force"]);
    assert!(
        e.contains("d.toml:") && e.contains("social run's") && e.contains("[econ]"),
        "{e}"
    );
    assert!(
        !tmp.path().join("d").exists(),
        "nothing written for a refused scenario"
    );
    std::fs::write(
        tmp.path().join("econ-policy.json"),
        r#"{"format": "emergent-distilled-econ-policy", "features_version": 1, "features": [], "groups": []}"#,
    )
    .unwrap();
    let social = "[scenario]\nname = \"s\"\nticks = 2\nseed = 1\n\n[population]\nagents = 20\n\n[network]\ngenerator = \"er\"\nz = 4.0\n\n[policy]\nkind = \"distilled\"\npath = \"econ-policy.json\"\n";
    let s = write(&tmp.path().join("s.toml"), social);
    let e = fails(&["run", &s, "--out", &p("s"), "--force"]);
    assert!(
        e.contains("s.toml:") && e.contains("[econ] run's") && e.contains("social scenario"),
        "{e}"
    );
    // A broken econ policy: the key is named.
    std::fs::write(
        tmp.path().join("policy.json"),
        r#"{"format": "emergent-distilled-econ-policy", "features_version": 1, "features": [], "groups": []}"#,
    )
    .unwrap();
    let e = fails(&["run", &d, "--out", &p("d"), "--force"]);
    assert!(e.contains("d.toml:") && e.contains("features:"), "{e}");
}

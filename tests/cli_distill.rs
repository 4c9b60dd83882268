//! Distilled policies end to end through the binary: LLM runs against a test server whose
//! answers follow a hidden stochastic policy record their decisions; `emergent distill`
//! recovers that policy (held-out decision log-loss and accuracy close to the hidden
//! policy's own, far better than the hand-written surrogate's); `[policy] kind =
//! "distilled"` runs it with macro indicators inside the hidden-policy runs' seed band; and
//! bad input is refused with a clear, located message and nothing written.
//!
//! `EMERGENT_DISTILL_N` sets the population of the recovery test (default 1000, the figures
//! in docs/distill.md, printed with `--nocapture`).

mod common;

use std::path::{Path, PathBuf};

use common::{emergent_env, fails, ok, ok_env, rows};
use emergent_distill::{ChoiceModel, Decisions, Fidelity, Sample, fidelity, first_success};
use emergent_llm::hidden_policy::{HiddenPolicy, Shown};
use emergent_llm::testing::MockServer;

const INDICATORS: [&str; 4] = ["polarization", "mean_stance", "likes", "posts"];

/// The scenario of the recovery test: an LLM run (`policy` = None) or a distilled one.
fn scenario(agents: usize, seed: u64, llm: Option<&str>, distilled: Option<&str>) -> String {
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
name = "distill-recovery"
description = "Should cities ban cars from their centres?"
ticks = 10
seed = {seed}

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
every = 5

[[indicators]]
name = "polarization"
expr = "var(stance)"
baseline = "mean"

[[indicators]]
name = "mean_stance"
expr = "mean(stance)"
baseline = "mean"

[[indicators]]
name = "likes"
expr = "mean(likes_received)"
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

/// `emergent run` with the test's own replay cache.
fn run(scenario: &str, out: &Path, cache: &Path) {
    ok_env(
        &["run", scenario, "--out", out.to_str().unwrap(), "--force"],
        &[("EMERGENT_CACHE", cache.to_str().unwrap())],
    );
}

/// The indicators' values at the last recorded tick.
fn last_indicators(dir: &Path) -> Vec<f64> {
    let text = std::fs::read_to_string(dir.join("indicators.csv")).expect("indicators.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let last: Vec<&str> = lines.last().expect("a row").split(',').collect();
    INDICATORS
        .iter()
        .map(|name| {
            let k = header.iter().position(|h| h == name).expect("indicator");
            last[k].parse().expect("a value")
        })
        .collect()
}

/// The hidden policy's own probabilities, for its decision log-loss on the same decisions.
struct Hidden(HiddenPolicy);

fn shown(s: &Sample) -> Shown {
    Shown {
        stance: s.view.stance,
        feed: s.view.items.iter().map(|i| i.stance).collect(),
    }
}

impl ChoiceModel for Hidden {
    fn p_post(&self, s: &Sample) -> f64 {
        self.0.p_post(&shown(s))
    }
    fn p_like(&self, s: &Sample, k: usize) -> f64 {
        self.0.p_like(s.view.stance, s.view.items[k].stance)
    }
    fn reply(&self, s: &Sample) -> Vec<f64> {
        let x = s.view.stance;
        first_success(s.view.items.iter().map(|i| self.0.p_reply(x, i.stance)))
    }
    fn repost(&self, s: &Sample) -> Vec<f64> {
        let x = s.view.stance;
        first_success(s.view.items.iter().map(|i| self.0.p_repost(x, i.stance)))
    }
    fn stance_mean(&self, s: &Sample) -> f64 {
        self.0.stance_mean(&shown(s))
    }
}

fn show(name: &str, f: &Fidelity) {
    eprintln!(
        "{name:<10} log-loss {:.4}  accuracy {:.4}  post {:.3}/{:.3}  like {:.3}/{:.3}  reply {:.3}/{:.3}  repost {:.3}/{:.3}  stance RMSE {:.4}",
        f.log_loss,
        f.accuracy,
        f.post.log_loss,
        f.post.accuracy,
        f.like.log_loss,
        f.like.accuracy,
        f.reply.log_loss,
        f.reply.accuracy,
        f.repost.log_loss,
        f.repost.accuracy,
        f.stance_rmse
    );
}

#[test]
fn distillation_recovers_a_hidden_policy_and_runs_it_inside_the_llm_seed_band() {
    let n: usize = std::env::var("EMERGENT_DISTILL_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("replay.sqlite");
    let server = MockServer::start(HiddenPolicy::default().script(), Default::default());
    let seeds = [1u64, 2, 3, 4, 5];
    let mut llm = Vec::new();
    for &seed in &seeds {
        let file = tmp.path().join(format!("llm-{seed}.toml"));
        let s = write(&file, &scenario(n, seed, Some(&server.base_url), None));
        let out = tmp.path().join(format!("llm-{seed}"));
        run(&s, &out, &cache);
        llm.push(last_indicators(&out));
    }
    let first = tmp.path().join("llm-1");
    assert!(rows(&first.join("decisions.parquet")) > 0);
    assert!(rows(&first.join("decision_items.parquet")) > rows(&first.join("decisions.parquet")));

    // Distill the first seed's run, then score the hidden policy on the same held-out decisions.
    let policy = tmp.path().join("policy.json");
    let printed = ok(&[
        "distill",
        first.to_str().unwrap(),
        "--out",
        policy.to_str().unwrap(),
    ]);
    assert!(printed.contains("distilled"), "{printed}");
    // EMERGENT_DISTILL_KEEP=DIR keeps the policy and its fidelity (benches/results has them).
    if let Ok(keep) = std::env::var("EMERGENT_DISTILL_KEEP") {
        std::fs::copy(&policy, Path::new(&keep).join("distill-policy.json")).unwrap();
        let fid = tmp.path().join("distill.json");
        std::fs::copy(fid, Path::new(&keep).join("distill.json")).unwrap();
    }
    let fitted: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&policy).unwrap()).unwrap();
    for m in ["post", "stance", "post_stance"] {
        eprintln!("fitted {m}: {}", fitted["groups"][0][m]);
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("distill.json")).unwrap())
            .unwrap();
    let distilled: Fidelity = serde_json::from_value(report["distilled"].clone()).unwrap();
    let surrogate: Fidelity = serde_json::from_value(report["surrogate"].clone()).unwrap();
    let decisions = Decisions::read(&first).unwrap();
    assert_eq!(
        decisions.fell_back, 0,
        "the hidden server answers every request"
    );
    let (_, held_out) = decisions.split();
    let hidden = fidelity(&Hidden(HiddenPolicy::default()), &held_out);
    eprintln!("N = {n}: {} held-out decisions", hidden.decisions);
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
    assert!(distilled.accuracy >= hidden.accuracy - 0.01);
    assert!(distilled.stance_rmse <= hidden.stance_rmse * 1.1 + 0.002);
    assert!(
        surrogate.log_loss > distilled.log_loss + 0.5,
        "the hand-written surrogate should be far worse: {} vs {}",
        surrogate.log_loss,
        distilled.log_loss
    );

    // The distilled policy at the same N over the same seeds, without the server.
    let mut dist = Vec::new();
    for &seed in &seeds {
        let file = tmp.path().join(format!("distilled-{seed}.toml"));
        let s = write(&file, &scenario(n, seed, None, Some("policy.json")));
        let out = tmp.path().join(format!("distilled-{seed}"));
        run(&s, &out, &cache);
        dist.push(last_indicators(&out));
    }
    for (k, name) in INDICATORS.iter().enumerate() {
        let l: Vec<f64> = llm.iter().map(|v| v[k]).collect();
        let d: Vec<f64> = dist.iter().map(|v| v[k]).collect();
        let (lo, hi) = l
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        eprintln!(
            "{name:<12} LLM band [{lo:.4}, {hi:.4}]  distilled mean {mean:.4}  LLM runs {l:.4?}  distilled runs {d:.4?}"
        );
        assert!(
            (lo..=hi).contains(&mean),
            "{name}: the distilled runs' mean {mean} is outside the LLM runs' band [{lo}, {hi}]"
        );
    }
}

#[test]
fn distilled_runs_are_the_same_bytes_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("replay.sqlite");
    let server = MockServer::start(HiddenPolicy::default().script(), Default::default());
    let s = write(
        &tmp.path().join("llm.toml"),
        &scenario(120, 7, Some(&server.base_url), None),
    );
    let llm = tmp.path().join("llm");
    run(&s, &llm, &cache);
    let policy = tmp.path().join("policy.json");
    ok(&[
        "distill",
        llm.to_str().unwrap(),
        "--out",
        policy.to_str().unwrap(),
    ]);
    let d = write(
        &tmp.path().join("d.toml"),
        &scenario(3000, 7, None, Some("policy.json")),
    );
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
    for f in ["features.parquet", "ticks.parquet", "indicators.csv"] {
        let a = std::fs::read(outs[0].join(f)).unwrap();
        let b = std::fs::read(outs[1].join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
    // Something happened: stances moved and posts were made.
    let ind = last_indicators(&outs[0]);
    assert!(ind[3] > 0.0, "posts {ind:?}");
}

#[test]
fn bad_input_is_refused_with_a_clear_message_and_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    // A missing run directory, and a run without LLM agents.
    let e = fails(&["distill", &p("nowhere"), "--out", &p("policy.json")]);
    assert!(e.contains("no such directory"), "{e}");
    let surrogate = write(&tmp.path().join("s.toml"), &scenario(50, 1, None, None));
    ok(&["run", &surrogate, "--out", &p("plain"), "--force"]);
    let e = fails(&["distill", &p("plain"), "--out", &p("policy.json")]);
    assert!(e.contains("no decision log"), "{e}");
    assert!(!tmp.path().join("policy.json").exists());
    assert!(!tmp.path().join("distill.json").exists());

    // kind = "distilled" without its file, with a broken one, and `path` on another kind.
    let d = write(
        &tmp.path().join("d.toml"),
        &scenario(50, 1, None, Some("policy.json")),
    );
    let e = fails(&["run", &d, "--out", &p("d"), "--force"]);
    assert!(
        e.contains("d.toml:") && e.contains("policy.json") && e.contains("emergent distill"),
        "{e}"
    );
    assert!(
        !tmp.path().join("d").exists(),
        "nothing written for a refused scenario"
    );
    std::fs::write(
        tmp.path().join("policy.json"),
        "{\"format\": \"emergent-distilled-policy\"}",
    )
    .unwrap();
    let e = fails(&["run", &d, "--out", &p("d"), "--force"]);
    assert!(e.contains("not a distilled policy"), "{e}");
    let mut text = scenario(50, 1, None, None);
    text = text.replace(
        "kind = \"bounded_confidence\"",
        "kind = \"bounded_confidence\"\npath = \"policy.json\"",
    );
    let wrong = write(&tmp.path().join("w.toml"), &text);
    let e = fails(&["run", &wrong, "--out", &p("w"), "--force"]);
    assert!(
        e.contains("w.toml:") && e.contains("kind = \"distilled\""),
        "{e}"
    );
    let out = emergent_env(&["distill", "--help"], &[]);
    assert!(out.status.success());
}

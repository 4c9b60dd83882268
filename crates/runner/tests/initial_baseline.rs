//! `baseline = "initial"`: an indicator attributed against every agent's features at the
//! run's first recorded tick. Scale-free indicators (a correlation, the bimodality
//! coefficient), undefined at a constant baseline, are attributed completely: Σφ is
//! M(final) − M(tick 0). A partitioned run (each rank against its own rows) and a resumed
//! run give the single uninterrupted run's attribution.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use emergent_collective::thread_ranks;
use emergent_runner::{NoRunProgress, RunError, RunOptions, RunProgress, start, start_on};

/// The quickstart with two scale-free indicators attributed from the initial state, in
/// `dir`.
fn scenario(dir: &Path) -> PathBuf {
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/quickstart.toml");
    let mut text = std::fs::read_to_string(quickstart).unwrap();
    text.push_str(
        r#"
[[indicators]]
name = "echo_chamber_index"
expr = "corr(stance, followee_stance)"
baseline = "initial"

[[indicators]]
name = "bimodality"
expr = "bimodality(stance)"
baseline = "initial"
"#,
    );
    let path = dir.join("initial.toml");
    std::fs::write(&path, text).unwrap();
    path
}

const SET: [&str; 4] = [
    "population.agents=1500",
    "scenario.ticks=12",
    "checkpoint.every=5",
    "record.every=2",
];

fn options(scenario: &Path, out: PathBuf) -> RunOptions {
    options_with(scenario, out, &SET)
}

fn options_with(scenario: &Path, out: PathBuf, set: &[&str]) -> RunOptions {
    RunOptions {
        scenario: scenario.to_path_buf(),
        out: Some(out),
        overrides: set.iter().map(|s| s.to_string()).collect(),
        ..RunOptions::default()
    }
}

fn json(dir: &Path, file: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap()
}

/// The value of column `name` at the first and the last row of `indicators.csv`.
fn first_and_last(dir: &Path, name: &str) -> (f64, f64) {
    let text = std::fs::read_to_string(dir.join("indicators.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<f64> = lines
        .map(|l| l.split(',').nth(at).unwrap().parse().unwrap())
        .collect();
    (rows[0], rows[rows.len() - 1])
}

#[test]
fn scale_free_indicators_are_attributed_completely_from_the_initial_state() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path());
    let one = tmp.path().join("one");
    start(&options(&file, one.clone()), &NoRunProgress).unwrap();
    let attribution = json(&one, "attribution.json");
    let indicators = attribution["indicators"].as_array().unwrap();
    for name in ["echo_chamber_index", "bimodality"] {
        let o = indicators.iter().find(|o| o["name"] == name).unwrap();
        assert!(o["error"].is_null(), "{name}: {}", o["error"]);
        assert_eq!(o["baseline"], "initial");
        let (value, base) = (
            o["value"].as_f64().unwrap(),
            o["baseline_value"].as_f64().unwrap(),
        );
        let (at0, at_end) = first_and_last(&one, name);
        assert!(
            (base - at0).abs() <= 1e-9 * at0.abs().max(1.0),
            "{name}: {base} vs {at0}"
        );
        assert!(
            (value - at_end).abs() <= 1e-9 * at_end.abs().max(1.0),
            "{name}"
        );
        assert!((value - base).abs() > 1e-6, "{name}: the run moved it");
        let sum = o["sum_phi"].as_f64().unwrap();
        let gap = o["completeness_gap"].as_f64().unwrap();
        assert!(gap < 1e-3, "{name}: gap {gap}");
        assert!(
            (sum - (value - base)).abs() <= 1e-3 * (value - base).abs(),
            "{name}: Σφ {sum} vs {}",
            value - base
        );
    }
    // The other indicators keep their baselines.
    let pol = indicators
        .iter()
        .find(|o| o["name"] == "polarization")
        .unwrap();
    assert_eq!(pol["baseline"], "mean");
}

/// Two thread ranks that both hold agents (more than one 8192-agent block), each attributing
/// against its own rows at tick 0, give the single process's attribution bit for bit.
#[test]
fn two_ranks_each_against_their_own_initial_rows_give_the_single_process_attribution() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path());
    let set = [
        "population.agents=9000",
        "scenario.ticks=4",
        "checkpoint.every=3",
    ];
    let one = tmp.path().join("one");
    start(&options_with(&file, one.clone(), &set), &NoRunProgress).unwrap();
    let two = tmp.path().join("two");
    let opts = options_with(&file, two.clone(), &set);
    std::thread::scope(|s| {
        let handles: Vec<_> = thread_ranks(2)
            .into_iter()
            .map(|r| {
                let opts = &opts;
                s.spawn(move || start_on(opts, &NoRunProgress, &r).map(|_| ()))
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    });
    assert!(two.join("ticks-r00001.parquet").is_file());
    assert_eq!(
        std::fs::read(one.join("attribution.json")).unwrap(),
        std::fs::read(two.join("attribution.json")).unwrap()
    );
    let attribution = json(&one, "attribution.json");
    let phi = |d: &Path| {
        emergent_io::read_dataset(d, "attribution", &emergent_io::IdColumn::Default).unwrap()
    };
    let (p1, p2) = (phi(&one), phi(&two));
    for name in ["echo_chamber_index", "bimodality"] {
        let o = attribution["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .unwrap();
        assert!(o["error"].is_null(), "{name}: {}", o["error"]);
        let c = format!("phi_{name}");
        let (a, b) = (p1.column(&c).unwrap(), p2.column(&c).unwrap());
        assert_eq!(a.len(), 9000);
        assert!(
            a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
            "{c}"
        );
        // Rank 1's agents (8192 on) contribute too.
        assert!(a[8192..].iter().any(|x| *x != 0.0), "{c}");
    }
}

/// Asks the run to stop (as SIGINT would) after tick `at`.
struct StopAt {
    at: u32,
    flag: Arc<AtomicUsize>,
}

impl RunProgress for StopAt {
    fn tick(&self, done: u32) {
        if done == self.at {
            self.flag.store(2, Ordering::SeqCst);
        }
    }
}

#[test]
fn a_resumed_run_attributes_from_the_tick_0_recorded_before_the_interruption() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path());
    let whole = tmp.path().join("whole");
    start(&options(&file, whole.clone()), &NoRunProgress).unwrap();
    let stopped = tmp.path().join("stopped");
    let flag = Arc::new(AtomicUsize::new(0));
    let opts = RunOptions {
        stop: Some(flag.clone()),
        ..options(&file, stopped.clone())
    };
    match start(&opts, &StopAt { at: 7, flag }) {
        Err(RunError::Halted { checkpointed, .. }) => assert!(checkpointed),
        other => panic!("expected a clean stop, got {other:?}"),
    }
    emergent_runner::resume(&stopped, None, &NoRunProgress).unwrap();
    for f in [
        "attribution.json",
        "attribution.parquet",
        "ticks.parquet",
        "indicators.csv",
    ] {
        assert_eq!(
            std::fs::read(whole.join(f)).unwrap(),
            std::fs::read(stopped.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn an_initial_baseline_in_an_economy_is_refused_at_its_place() {
    let tmp = tempfile::tempdir().unwrap();
    let econ = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/econagent.toml");
    let text = std::fs::read_to_string(econ).unwrap().replacen(
        "baseline = \"zero\"",
        "baseline = \"initial\"",
        1,
    );
    let file = tmp.path().join("econ.toml");
    std::fs::write(&file, text).unwrap();
    let err = start(&options(&file, tmp.path().join("out")), &NoRunProgress)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("econ.toml:") && err.contains("for social runs"),
        "{err}"
    );
    assert!(!tmp.path().join("out").exists(), "nothing written");
}

//! A run with `[[interventions]]` writes the same run directory in one process, on two thread
//! ranks, and when stopped inside the interventions' windows and resumed; the manifest records
//! them (with whom a `top` selector chose); a `top` feature the run does not have is refused
//! at its place in the file before anything is written.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use emergent_collective::thread_ranks;
use emergent_runner::{NoRunProgress, RunError, RunOptions, RunProgress, resume, start, start_on};

const INTERVENTIONS: &str = r#"
[[interventions]]
kind = "silence"
from = 2
to = 8
top = { feature = "followers", share = 0.01 }
label = "ban top 1%"

[[interventions]]
kind = "inject"
at = 4
share = 0.01
stance = 2.0

[[interventions]]
kind = "set"
from = 3
key = "policy.radicalization.alpha"
value = 1.5

[[interventions]]
kind = "boost"
from = 1
community = 1
factor = 3
"#;

/// quickstart.toml with `extra` appended, written into `dir`.
fn scenario_in(dir: &Path, extra: &str) -> PathBuf {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/quickstart.toml");
    let text = std::fs::read_to_string(base).unwrap() + extra;
    let path = dir.join("iv.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn options(scenario: &Path, out: PathBuf) -> RunOptions {
    RunOptions {
        scenario: scenario.to_path_buf(),
        out: Some(out),
        overrides: [
            "population.agents=9000",
            "scenario.ticks=10",
            "checkpoint.every=1",
        ]
        .map(String::from)
        .to_vec(),
        ..RunOptions::default()
    }
}

/// Raises the stop flag once tick `at` has run.
struct StopAt(u32, Arc<AtomicUsize>);
impl RunProgress for StopAt {
    fn tick(&self, done: u32) {
        if done == self.0 {
            self.1.store(15, Ordering::SeqCst);
        }
    }
}

fn read(d: &Path, f: &str) -> Vec<u8> {
    std::fs::read(d.join(f)).unwrap_or_else(|e| panic!("{}: {e}", d.join(f).display()))
}

fn manifest(d: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(d, "manifest.json")).unwrap()
}

#[test]
fn interventions_run_the_same_in_one_process_on_ranks_and_after_resume() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario_in(dir.path(), INTERVENTIONS);
    let one = dir.path().join("one");
    start(&options(&scenario, one.clone()), &NoRunProgress).unwrap();
    let m = manifest(&one);
    let ivs = m["interventions"].as_array().unwrap();
    assert_eq!(ivs.len(), 4);
    assert_eq!(ivs[0]["label"], "ban top 1%");
    assert_eq!(
        (ivs[0]["from"].as_u64(), ivs[0]["to"].as_u64()),
        (Some(2), Some(8))
    );
    assert_eq!(ivs[0]["chosen"].as_array().unwrap().len(), 90);
    assert_eq!(ivs[1]["spec"]["stance"], 2.0);
    assert_eq!(ivs[2]["to"], 10);
    // Without the interventions the run differs.
    let plain_file = scenario_in(&dir.path().join(""), "");
    let plain = dir.path().join("plain");
    start(&options(&plain_file, plain.clone()), &NoRunProgress).unwrap();
    assert_ne!(read(&one, "indicators.csv"), read(&plain, "indicators.csv"));
    assert!(manifest(&plain).get("interventions").is_none());
    // The interventions file again (the plain one overwrote it).
    let scenario = scenario_in(dir.path(), INTERVENTIONS);

    // Stopped after tick 5 (inside the ban and the set), then resumed.
    let stopped = dir.path().join("stopped");
    let flag = Arc::new(AtomicUsize::new(0));
    let mut opts = options(&scenario, stopped.clone());
    opts.stop = Some(flag.clone());
    match start(&opts, &StopAt(5, flag)) {
        Err(RunError::Halted { tick: 5, .. }) => {}
        other => panic!("expected a halt at tick 5, got {other:?}"),
    }
    resume(&stopped, None, &NoRunProgress).unwrap();

    let two = dir.path().join("two");
    let opts = options(&scenario, two.clone());
    let opts = &opts;
    std::thread::scope(|s| {
        let handles: Vec<_> = thread_ranks(2)
            .into_iter()
            .map(|r| s.spawn(move || start_on(opts, &NoRunProgress, &r).map(|_| ())))
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    });
    for other in [&stopped, &two] {
        for f in ["indicators.csv", "attribution.json"] {
            assert_eq!(read(&one, f), read(other, f), "{f} of {}", other.display());
        }
        let mo = manifest(other);
        assert_eq!(m["interventions"], mo["interventions"]);
        assert_eq!(m["counts"], mo["counts"]);
    }
    let features = |d: &Path| {
        emergent_io::read_dataset(d, "features", &emergent_io::IdColumn::Default).unwrap()
    };
    let (f1, f2) = (features(&one), features(&two));
    for c in f1.column_names() {
        assert_eq!(f1.column(c), f2.column(c), "{c}");
    }
}

#[test]
fn a_top_feature_the_run_lacks_is_refused_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let extra =
        "\n[[interventions]]\nkind = \"silence\"\nat = 1\ntop = { feature = \"karma\", k = 3 }\n";
    let scenario = scenario_in(dir.path(), extra);
    let out = dir.path().join("out");
    let err = start(&options(&scenario, out.clone()), &NoRunProgress)
        .unwrap_err()
        .to_string();
    let lines = std::fs::read_to_string(&scenario).unwrap().lines().count();
    assert!(
        err.contains(&format!("iv.toml:{lines}:")) && err.contains("`karma` is not a feature"),
        "{err}"
    );
    assert!(!out.exists(), "a refused run wrote its directory");
}

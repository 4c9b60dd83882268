//! A run split over ranks (threads here, exchanging through the same `Collective` trait MPI
//! implements) writes the run directory of the single-process run: the same
//! `indicators.csv` and `attribution.json`, and shards that are the single-process tables
//! cut by rank; a checkpointed partitioned run commits its per-rank checkpoint sets. The MPI
//! transport itself is tested end to end in `tests/cli_mpi.rs`.

use std::path::{Path, PathBuf};

use emergent_collective::thread_ranks;
use emergent_runner::{NoRunProgress, RunOptions, start, start_on};

/// Run `opts` on `ranks` thread ranks; rank 0's summary.
fn run_on_threads(opts: &RunOptions, ranks: usize) {
    std::thread::scope(|s| {
        let handles: Vec<_> = thread_ranks(ranks)
            .into_iter()
            .map(|r| s.spawn(move || start_on(opts, &NoRunProgress, &r).map(|_| ())))
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    });
}

fn options(out: PathBuf, overrides: &[&str]) -> RunOptions {
    RunOptions {
        scenario: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/quickstart.toml"),
        out: Some(out),
        overrides: overrides.iter().map(|s| s.to_string()).collect(),
        ..RunOptions::default()
    }
}

#[test]
fn a_run_on_two_thread_ranks_writes_the_single_process_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let set = [
        "population.agents=1500",
        "scenario.ticks=12",
        "checkpoint.every=5",
    ];
    let one = dir.path().join("one");
    start(&options(one.clone(), &set), &NoRunProgress).unwrap();
    let two = dir.path().join("two");
    run_on_threads(&options(two.clone(), &set), 2);
    for f in ["indicators.csv", "attribution.json", "scenario.toml"] {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(two.join(f)).unwrap(),
            "{f}"
        );
    }
    let read = |d: &Path, f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.join(f)).unwrap()).unwrap()
    };
    let (m1, m2) = (read(&one, "manifest.json"), read(&two, "manifest.json"));
    assert_eq!(m1["counts"], m2["counts"]);
    assert_eq!(m2["distributed"]["ranks"], 2);
    assert!(m1.get("distributed").is_none());
    assert!(two.join("shards.json").is_file() && two.join("features-r00001.parquet").is_file());
    assert!(!two.join("checkpoint.json").exists() && !two.join(".partial").exists());
    let features = |d: &Path| {
        emergent_io::read_dataset(d, "features", &emergent_io::IdColumn::Default).unwrap()
    };
    let (f1, f2) = (features(&one), features(&two));
    for c in f1.column_names() {
        assert_eq!(f1.column(c), f2.column(c), "{c}");
    }
}

/// `followee_stance` reads the stances of accounts another rank owns: with two ranks that
/// both hold agents (more than one 8192-agent block), the all-gather at record time gives the
/// single-process column, bit for bit.
#[test]
fn followee_stance_across_ranks_is_the_single_process_column() {
    let dir = tempfile::tempdir().unwrap();
    let set = ["population.agents=9000", "scenario.ticks=3"];
    let one = dir.path().join("one");
    start(&options(one.clone(), &set), &NoRunProgress).unwrap();
    let two = dir.path().join("two");
    run_on_threads(&options(two.clone(), &set), 2);
    assert!(two.join("features-r00001.parquet").is_file());
    let features = |d: &Path| {
        emergent_io::read_dataset(d, "features", &emergent_io::IdColumn::Default).unwrap()
    };
    let (f1, f2) = (features(&one), features(&two));
    let (a, b) = (
        f1.column("followee_stance").unwrap(),
        f2.column("followee_stance").unwrap(),
    );
    assert_eq!(a.len(), 9000);
    assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()));
    // Not just each agent's own stance: most agents follow someone.
    let own = f1.column("stance").unwrap();
    assert!(a.iter().zip(own).filter(|(x, y)| x != y).count() > 4000);
    assert_eq!(
        std::fs::read(one.join("indicators.csv")).unwrap(),
        std::fs::read(two.join("indicators.csv")).unwrap()
    );
    // The follow graphs: each rank's followers' edges, in rank order, are the single file.
    use emergent_io::run_dir::{FollowGraph, read_follows};
    for which in [FollowGraph::Start, FollowGraph::End] {
        let (a, b) = (
            read_follows(&one, which).unwrap().unwrap(),
            read_follows(&two, which).unwrap().unwrap(),
        );
        assert!(one.join(format!("{}.parquet", which.table())).is_file());
        assert!(
            two.join(format!("{}-r00001.parquet", which.table()))
                .is_file()
        );
        assert!(a.len() > 9000, "{which:?}: {} edges", a.len());
        assert_eq!(a, b, "{which:?}");
        assert!(a.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
    }
}

#[test]
fn a_cascade_run_writes_the_same_cascades_on_two_thread_ranks() {
    let dir = tempfile::tempdir().unwrap();
    let set = [
        "population.agents=9000",
        "scenario.ticks=15",
        "policy.cascade.post_prob=0.01",
        "checkpoint.every=5",
    ];
    let opts = |out: PathBuf| RunOptions {
        scenario: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/cascade.toml"),
        ..options(out, &set)
    };
    let one = dir.path().join("one");
    start(&opts(one.clone()), &NoRunProgress).unwrap();
    let two = dir.path().join("two");
    run_on_threads(&opts(two.clone()), 2);
    let bytes = |d: &Path| std::fs::read(d.join("cascades.parquet")).unwrap();
    assert_eq!(bytes(&one), bytes(&two), "cascades.parquet");
    let table = emergent_io::read_table(
        &one.join("cascades.parquet"),
        &emergent_io::IdColumn::Named("root".into()),
    )
    .unwrap();
    let sizes = table.column("size").unwrap();
    // 9000 agents × 15 ticks × 0.01 posts, critical: many cascades, some beyond one agent.
    assert!(sizes.len() > 1000, "{} cascades", sizes.len());
    assert!(sizes.iter().all(|&s| s >= 1.0));
    assert!(sizes.iter().any(|&s| s >= 10.0));
    let manifest = std::fs::read_to_string(one.join("manifest.json")).unwrap();
    assert!(manifest.contains("cascades.parquet"));
}

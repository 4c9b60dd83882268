//! A run split over ranks (threads here, exchanging through the same `Exchange` trait MPI
//! implements) writes the run directory of the single-process run: the same
//! `indicators.csv` and `attribution.json`, and shards that are the single-process tables
//! cut by rank; a checkpointed partitioned run commits its per-rank checkpoint sets. The MPI
//! transport itself is tested end to end in `tests/cli_mpi.rs`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier, Mutex};

use emergent_runner::{NoRunProgress, RunOptions, start, start_on};
use emergent_sim::partition::Exchange;

/// P ranks in one process: every rank posts its bytes in a slot, waits for the others, reads
/// all slots in rank order, and waits again before a slot may be reused.
struct Shared {
    barrier: Barrier,
    slots: Mutex<Vec<Vec<u8>>>,
    flags: Mutex<Vec<bool>>,
}

struct ThreadRank {
    rank: usize,
    shared: Arc<Shared>,
}

impl Exchange for ThreadRank {
    fn rank(&self) -> usize {
        self.rank
    }
    fn ranks(&self) -> usize {
        self.shared.slots.lock().unwrap().len()
    }
    fn all_gather(&self, mine: &[u8]) -> Vec<u8> {
        self.shared.slots.lock().unwrap()[self.rank] = mine.to_vec();
        self.shared.barrier.wait();
        let all = self.shared.slots.lock().unwrap().concat();
        self.shared.barrier.wait();
        all
    }
    fn all_to_all(&self, to: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        // Through the all-gather slots: every rank posts all its parts, keeps those for it.
        let ranks = to.len();
        let mut mine = Vec::new();
        for part in &to {
            mine.extend_from_slice(&(part.len() as u64).to_le_bytes());
            mine.extend_from_slice(part);
        }
        self.shared.slots.lock().unwrap()[self.rank] = mine;
        self.shared.barrier.wait();
        let got = self
            .shared
            .slots
            .lock()
            .unwrap()
            .iter()
            .map(|all| {
                let mut at = 0;
                let mut part = Vec::new();
                for r in 0..ranks {
                    let len = u64::from_le_bytes(all[at..at + 8].try_into().unwrap()) as usize;
                    if r == self.rank {
                        part = all[at + 8..at + 8 + len].to_vec();
                    }
                    at += 8 + len;
                }
                part
            })
            .collect();
        self.shared.barrier.wait();
        got
    }
    fn any(&self, flag: bool) -> bool {
        self.shared.flags.lock().unwrap()[self.rank] = flag;
        self.shared.barrier.wait();
        let any = self.shared.flags.lock().unwrap().iter().any(|&f| f);
        self.shared.barrier.wait();
        any
    }
}

/// Run `opts` on `ranks` thread ranks; rank 0's summary.
fn run_on_threads(opts: &RunOptions, ranks: usize) {
    let shared = Arc::new(Shared {
        barrier: Barrier::new(ranks),
        slots: Mutex::new(vec![Vec::new(); ranks]),
        flags: Mutex::new(vec![false; ranks]),
    });
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..ranks)
            .map(|rank| {
                let r = ThreadRank {
                    rank,
                    shared: shared.clone(),
                };
                s.spawn(move || start_on(opts, &NoRunProgress, &r).map(|_| ()))
            })
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

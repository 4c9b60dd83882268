//! `mpirun -np P emergent run --distributed` equals the single-process run byte for byte, for
//! P = 2 and 3 (3 does not divide the population's blocks evenly, and may leave a rank without
//! agents): every rank writes its own shards of the per-agent tables, which read as one table
//! (by `emergent`, and by pyarrow) equal the single-process tables bit for bit; the tick-wide
//! files are byte-identical. A killed job resumes from its checkpoint, and bad input ends every
//! rank with a message (no hung ranks).
//! The mpirun tests need a build with `--features mpi` and Open MPI; `.ci/run` does both.

mod common;
use common::*;

#[cfg(not(feature = "mpi"))]
#[test]
fn without_the_feature_distributed_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d");
    let e = fails(&[
        "run",
        &quickstart(),
        "--out",
        out.to_str().unwrap(),
        "--distributed",
    ]);
    assert!(
        e.contains("built without MPI") && e.contains("--features mpi"),
        "{e}"
    );
    assert!(!out.exists(), "nothing may be written");
}

#[cfg(feature = "mpi")]
mod with_mpi {
    use super::*;
    use std::path::Path;
    use std::process::{Command, Output, Stdio};

    /// Files identical in every run with the same seed, whatever the process count.
    const DETERMINISTIC: [&str; 2] = ["indicators.csv", "attribution.json"];

    fn mpirun(ranks: usize, args: &[&str]) -> Command {
        let mut c = Command::new("timeout");
        c.args([
            "300",
            "mpirun",
            "--allow-run-as-root",
            "--oversubscribe",
            "-np",
        ])
        .arg(ranks.to_string())
        .arg(env!("CARGO_BIN_EXE_emergent"))
        .args(args)
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1");
        c
    }

    fn run_mpi(ranks: usize, args: &[&str]) -> Output {
        mpirun(ranks, args)
            .output()
            .expect("mpirun runs (apt install openmpi-bin)")
    }

    /// `emergent run SCENARIO --distributed --out OUT EXTRA…` on `ranks` ranks.
    fn run_distributed(ranks: usize, scenario: &str, out: &Path, extra: &[String]) -> Output {
        let mut a = vec![
            "run",
            scenario,
            "--distributed",
            "--out",
            out.to_str().unwrap(),
        ];
        a.extend(extra.iter().map(String::as_str));
        run_mpi(ranks, &a)
    }

    fn manifest(dir: &Path) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
    }

    /// `a` is a single-process run, `b` the same run split over ranks (or resumed).
    fn assert_same_outputs(a: &Path, b: &Path, what: &str) {
        assert_same_files(
            a,
            b,
            &DETERMINISTIC,
            &format!("from the single-process run ({what})"),
        );
        for table in ["features", "attribution"] {
            let read = |d: &Path| {
                emergent_io::read_dataset(d, table, &emergent_io::IdColumn::Default).unwrap()
            };
            assert_same_table(&read(a), &read(b), &format!("{table}: {what}"));
        }
        for table in ["ticks", "actions"] {
            assert_eq!(rows(a, table), rows(b, table), "{what}: {table} differ");
        }
        let counts = |d: &Path| manifest(d)["counts"].clone();
        assert_eq!(counts(a), counts(b), "{what}: manifest counts differ");
    }

    fn assert_same_table(
        a: &emergent_attribution::FeatureTable,
        b: &emergent_attribution::FeatureTable,
        what: &str,
    ) {
        assert_eq!(a.ids(), b.ids(), "{what}: agent ids");
        assert_eq!(a.column_names(), b.column_names(), "{what}: columns");
        for c in a.column_names() {
            let bits = |t: &emergent_attribution::FeatureTable| {
                t.column(c)
                    .unwrap()
                    .iter()
                    .map(|v| v.to_bits())
                    .collect::<Vec<_>>()
            };
            assert!(bits(a) == bits(b), "{what}: column {c} differs");
        }
    }

    /// Every row of the run's `ticks` or `actions` table (one file, or every rank's shard),
    /// in (tick, agent) order — a stable sort, so an agent's actions keep their order — as
    /// text (every f64 printed exactly).
    fn rows(dir: &Path, table: &str) -> Vec<String> {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        use parquet::record::RowAccessor;
        let mut rows: Vec<((u64, i64), String)> = Vec::new();
        for f in emergent_io::dataset_files(dir, table).unwrap() {
            let reader = SerializedFileReader::new(std::fs::File::open(&f).unwrap()).unwrap();
            for row in reader.get_row_iter(None).unwrap() {
                let row = row.unwrap();
                let agent = match table {
                    "ticks" => row.get_long(1).unwrap(),
                    _ => row.get_uint(1).unwrap() as i64,
                };
                rows.push(((row.get_uint(0).unwrap() as u64, agent), format!("{row:?}")));
            }
        }
        rows.sort_by_key(|r| r.0);
        rows.into_iter().map(|r| r.1).collect()
    }

    /// pyarrow and polars read the shards of each table as one dataset equal to the single
    /// file (when installed; `.ci/run` installs both and sets EMERGENT_REQUIRE_PYARROW).
    fn pyarrow_reads_shards_as_one(single: &Path, split: &Path) {
        let has = Command::new("python3")
            .args(["-c", "import pyarrow, polars"])
            .status()
            .is_ok_and(|s| s.success());
        if !has {
            assert!(
                std::env::var_os("EMERGENT_REQUIRE_PYARROW").is_none(),
                "pyarrow and polars are required but missing"
            );
            eprintln!("pyarrow or polars missing: skipping their check");
            return;
        }
        let script = r#"
import glob, os, sys
import pyarrow.dataset as ds, pyarrow.parquet as pq
single, split = sys.argv[1], sys.argv[2]
for name in ["features", "attribution", "follows", "follows-final"]:
    files = sorted(glob.glob(os.path.join(split, name + "-r*.parquet")))
    assert len(files) > 1, files
    whole = ds.dataset(files, format="parquet").to_table()
    assert whole.equals(pq.read_table(os.path.join(single, name + ".parquet"))), name
ticks = ds.dataset(sorted(glob.glob(os.path.join(split, "ticks-r*.parquet")))).to_table()
ticks = ticks.sort_by([("tick", "ascending"), ("agent_id", "ascending")])
assert ticks.equals(pq.read_table(os.path.join(single, "ticks.parquet"))), "ticks"
# Arrow's sort is stable: an agent's actions in a tick keep their order.
actions = ds.dataset(sorted(glob.glob(os.path.join(split, "actions-r*.parquet")))).to_table()
actions = actions.sort_by([("tick", "ascending"), ("agent", "ascending")])
# Concatenated shards take each row's dictionary code afresh: compare the action names.
def named(t):
    return t.set_column(t.schema.get_field_index("action"), "action", t["action"].cast("string"))
assert actions.num_rows > 0
assert named(actions).equals(named(pq.read_table(os.path.join(single, "actions.parquet")))), "actions"
import polars as pl
for name in ["features", "attribution"]:
    whole = pl.read_parquet(os.path.join(split, name + "-r*.parquet"))
    assert whole.equals(pl.read_parquet(os.path.join(single, name + ".parquet"))), "polars " + name
"#;
        let o = Command::new("python3")
            .args(["-c", script])
            .arg(single)
            .arg(split)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "pyarrow: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    fn sets(agents: usize, ticks: u32) -> Vec<String> {
        [
            format!("population.agents={agents}"),
            format!("scenario.ticks={ticks}"),
            "record.actions=true".into(),
            "record.every=2".into(),
        ]
        .into_iter()
        .flat_map(|s| ["--set".to_string(), s])
        .collect()
    }

    #[test]
    fn two_and_three_ranks_equal_one_process_for_every_policy() {
        let dir = tempfile::tempdir().unwrap();
        // 20 000 agents are three partition units (P = 3: one each); 9 000 are two (P = 3
        // leaves rank 0, which still writes the run-wide files, without agents).
        for (file, agents) in [
            ("quickstart.toml", 20_000),
            ("cascade.toml", 17_000),
            ("market-panic.toml", 9_000),
        ] {
            let scenario = repo().join("scenarios").join(file);
            let scenario = scenario.to_str().unwrap();
            let extra = sets(agents, 16);
            let single = dir.path().join(format!("{file}-1"));
            let mut args = vec!["run", scenario, "--out", single.to_str().unwrap()];
            args.extend(extra.iter().map(String::as_str));
            ok(&args);
            for ranks in [2, 3] {
                let out = dir.path().join(format!("{file}-{ranks}"));
                let o = run_distributed(ranks, scenario, &out, &extra);
                let stdout = String::from_utf8_lossy(&o.stdout);
                assert!(
                    o.status.success(),
                    "{file} on {ranks} ranks failed:\n{}\n{}",
                    stdout,
                    String::from_utf8_lossy(&o.stderr)
                );
                assert_eq!(
                    stdout.matches("outputs in").count(),
                    1,
                    "only rank 0 reports: {stdout}"
                );
                assert_same_outputs(&single, &out, &format!("{file}, {ranks} ranks"));
                if file == "quickstart.toml" {
                    pyarrow_reads_shards_as_one(&single, &out);
                    // `emergent study` reads the shards as one table: the same study.
                    if !single.join("study/study.json").exists() {
                        ok(&["study", single.to_str().unwrap()]);
                    }
                    ok(&["study", out.to_str().unwrap()]);
                    // `emergent attribute --features RUN_DIR` reads them as one table too.
                    let phi = |d: &Path, name: &str| {
                        let f = dir.path().join(name);
                        ok(&[
                            "attribute",
                            "--features",
                            d.to_str().unwrap(),
                            "--indicator",
                            "gini(posts + replies + 1)",
                            "--out",
                            f.to_str().unwrap(),
                            // phi-1.csv is rewritten for each rank count.
                            "--force",
                        ]);
                        std::fs::read(f).unwrap()
                    };
                    assert!(
                        phi(&single, "phi-1.csv") == phi(&out, &format!("phi-{ranks}.csv")),
                        "attribute over {ranks} ranks' shards"
                    );
                    assert_same_files(
                        &single.join("study"),
                        &out.join("study"),
                        &["study.json"],
                        &format!("(study of {ranks} ranks' shards)"),
                    );
                }
                let m = manifest(&out);
                assert_eq!(m["distributed"]["ranks"], ranks);
                // Rank 0 received the other ranks' deliveries (their logs at least) and, where
                // its agents follow other ranks' (not in the preferential-attachment graph of
                // cascade.toml, whose first agents follow only each other), fetched items.
                let got = |key: &str| m["distributed"][key].as_f64().unwrap();
                assert!(got("rank0_bytes_received_per_tick") > 0.0);
                if file == "quickstart.toml" {
                    assert!(got("rank0_items_fetched_per_tick") > 0.0);
                }
            }
        }
    }

    /// Interventions of every kind, a bot campaign among them, on two ranks: the same bytes
    /// as one process (the bots are the last ids, on the last rank).
    #[test]
    fn interventions_and_bots_on_two_ranks_equal_one_process() {
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(repo().join("scenarios/quickstart.toml"))
            .unwrap()
            .replacen("[population]\n", "[population]\nbots = 30\n", 1)
            // In the file, not --set: the file alone is validated first, and the follow
            // edit names two bots.
            .replacen("agents = 10_000", "agents = 20_000", 1)
            + r#"
[[interventions]]
kind = "silence"
from = 3
top = { feature = "followers", share = 0.01 }

[[interventions]]
kind = "inject"
from = 2
to = 8
bots = 30
stance = 2.0

[[interventions]]
kind = "boost"
at = 4
bots = 30
factor = 4

[[interventions]]
kind = "follow"
at = 5
range = [0, 200]
accounts = [19990, 19995]

[[interventions]]
kind = "feed"
from = 6
set = { ranking = "chronological" }
"#;
        let scenario = dir.path().join("quickstart-interventions.toml");
        std::fs::write(&scenario, text).unwrap();
        let scenario = scenario.to_str().unwrap();
        let extra = sets(20_000, 12);
        let single = dir.path().join("single");
        let mut args = vec!["run", scenario, "--out", single.to_str().unwrap()];
        args.extend(extra.iter().map(String::as_str));
        ok(&args);
        let m = manifest(&single);
        assert_eq!(m["interventions"].as_array().unwrap().len(), 5, "{m}");
        let out = dir.path().join("two");
        let o = run_distributed(2, scenario, &out, &extra);
        assert!(
            o.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert_same_outputs(&single, &out, "interventions and bots, 2 ranks");
    }

    #[test]
    fn a_killed_job_resumes_from_its_checkpoint_to_the_same_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let (whole, killed) = (dir.path().join("whole"), dir.path().join("killed"));
        let mut extra = sets(3_000, 30);
        extra.extend(["--set".into(), "checkpoint.every=4".into()]);
        let qs = quickstart();
        let mut w = vec!["run", qs.as_str(), "--out", whole.to_str().unwrap()];
        w.extend(extra.iter().map(String::as_str));
        ok(&w);
        let mut k = vec![
            "run",
            qs.as_str(),
            "--distributed",
            "--throttle-ms",
            "100",
            "--out",
            killed.to_str().unwrap(),
        ];
        k.extend(extra.iter().map(String::as_str));
        let mut child = mpirun(2, &k)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_second_checkpoint(&mut child, &killed);
        // SIGTERM to timeout → mpirun, which takes its ranks down with it.
        let _ = Command::new("kill").arg(child.id().to_string()).status();
        child.wait().unwrap();
        // mpirun can exit before its ranks: on SIGTERM each finishes its tick and checkpoints
        // (a clean stop). Wait until they have let go of the run directory.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while fails(&["run", "--resume", killed.to_str().unwrap()]).contains("is in use by pid")
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        assert!(
            !killed.join("manifest.json").exists(),
            "the job finished before the kill"
        );
        // Each rank checkpointed its own agents; the set is committed by checkpoint.json.
        let files: Vec<String> = std::fs::read_dir(&killed)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with("checkpoint"))
            .collect();
        for r in ["-r00000.bin", "-r00001.bin"] {
            assert!(files.iter().any(|f| f.ends_with(r)), "{files:?}");
        }
        assert!(files.contains(&"checkpoint.json".to_string()), "{files:?}");
        // Another number of ranks cannot continue it, and says how many can.
        let o = run_mpi(
            3,
            &["run", "--distributed", "--resume", killed.to_str().unwrap()],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success());
        assert!(err.contains("mpirun -np 2"), "{err}");
        let e = fails(&["run", "--resume", killed.to_str().unwrap()]);
        assert!(
            e.contains("mpirun -np 2"),
            "one process cannot continue it either: {e}"
        );
        // A set the job was writing when it died was never committed: it is ignored (and
        // cleared), even when damaged.
        for r in 0..2 {
            let f = killed.join(format!("checkpoint-s00099-r{r:05}.bin"));
            std::fs::write(f, b"half-written").unwrap();
        }
        let o = run_mpi(
            2,
            &["run", "--distributed", "--resume", killed.to_str().unwrap()],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_same_outputs(&whole, &killed, "resumed on 2 ranks");
        let left: Vec<_> = std::fs::read_dir(&killed)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with("checkpoint") || n == ".partial")
            .collect();
        assert!(
            left.is_empty(),
            "a finished run keeps no checkpoints: {left:?}"
        );
    }

    #[test]
    fn failures_end_every_rank_with_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("busy");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("keep.txt"), "earlier output").unwrap();
        let o = run_mpi(
            2,
            &[
                "run",
                &quickstart(),
                "--distributed",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success());
        assert!(err.contains("--force"), "{err}");
        assert_eq!(
            std::fs::read_to_string(out.join("keep.txt")).unwrap(),
            "earlier output"
        );

        let econ = repo().join("scenarios/econagent.toml");
        let o = run_mpi(
            2,
            &[
                "run",
                econ.to_str().unwrap(),
                "--distributed",
                "--out",
                dir.path().join("e").to_str().unwrap(),
            ],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success());
        assert!(
            err.contains("econagent.toml") && err.contains("one process"),
            "{err}"
        );

        // An interrupted economy is refused before anything reads or writes its directory.
        let halted = dir.path().join("econ-halted");
        std::fs::create_dir_all(&halted).unwrap();
        std::fs::write(halted.join("checkpoint-econ.bin"), b"not read").unwrap();
        let o = run_mpi(
            2,
            &["run", "--distributed", "--resume", halted.to_str().unwrap()],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success());
        assert!(err.contains("resumes in one process"), "{err}");
        assert_eq!(
            std::fs::read(halted.join("checkpoint-econ.bin")).unwrap(),
            b"not read"
        );
    }

    /// `(agent_id, original_id)` of a run renamed by a METIS partition, in file order.
    #[cfg(feature = "metis")]
    fn renaming(dir: &Path) -> Vec<(i64, u32)> {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        use parquet::record::RowAccessor;
        let mut pairs = Vec::new();
        for f in emergent_io::dataset_files(dir, "agents").unwrap() {
            let reader = SerializedFileReader::new(std::fs::File::open(&f).unwrap()).unwrap();
            for row in reader.get_row_iter(None).unwrap() {
                let row = row.unwrap();
                pairs.push((row.get_long(0).unwrap(), row.get_uint(1).unwrap()));
            }
        }
        pairs
    }

    /// `[partition] method = "metis"`: the renaming is part of the world, so 2 and 3 ranks equal
    /// one process, and every run maps the new ids back to the scenario's the same way.
    #[cfg(feature = "metis")]
    #[test]
    fn a_metis_partition_gives_the_same_outputs_on_any_number_of_ranks() {
        let dir = tempfile::tempdir().unwrap();
        let scenario = repo().join("scenarios/million.toml");
        let scenario = scenario.to_str().unwrap();
        let mut extra = sets(20_000, 8);
        for s in ["partition.method=metis", "partition.parts=2"] {
            extra.extend(["--set".to_string(), s.to_string()]);
        }
        let single = dir.path().join("one");
        let mut args = vec!["run", scenario, "--out", single.to_str().unwrap()];
        args.extend(extra.iter().map(String::as_str));
        ok(&args);
        let map = renaming(&single);
        assert_eq!(map.len(), 20_000);
        assert!(map.iter().enumerate().all(|(j, p)| p.0 == j as i64));
        let mut old: Vec<u32> = map.iter().map(|p| p.1).collect();
        old.sort_unstable();
        assert_eq!(old, (0..20_000).collect::<Vec<u32>>(), "a renaming");
        assert!(map.iter().any(|p| p.0 != p.1 as i64), "METIS moved agents");
        for ranks in [2, 3] {
            let out = dir.path().join(format!("r{ranks}"));
            let o = run_distributed(ranks, scenario, &out, &extra);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            assert_same_outputs(&single, &out, &format!("METIS, {ranks} ranks"));
            assert_eq!(
                renaming(&out),
                map,
                "{ranks} ranks rename as one process does"
            );
        }
    }
}

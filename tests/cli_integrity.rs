//! Nothing lost, nothing mixed: a run directory has one writer at a time, `--force` leaves
//! nothing of the earlier run, a resume continues only from an intact checkpoint of this very
//! run and every part it recorded, a signal stops a run cleanly, and no command writes over
//! its own input.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const OUTPUTS: [&str; 8] = [
    "follows.parquet",
    "follows-final.parquet",
    "features.parquet",
    "attribution.parquet",
    "ticks.parquet",
    "actions.parquet",
    "indicators.csv",
    "attribution.json",
];

/// A small quickstart with checkpoints every 4 ticks.
fn small_args(out: &Path, seed: &str) -> Vec<String> {
    [
        "run",
        &quickstart(),
        "--out",
        out.to_str().unwrap(),
        "--seed",
        seed,
        "--set",
        "population.agents=2000",
        "--set",
        "scenario.ticks=40",
        "--set",
        "checkpoint.every=4",
        "--set",
        "record.every=2",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn spawn_throttled(args: &[String], ms: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_emergent"))
        .args(args)
        .args(["--throttle-ms", ms])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) on our own child's pid; no memory is involved.
    let r = unsafe { libc::kill(child.id() as i32, sig) };
    assert_eq!(r, 0, "kill failed");
}

/// Start a run, let it checkpoint twice, and stop it with SIGINT; returns its stderr.
fn interrupted_run(out: &Path, seed: &str) -> String {
    let mut child = spawn_throttled(&small_args(out, seed), "60");
    wait_for_second_checkpoint(&mut child, out);
    signal(&child, libc::SIGINT);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(130), "SIGINT exits 128 + 2: {err}");
    assert!(
        err.contains("interrupted by SIGINT") && err.contains("--resume"),
        "{err}"
    );
    assert!(!out.join("manifest.json").exists());
    err
}

/// Every file under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, d: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// `--resume dir` fails without a panic; returns stderr.
fn resume_refused(dir: &Path) -> String {
    let err = fails(&["run", "--resume", dir.to_str().unwrap()]);
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn sigint_stops_cleanly_and_resume_refuses_damaged_foreign_or_incomplete_state() {
    let tmp = tempfile::tempdir().unwrap();
    let (whole, stopped, foreign) = (
        tmp.path().join("whole"),
        tmp.path().join("stopped"),
        tmp.path().join("foreign"),
    );
    ok(&strs(&small_args(&whole, "7")));
    interrupted_run(&stopped, "7");
    interrupted_run(&foreign, "8");
    // The tick finished and was checkpointed; no temporary file is left anywhere.
    let files = tree(&stopped);
    assert!(files.iter().all(|f| !f.ends_with(".tmp")), "{files:?}");
    assert!(stopped.join("checkpoint.bin").is_file());

    // A flipped byte anywhere in the checkpoint is refused, never resumed or a crash.
    let ckpt = stopped.join("checkpoint.bin");
    let good = std::fs::read(&ckpt).unwrap();
    for k in 0..11 {
        let at = k * (good.len() - 1) / 10;
        let mut bad = good.clone();
        bad[at] ^= 0x10;
        std::fs::write(&ckpt, &bad).unwrap();
        let err = resume_refused(&stopped);
        assert!(
            err.contains("damaged") || err.contains("not an emergent checkpoint"),
            "byte {at}: {err}"
        );
    }
    // A truncated one too.
    std::fs::write(&ckpt, &good[..good.len() / 2]).unwrap();
    assert!(resume_refused(&stopped).contains("damaged"));

    // Another run's checkpoint (another seed) is refused: it would continue these rows.
    std::fs::copy(foreign.join("checkpoint.bin"), &ckpt).unwrap();
    let err = resume_refused(&stopped);
    assert!(err.contains("belongs to another run"), "{err}");
    std::fs::write(&ckpt, &good).unwrap();

    // A recorded part that went missing or changed is refused, not merged into fewer rows.
    let part = stopped.join(".partial/ticks-00001.parquet");
    let part_bytes = std::fs::read(&part).unwrap();
    std::fs::remove_file(&part).unwrap();
    let err = resume_refused(&stopped);
    assert!(
        err.contains("ticks-00001.parquet is missing") && err.contains("lose"),
        "{err}"
    );
    std::fs::write(&part, &part_bytes[..part_bytes.len() - 1]).unwrap();
    assert!(resume_refused(&stopped).contains("bytes, not the"));
    let mut changed = part_bytes.clone();
    changed[10] ^= 1;
    std::fs::write(&part, &changed).unwrap();
    assert!(resume_refused(&stopped).contains("has changed since the checkpoint"));
    std::fs::write(&part, &part_bytes).unwrap();

    // Intact again: the resumed run is the uninterrupted one, byte for byte.
    let s = ok(&["run", "--resume", stopped.to_str().unwrap()]);
    assert!(s.contains("ran 2000 agents for 40 ticks"), "{s}");
    assert_same_files(&whole, &stopped, &OUTPUTS, "after SIGINT and resume");
}

#[test]
fn force_leaves_nothing_of_the_earlier_run_but_the_users_own_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let d = dir.to_str().unwrap();
    let qs = quickstart();
    let run = |agents: &str, dynamic: &str, force: bool| {
        let mut a = vec![
            "run",
            qs.as_str(),
            "--out",
            d,
            "--set",
            agents,
            "--set",
            "scenario.ticks=10",
            "--set",
            dynamic,
        ];
        if force {
            a.push("--force");
        }
        ok(&a);
    };
    run("population.agents=500", "attribution.dynamic=true", false);
    ok(&["study", d, "--no-sweeps"]);
    ok(&["report", d]);
    assert!(dir.join("dynamic_attribution.json").is_file() && dir.join("study").is_dir());
    std::fs::write(dir.join("notes.md"), "mine").unwrap();

    // Without --force the directory is refused and untouched.
    let before = tree(&dir);
    let mut again = vec!["run", qs.as_str(), "--out", d];
    again.extend(["--set", "population.agents=300"]);
    assert!(fails(&again).contains("--force"));
    assert_eq!(tree(&dir), before);

    run("population.agents=300", "attribution.dynamic=false", true);
    assert!(!dir.join("dynamic_attribution.json").exists());
    assert!(!dir.join("dynamic_attribution.parquet").exists());
    assert!(!dir.join("study").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.md")).unwrap(),
        "mine"
    );
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(report.contains("300"), "the report is the new run's");
    assert!(
        report.contains("No study in this run directory yet"),
        "the report presents no stale study"
    );
    assert_eq!(rows(&dir.join("features.parquet")), 300);
}

#[test]
fn a_run_directory_has_one_writer_and_a_killed_one_leaves_no_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let mut first = spawn_throttled(&small_args(&dir, "7"), "100");
    let started = Instant::now();
    while !dir.join(".partial/run.json").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no run started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut second = small_args(&dir, "9");
    second.push("--force".into());
    let err = fails(&strs(&second));
    assert!(
        err.contains(&format!("in use by pid {}", first.id())),
        "{err}"
    );
    let err = fails(&["run", "--resume", dir.to_str().unwrap()]);
    assert!(err.contains("in use by pid"), "{err}");
    assert!(first.try_wait().unwrap().is_none(), "the first run goes on");

    // kill -9: the kernel drops the lock with the process; the next run proceeds.
    first.kill().unwrap();
    first.wait().unwrap();
    let mut quick = small_args(&dir, "9");
    quick.extend(["--force".into(), "--set".into(), "scenario.ticks=4".into()]);
    ok(&strs(&quick));
    assert!(dir.join("manifest.json").is_file());
}

#[test]
fn attribute_never_writes_over_its_input_or_a_runs_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let input: PathBuf = tmp.path().join("t.csv");
    let table = "agent_id,a\n0,1\n1,2\n2,4\n";
    std::fs::write(&input, table).unwrap();
    let i = input.to_str().unwrap();
    let attribute = |out: &str, force: bool| {
        let mut a = vec![
            "attribute",
            "--features",
            i,
            "--indicator",
            "var(a)",
            "--out",
            out,
        ];
        if force {
            a.push("--force");
        }
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    // The input itself, even with --force, and by another spelling of its path.
    for out in [i.to_string(), format!("{}/./t.csv", tmp.path().display())] {
        let err = fails(&strs(&attribute(&out, true)));
        assert!(err.contains("destroy the input"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(&input).unwrap(), table);
    // Another file: new is fine; existing needs --force.
    let phi = tmp.path().join("phi.csv");
    let p = phi.to_str().unwrap();
    ok(&strs(&attribute(p, false)));
    assert!(fails(&strs(&attribute(p, false))).contains("--force"));
    ok(&strs(&attribute(p, true)));

    // Unbounded work is refused up front.
    let err = fails(&[
        "attribute",
        "--features",
        i,
        "--indicator",
        "var(a)",
        "--steps",
        "10000000",
    ]);
    assert!(err.contains("not in 1..=4096"), "{err}");

    // A finished run's own files are not a place for another command's output.
    let run = tmp.path().join("run");
    ok(&[
        "run",
        &quickstart(),
        "--out",
        run.to_str().unwrap(),
        "--set",
        "population.agents=200",
        "--set",
        "scenario.ticks=3",
    ]);
    let before = std::fs::read(run.join("attribution.parquet")).unwrap();
    let target = run.join("attribution.parquet");
    let err = fails(&strs(&attribute(target.to_str().unwrap(), true)));
    assert!(err.contains("output of the run"), "{err}");
    assert_eq!(
        std::fs::read(run.join("attribution.parquet")).unwrap(),
        before
    );
    // Reading the run directory and writing into it is refused as an input clash.
    let err = fails(&[
        "attribute",
        "--features",
        run.to_str().unwrap(),
        "--indicator",
        "var(stance)",
        "--out",
        run.join("mine.csv").to_str().unwrap(),
    ]);
    assert!(err.contains("destroy the input"), "{err}");
}

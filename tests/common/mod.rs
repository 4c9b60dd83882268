//! What every end-to-end test of the binary needs: run it, expect success or failure, find
//! the repository's files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Run `emergent` with extra environment variables.
pub fn emergent_env(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_emergent"));
    c.args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("the binary runs")
}

pub fn emergent(args: &[&str]) -> Output {
    emergent_env(args, &[])
}

/// Run expecting success; returns stdout.
pub fn ok_env(args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = emergent_env(args, envs);
    assert!(
        out.status.success(),
        "{args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

pub fn ok(args: &[&str]) -> String {
    ok_env(args, &[])
}

/// Run expecting failure; returns stderr.
pub fn fails(args: &[&str]) -> String {
    let out = emergent(args);
    assert!(
        !out.status.success(),
        "{args:?} should fail but printed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).expect("utf-8 output")
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn quickstart() -> String {
    repo()
        .join("scenarios/quickstart.toml")
        .to_str()
        .expect("utf-8 path")
        .to_string()
}

/// Rows of a Parquet file, from its footer.
pub fn rows(path: &Path) -> i64 {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let r = SerializedFileReader::new(std::fs::File::open(path).expect("file exists"))
        .expect("a Parquet file");
    r.metadata().file_metadata().num_rows()
}

/// Wait until the run writing `dir` has checkpointed past its second segment (so a kill now
/// interrupts it mid-way), failing if it ends first or nothing appears within two minutes.
pub fn wait_for_second_checkpoint(child: &mut std::process::Child, dir: &Path) {
    let started = std::time::Instant::now();
    // One process writes checkpoint.bin; a partitioned run commits per-rank files with
    // checkpoint.json.
    let checkpointed =
        || dir.join("checkpoint.bin").exists() || dir.join("checkpoint.json").exists();
    while !(checkpointed() && dir.join(".partial/indicators-00002.csv").exists()) {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "no checkpoint appeared"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be interrupted"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Each of `files` is byte-identical in run directories `a` and `b`; `what` says which two
/// runs were compared.
pub fn assert_same_files(a: &Path, b: &Path, files: &[&str], what: &str) {
    for f in files {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs {what}");
    }
}

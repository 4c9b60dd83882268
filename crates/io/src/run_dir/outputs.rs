//! Which entries of a run directory are emergent's outputs, so `run --force` can clear every
//! one of an earlier run (a stale `dynamic_attribution.json` or `study/` beside new tables is
//! a silently wrong report) while a user's own files in the directory stay.

use std::path::Path;

use crate::error::IoError;

use super::names::*;

/// Whether the entry called `name` in a run directory is (or is a temporary file of) one of
/// emergent's outputs. The LLM replay cache and anything else are not.
pub fn is_run_output(name: &str) -> bool {
    if let Some(rest) = name.strip_prefix('.')
        && let Some(target) = temp_target(rest)
    {
        return is_run_output(target) || target == LLM_CACHE;
    }
    const FILES: [&str; 20] = [
        MANIFEST,
        SCENARIO,
        PARTIAL,
        CHECKPOINT,
        ECON_CHECKPOINT,
        RANK_CHECKPOINT_POINTER,
        INDICATORS_CSV,
        MARKET_JSON,
        ATTRIBUTION_JSON,
        DYNAMIC_ATTRIBUTION_JSON,
        GAME_JSON,
        GAME_MD,
        STUDY_DIR,
        SHARD_INDEX,
        REPORT_MD,
        REPORT_HTML,
        PLOTS_DIR,
        INTERVIEWS,
        super::distilled::DISTILLED_POLICY,
        super::distilled::DISTILLED_FIDELITY,
    ];
    FILES.contains(&name) || is_table(name) || is_rank_checkpoint(name)
}

/// `<table>.parquet` or a rank's shard `<table>-rRRRRR.parquet`.
fn is_table(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".parquet") else {
        return false;
    };
    TABLES.iter().any(|t| match stem.strip_prefix(t) {
        Some("") => true,
        Some(rest) => rest
            .strip_prefix("-r")
            .is_some_and(|r| r.len() == 5 && r.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    })
}

/// `checkpoint-sSSSSS-rRRRRR.bin`, a rank's part of a partitioned run's checkpoint.
fn is_rank_checkpoint(name: &str) -> bool {
    name.strip_prefix("checkpoint-s")
        .and_then(|r| r.strip_suffix(".bin"))
        .and_then(|r| r.split_once("-r"))
        .is_some_and(|(s, r)| {
            [s, r]
                .iter()
                .all(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// The output a temporary file `.<name>.<random>.tmp` (as `atomic_write` names them, the
/// leading dot already stripped) was going to become.
fn temp_target(rest: &str) -> Option<&str> {
    let stem = rest.strip_suffix(".tmp")?;
    let (target, _random) = stem.rsplit_once('.')?;
    Some(target)
}

/// Remove every output of an earlier run from `dir` (see [`is_run_output`]) and return their
/// names, sorted. Files that are not outputs stay.
pub fn remove_run_outputs(dir: &Path) -> Result<Vec<String>, IoError> {
    remove_where(dir, is_run_output)
}

/// Remove every output of an earlier experiment from the experiment directory `dir` (see
/// [`EXPERIMENT_OUTPUTS`], and their temporary files) and return their names, sorted.
pub fn remove_experiment_outputs(dir: &Path) -> Result<Vec<String>, IoError> {
    remove_where(dir, |name| {
        let target = name.strip_prefix('.').and_then(temp_target).unwrap_or(name);
        EXPERIMENT_OUTPUTS.contains(&target)
    })
}

/// Remove the temporary files of outputs (`.checkpoint.bin.XXXX.tmp`) that a process killed
/// mid-write left in `dir`, and return their names, sorted.
pub fn remove_output_temporaries(dir: &Path) -> Result<Vec<String>, IoError> {
    remove_where(dir, |name| {
        name.starts_with('.') && name.ends_with(".tmp") && is_run_output(name)
    })
}

/// Remove the entries of `dir` (files or folders) whose names satisfy `remove`.
fn remove_where(dir: &Path, remove: impl Fn(&str) -> bool) -> Result<Vec<String>, IoError> {
    let mut removed = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(IoError::io(dir, &e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| IoError::io(dir, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !remove(&name) {
            continue;
        }
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let r = if is_dir {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match r {
            Ok(()) => removed.push(name),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(IoError::io(&path, &e)),
        }
    }
    removed.sort();
    Ok(removed)
}

/// Whether `dir` holds anything.
pub fn is_non_empty(dir: &Path) -> Result<bool, IoError> {
    let mut entries = std::fs::read_dir(dir).map_err(|e| IoError::io(dir, &e))?;
    Ok(entries.next().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_output_name_is_recognised_and_user_files_are_not() {
        for name in [
            "manifest.json",
            "scenario.toml",
            ".partial",
            "checkpoint.bin",
            "checkpoint-econ.bin",
            "checkpoint.json",
            "checkpoint-s00003-r00001.bin",
            "indicators.csv",
            "attribution.json",
            "dynamic_attribution.json",
            "dynamic_attribution.parquet",
            "game.json",
            "game.md",
            "cascades.parquet",
            "study",
            "shards.json",
            "report.md",
            "report.html",
            "plots",
            "ticks.parquet",
            "ticks-r00002.parquet",
            "agents-r00000.parquet",
            ".checkpoint.bin.Ab12xy.tmp",
            ".features.parquet.q9.tmp",
            ".llm-cache.sqlite.x1.tmp",
        ] {
            assert!(is_run_output(name), "{name} is an output");
        }
        for name in [
            "llm-cache.sqlite",
            "notes.md",
            "ticks.csv",
            "ticks-r2.parquet",
            "ticks-rabcde.parquet",
            "my-features.parquet",
            "checkpoint-s-r.bin",
            ".notes.md.x1.tmp",
        ] {
            assert!(!is_run_output(name), "{name} is not an output");
        }
    }

    #[test]
    fn removing_outputs_keeps_user_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in ["manifest.json", "dynamic_attribution.json", "notes.md"] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        std::fs::create_dir_all(d.join("study/plots")).unwrap();
        std::fs::write(d.join("study/study.json"), "{}").unwrap();
        let removed = remove_run_outputs(d).unwrap();
        assert_eq!(
            removed,
            ["dynamic_attribution.json", "manifest.json", "study"]
        );
        assert!(d.join("notes.md").exists());
        assert!(!d.join("study").exists());
        assert!(is_non_empty(d).unwrap());
        std::fs::remove_file(d.join("notes.md")).unwrap();
        assert!(!is_non_empty(d).unwrap());
    }
}

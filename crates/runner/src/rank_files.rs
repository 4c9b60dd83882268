//! The per-rank checkpoint files of a partitioned run, `checkpoint-sSSSSS-rRRRRR.bin`
//! (S: the next recording segment, R: the rank), and their commit record `checkpoint.json`.

use std::path::Path;

use emergent_io::run_dir::RANK_CHECKPOINT_POINTER;

use crate::error::RunError;
use crate::fs::remove_if_exists;

pub(crate) fn rank_file(segment: u32, rank: usize) -> String {
    format!("checkpoint-s{segment:05}-r{rank:05}.bin")
}

/// (segment, rank) of a per-rank checkpoint file name.
fn parse_rank_file(name: &str) -> Option<(u32, usize)> {
    let rest = name.strip_prefix("checkpoint-s")?.strip_suffix(".bin")?;
    let (s, r) = rest.split_once("-r")?;
    Some((s.parse().ok()?, r.parse().ok()?))
}

/// Remove per-rank checkpoint files (of `rank`, or of every rank) whose segment is not `keep`,
/// and the commit record when `keep` is `None`.
pub(crate) fn remove_rank_files(
    dir: &Path,
    rank: Option<usize>,
    keep: Option<u32>,
) -> Result<(), RunError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(_) => return Ok(()),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if let Some((s, r)) = parse_rank_file(&name)
            && rank.is_none_or(|me| me == r)
            && keep != Some(s)
        {
            remove_if_exists(&entry.path())?;
        }
    }
    if keep.is_none() && rank.is_none() {
        remove_if_exists(&dir.join(RANK_CHECKPOINT_POINTER))?;
    }
    Ok(())
}

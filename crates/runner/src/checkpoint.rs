//! The whole state every k ticks, so `--resume` continues as if nothing happened.
//!
//! One process writes `checkpoint.bin`. The ranks of a partitioned run each write their own
//! agents' state to `checkpoint-sSSSSS-rRRRRR.bin` (S: the next recording segment, R: the
//! rank); once every rank's file is in place rank 0 commits them by rewriting
//! `checkpoint.json`, and only then do ranks delete their older files. A job killed at any
//! point leaves one complete, committed set, which `--resume` on the same number of ranks
//! continues from (MPI itself has no fault tolerance).

use std::path::Path;

use emergent_collective::{Collective, barrier};
use emergent_io::{IoError, atomic_write};
use emergent_sim::World;
use serde::{Deserialize, Serialize};

use crate::error::RunError;
use crate::manifest::RunStats;
use crate::run_dir::{CHECKPOINT, remove_if_exists};

/// Bumped whenever the layout changes, so an old checkpoint is refused, not misread.
/// 2: per-agent state may be a rank's own range (`Owned`), owner/global apply.
/// 3: items are owned by their author's rank (`Items::owners`; other ranks' items blank).
const FORMAT: u32 = 3;

/// The commit record of a partitioned run's per-rank checkpoints.
pub(crate) const RANK_POINTER: &str = "checkpoint.json";

#[derive(Serialize, Deserialize)]
struct Pointer {
    format: u32,
    ranks: usize,
    segment: u32,
    tick: u32,
}

fn rank_file(segment: u32, rank: usize) -> String {
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
        remove_if_exists(&dir.join(RANK_POINTER))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct CheckpointRef<'a> {
    format: u32,
    scenario_text: &'a str,
    scenario_file: &'a str,
    overrides: &'a [String],
    next_segment: u32,
    stats: &'a RunStats,
    world: &'a World,
}

#[derive(Deserialize)]
pub(crate) struct Checkpoint {
    format: u32,
    pub scenario_text: String,
    pub scenario_file: String,
    pub overrides: Vec<String>,
    pub next_segment: u32,
    pub stats: RunStats,
    pub world: World,
}

/// Save a checkpoint: `checkpoint.bin` in one process; in a partitioned run (a collective
/// call: every rank makes it) this rank's file, then the set committed by rank 0.
#[allow(clippy::too_many_arguments)]
pub(crate) fn save(
    dir: &Path,
    scenario_text: &str,
    scenario_file: &str,
    overrides: &[String],
    next_segment: u32,
    stats: &RunStats,
    world: &World,
    exchange: &dyn Collective,
) -> Result<(), RunError> {
    let c = CheckpointRef {
        format: FORMAT,
        scenario_text,
        scenario_file,
        overrides,
        next_segment,
        stats,
        world,
    };
    if exchange.ranks() == 1 {
        return encode(&dir.join(CHECKPOINT), &c);
    }
    let rank = exchange.rank();
    encode(&dir.join(rank_file(next_segment, rank)), &c)?;
    barrier(exchange);
    if rank == 0 {
        let p = Pointer {
            format: FORMAT,
            ranks: exchange.ranks(),
            segment: next_segment,
            tick: world.tick,
        };
        let path = dir.join(RANK_POINTER);
        let text = serde_json::to_string_pretty(&p)
            .map_err(|e| RunError::Io(IoError::new(&path, e.to_string())))?;
        emergent_io::atomic_write_bytes(&path, text.as_bytes())?;
    }
    barrier(exchange);
    remove_rank_files(dir, Some(rank), Some(next_segment))
}

/// This rank's part of the committed checkpoint set of a partitioned run on `ranks` ranks.
pub(crate) fn load_rank(dir: &Path, rank: usize, ranks: usize) -> Result<Checkpoint, RunError> {
    let path = dir.join(RANK_POINTER);
    let text = std::fs::read_to_string(&path).map_err(|e| RunError::Resume {
        dir: dir.to_path_buf(),
        why: format!(
            "no committed checkpoint of a partitioned run ({}: {e})",
            path.display()
        ),
    })?;
    let p: Pointer = serde_json::from_str(&text).map_err(|e| RunError::Resume {
        dir: dir.to_path_buf(),
        why: format!("{}: damaged ({e})", path.display()),
    })?;
    if p.format != FORMAT {
        return Err(RunError::Resume {
            dir: dir.to_path_buf(),
            why: format!("checkpoint format {} is not {FORMAT}", p.format),
        });
    }
    if p.ranks != ranks {
        return Err(RunError::Resume {
            dir: dir.to_path_buf(),
            why: format!(
                "the run was checkpointed on {} ranks, and each rank holds only its own agents: \
                 resume it with `mpirun -np {} emergent run --distributed --resume DIR`",
                p.ranks, p.ranks
            ),
        });
    }
    let c = decode(
        dir,
        &dir.join(rank_file(p.segment, rank)),
        |c: &Checkpoint| c.format,
        FORMAT,
    )?;
    // Files of a set that was being written when the job died were never committed.
    remove_rank_files(dir, Some(rank), Some(p.segment))?;
    Ok(c)
}

/// Write a checkpoint (postcard) atomically: a crash mid-write leaves the previous one.
pub(crate) fn encode<T: serde::Serialize>(path: &Path, checkpoint: &T) -> Result<(), RunError> {
    atomic_write(path, |w| {
        postcard::to_io(checkpoint, w)
            .map(|_| ())
            .map_err(|e| IoError::new(path, e.to_string()))
    })?;
    Ok(())
}

pub(crate) fn load(dir: &Path) -> Result<Checkpoint, RunError> {
    decode(
        dir,
        &dir.join(CHECKPOINT),
        |c: &Checkpoint| c.format,
        FORMAT,
    )
}

/// Read and decode a checkpoint file (postcard), refusing a missing, damaged or differently
/// versioned one with a message that says which.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    dir: &Path,
    path: &Path,
    format_of: impl Fn(&T) -> u32,
    expected: u32,
) -> Result<T, RunError> {
    let bytes = std::fs::read(path).map_err(|e| RunError::Resume {
        dir: dir.to_path_buf(),
        why: format!(
            "no checkpoint to resume from ({}: {e}); set [checkpoint] every = K in the scenario",
            path.display()
        ),
    })?;
    let c: T = postcard::from_bytes(&bytes).map_err(|e| RunError::Resume {
        dir: dir.to_path_buf(),
        why: format!(
            "{} is damaged or from another emergent version ({e})",
            path.display()
        ),
    })?;
    let format = format_of(&c);
    if format != expected {
        return Err(RunError::Resume {
            dir: dir.to_path_buf(),
            why: format!("checkpoint format {format} is not {expected}"),
        });
    }
    Ok(c)
}

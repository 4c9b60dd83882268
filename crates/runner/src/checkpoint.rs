//! Checkpoints: the whole state every k ticks, so `--resume` continues as if nothing
//! happened. One encoding for every engine: a header (format, the scenario as given) and
//! then the engine's own state, in postcard, written atomically.
//!
//! One process writes `checkpoint.bin` (an economy: `checkpoint-econ.bin`). The ranks of a
//! partitioned run each write their own agents' state to `checkpoint-sSSSSS-rRRRRR.bin`
//! (S: the next recording segment, R: the rank); once every rank's file is in place rank 0
//! commits them by rewriting `checkpoint.json`, and only then do ranks delete their older
//! files. A job killed at any point leaves one complete, committed set, which `--resume` on
//! the same number of ranks continues from (MPI itself has no fault tolerance).

use std::path::Path;

use emergent_io::run_dir::RANK_CHECKPOINT_POINTER;
use emergent_io::{IoError, atomic_write};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::RunError;
use crate::rank_files::{rank_file, remove_rank_files};
use crate::source::ScenarioSource;
use emergent_collective::{Collective, barrier};

/// What every checkpoint starts with; the engine's state follows. (postcard writes a struct
/// as its fields in order, so this is the same layout as the fields written one by one.)
#[derive(Serialize)]
struct CheckpointRef<'a, S> {
    format: u32,
    scenario_text: &'a str,
    scenario_file: &'a str,
    overrides: &'a [String],
    state: &'a S,
}

#[derive(Deserialize)]
struct Checkpoint<S> {
    format: u32,
    scenario_text: String,
    scenario_file: String,
    overrides: Vec<String>,
    state: S,
}

/// Write a checkpoint of format `format` to `path`, atomically: a crash mid-write leaves the
/// previous one.
pub(crate) fn save<S: Serialize>(
    path: &Path,
    format: u32,
    source: &ScenarioSource,
    state: &S,
) -> Result<(), RunError> {
    let c = CheckpointRef {
        format,
        scenario_text: &source.text,
        scenario_file: &source.file,
        overrides: &source.overrides,
        state,
    };
    atomic_write(path, |w| {
        postcard::to_io(&c, w)
            .map(|_| ())
            .map_err(|e| IoError::new(path, e.to_string()))
    })?;
    Ok(())
}

/// Read the checkpoint at `path` (of the run in `dir`), refusing a missing, damaged or
/// differently versioned one with a message that says which.
pub(crate) fn load<S: DeserializeOwned>(
    dir: &Path,
    path: &Path,
    format: u32,
) -> Result<(ScenarioSource, S), RunError> {
    let bytes = std::fs::read(path).map_err(|e| RunError::Resume {
        dir: dir.to_path_buf(),
        why: format!(
            "no checkpoint to resume from ({}: {e}); set [checkpoint] every = K in the scenario",
            path.display()
        ),
    })?;
    let c: Checkpoint<S> = postcard::from_bytes(&bytes).map_err(|e| RunError::Resume {
        dir: dir.to_path_buf(),
        why: format!(
            "{} is damaged or from another emergent version ({e})",
            path.display()
        ),
    })?;
    if c.format != format {
        return Err(RunError::Resume {
            dir: dir.to_path_buf(),
            why: format!("checkpoint format {} is not {format}", c.format),
        });
    }
    let source = ScenarioSource {
        text: c.scenario_text,
        file: c.scenario_file,
        overrides: c.overrides,
    };
    Ok((source, c.state))
}

/// The commit record of a partitioned run's per-rank checkpoints.
#[derive(Serialize, Deserialize)]
struct Pointer {
    format: u32,
    ranks: usize,
    segment: u32,
    tick: u32,
}

/// Save this rank's part of a partitioned run's checkpoint set (a collective call: every
/// rank makes it), then commit the set (rank 0) and drop this rank's older parts.
pub(crate) fn save_rank<S: Serialize>(
    dir: &Path,
    format: u32,
    source: &ScenarioSource,
    state: &S,
    segment: u32,
    tick: u32,
    exchange: &dyn Collective,
) -> Result<(), RunError> {
    let rank = exchange.rank();
    save(&dir.join(rank_file(segment, rank)), format, source, state)?;
    barrier(exchange);
    if rank == 0 {
        let p = Pointer {
            format,
            ranks: exchange.ranks(),
            segment,
            tick,
        };
        emergent_io::run_dir::write_json(&dir.join(RANK_CHECKPOINT_POINTER), &p)?;
    }
    barrier(exchange);
    remove_rank_files(dir, Some(rank), Some(segment))
}

/// This rank's part of the committed checkpoint set of a partitioned run on `ranks` ranks.
pub(crate) fn load_rank<S: DeserializeOwned>(
    dir: &Path,
    format: u32,
    rank: usize,
    ranks: usize,
) -> Result<(ScenarioSource, S), RunError> {
    let path = dir.join(RANK_CHECKPOINT_POINTER);
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
    if p.format != format {
        return Err(RunError::Resume {
            dir: dir.to_path_buf(),
            why: format!("checkpoint format {} is not {format}", p.format),
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
    let c = load(dir, &dir.join(rank_file(p.segment, rank)), format)?;
    // Files of a set that was being written when the job died were never committed.
    remove_rank_files(dir, Some(rank), Some(p.segment))?;
    Ok(c)
}

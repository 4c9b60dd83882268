//! The whole state every k ticks, so `--resume` continues as if nothing happened.

use std::path::Path;

use emergent_io::{IoError, atomic_write};
use emergent_sim::World;
use serde::{Deserialize, Serialize};

use crate::error::RunError;
use crate::manifest::RunStats;
use crate::run_dir::CHECKPOINT;

/// Bumped whenever the layout changes, so an old checkpoint is refused, not misread.
const FORMAT: u32 = 1;

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

#[allow(clippy::too_many_arguments)]
pub(crate) fn save(
    dir: &Path,
    scenario_text: &str,
    scenario_file: &str,
    overrides: &[String],
    next_segment: u32,
    stats: &RunStats,
    world: &World,
) -> Result<(), RunError> {
    let path = dir.join(CHECKPOINT);
    let c = CheckpointRef {
        format: FORMAT,
        scenario_text,
        scenario_file,
        overrides,
        next_segment,
        stats,
        world,
    };
    encode(&path, &c)
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

//! The follow graph a social run writes at its start and its end ([`FOLLOWS`],
//! [`FOLLOWS_FINAL`]), read back whole: one file, or a partitioned run's per-rank files in
//! rank order (each holds the edges of its rank's own followers, so the concatenation is the
//! single-process edge list).

use std::path::Path;

use crate::dataset::ShardIndex;
use crate::error::IoError;
use crate::parquet_table::read_edges_parquet;

use super::names::{FOLLOWS, FOLLOWS_FINAL, parquet_name};

/// Which follow graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowGraph {
    /// At tick 0.
    Start,
    /// After the last tick.
    End,
}

impl FollowGraph {
    /// The table's name (`follows` or `follows-final`).
    pub fn table(self) -> &'static str {
        match self {
            FollowGraph::Start => FOLLOWS,
            FollowGraph::End => FOLLOWS_FINAL,
        }
    }
}

/// The edges (follower, followee) of `which` in the run directory `dir`, sorted by
/// follower then followee; `None` when the run wrote none (an `[econ]` run, or a run from
/// before these files existed).
pub fn read_follows(dir: &Path, which: FollowGraph) -> Result<Option<Vec<(u32, u32)>>, IoError> {
    let table = which.table();
    let whole = dir.join(parquet_name(table));
    if whole.is_file() {
        return read_edges_parquet(&whole).map(Some);
    }
    let Some(index) = ShardIndex::read(dir)? else {
        return Ok(None);
    };
    let mut edges = Vec::new();
    for r in 0..index.ranks {
        let path = dir.join(ShardIndex::shard_name(table, r));
        if !path.is_file() {
            return Ok(None);
        }
        edges.extend(read_edges_parquet(&path)?);
    }
    Ok(Some(edges))
}

//! The follow graph of a social run, written when it starts and when it ends
//! (`follows.parquet`, `follows-final.parquet`; a partitioned run writes each rank's own
//! followers' edges to `follows-rRRRRR.parquet`). Columns `src` (follower) and `dst`
//! (followee), agent ids (UInt32), sorted and distinct: the schema of the Bluesky import's
//! `follows.parquet`, so a run's graph can seed another (`network.generator = "edgelist"`
//! reads it) and the report measures echo chambers on it.

use std::path::Path;

use emergent_io::run_dir::{self, FollowGraph};
use emergent_io::{ParquetColumn, ShardIndex, write_parquet_columns};
use emergent_sim::World;

use crate::error::RunError;

/// The file `which` is written to by this process: the whole table in one process, rank
/// `rank`'s part of it in a partitioned run.
pub(crate) fn follows_file(which: FollowGraph, split: Option<usize>) -> String {
    match split {
        None => run_dir::parquet_name(which.table()),
        Some(rank) => ShardIndex::shard_name(which.table(), rank),
    }
}

/// Every file the follow graphs take in a run directory, for the manifest's outputs.
pub(crate) fn follows_outputs(ranks: usize) -> Vec<String> {
    [FollowGraph::Start, FollowGraph::End]
        .into_iter()
        .flat_map(|w| match ranks {
            1 => vec![follows_file(w, None)],
            _ => (0..ranks).map(|r| follows_file(w, Some(r))).collect(),
        })
        .collect()
}

/// Write the follow edges of the agents `agents` (this process's own) as `which`.
pub(crate) fn write_follows(
    dir: &Path,
    which: FollowGraph,
    split: Option<usize>,
    world: &World,
    agents: std::ops::Range<usize>,
) -> Result<(), RunError> {
    let (mut src, mut dst) = (Vec::new(), Vec::new());
    let mut row = Vec::new();
    for a in agents {
        row.clear();
        row.extend_from_slice(world.network.followees(a as u32));
        row.sort_unstable();
        row.dedup();
        for &b in &row {
            src.push(a as u32);
            dst.push(b);
        }
    }
    write_parquet_columns(
        &dir.join(follows_file(which, split)),
        vec![
            ParquetColumn::U32("src".into(), src),
            ParquetColumn::U32("dst".into(), dst),
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use emergent_scenario::{FeedConfig, PopulationConfig};
    use emergent_sim::network::Network;
    use emergent_sim::population::Population;

    use super::*;

    /// Written and read back: the edges of a hand-built graph, sorted, in the import's schema
    /// (`read_edges_parquet` reads `src`, `dst`); two ranks' files concatenate to one file.
    #[test]
    fn follows_files_round_trip() {
        let edges = vec![(3, 0), (0, 2), (0, 1), (2, 1), (1, 3), (3, 2)];
        let cfg = PopulationConfig {
            agents: 4,
            ..PopulationConfig::default()
        };
        let world = World::new(
            1,
            FeedConfig::default(),
            Network::from_edges(4, edges.clone()),
            Population::generate(&cfg, 1),
            None,
        );
        let dir = tempfile::tempdir().unwrap();
        write_follows(dir.path(), FollowGraph::End, None, &world, 0..4).unwrap();
        let whole = dir.path().join("follows-final.parquet");
        let mut want = edges.clone();
        want.sort_unstable();
        assert_eq!(emergent_io::read_edges_parquet(&whole).unwrap(), want);
        let got = run_dir::read_follows(dir.path(), FollowGraph::End).unwrap();
        assert_eq!(got, Some(want.clone()));
        assert_eq!(
            run_dir::read_follows(dir.path(), FollowGraph::Start).unwrap(),
            None
        );
        // Per rank: agents 0..2 and 2..4.
        let split = tempfile::tempdir().unwrap();
        write_follows(split.path(), FollowGraph::Start, Some(0), &world, 0..2).unwrap();
        write_follows(split.path(), FollowGraph::Start, Some(1), &world, 2..4).unwrap();
        let index = emergent_io::ShardIndex {
            ranks: 2,
            rows: vec![[0, 2], [2, 4]],
            tables: Default::default(),
        };
        std::fs::write(
            split.path().join("shards.json"),
            serde_json::to_string(&index).unwrap(),
        )
        .unwrap();
        let got = run_dir::read_follows(split.path(), FollowGraph::Start).unwrap();
        assert_eq!(got, Some(want));
        assert_eq!(
            follows_outputs(2),
            [
                "follows-r00000.parquet",
                "follows-r00001.parquet",
                "follows-final-r00000.parquet",
                "follows-final-r00001.parquet"
            ]
        );
        for f in follows_outputs(2).iter().chain(&follows_outputs(1)) {
            assert!(run_dir::is_run_output(f), "{f}");
        }
    }
}

//! A run's tables as one dataset, whether one file or the shards of a partitioned run.
//!
//! A run on P > 1 ranks writes each per-agent table as P shards, `NAME-r00000.parquet`,
//! `NAME-r00001.parquet`, … (rank r's rows, rank order = agent order), and lists them in
//! `shards.json`. The zero-padded rank makes name order agent order, so pyarrow
//! (`pq.read_table` of the sorted file list, or `pyarrow.dataset`) and polars
//! (`pl.read_parquet("NAME-r*.parquet")`) read them as one table too.

use std::path::{Path, PathBuf};

use emergent_attribution::{AgentIds, FeatureTable};
use serde::{Deserialize, Serialize};

use crate::{IdColumn, IoError, read_table};

/// The index file of a partitioned run's shards.
pub const SHARD_INDEX: &str = "shards.json";

/// What `shards.json` says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardIndex {
    /// Number of ranks (and shards per table).
    pub ranks: usize,
    /// Agent ids `[start, end)` of each rank, in rank order.
    pub rows: Vec<[usize; 2]>,
    /// Table name (`features`, `attribution`, `ticks`) → its shard files, in rank order.
    pub tables: std::collections::BTreeMap<String, Vec<String>>,
}

impl ShardIndex {
    /// The shard file of `table` written by `rank`.
    pub fn shard_name(table: &str, rank: usize) -> String {
        format!("{table}-r{rank:05}.parquet")
    }

    /// Read `dir/shards.json`, if there is one.
    pub fn read(dir: &Path) -> Result<Option<ShardIndex>, IoError> {
        let path = dir.join(SHARD_INDEX);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(IoError::new(&path, e.to_string())),
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            IoError::new(
                &path,
                format!(
                    "line {}, column {}: {e}; the index of a partitioned run's shards is damaged",
                    e.line(),
                    e.column()
                ),
            )
        })
    }
}

/// The files holding table `name` (`features`, `attribution`, …) of run directory `dir`:
/// `NAME.parquet`, or its shards in agent order.
pub fn dataset_files(dir: &Path, name: &str) -> Result<Vec<PathBuf>, IoError> {
    let single = dir.join(format!("{name}.parquet"));
    if single.is_file() {
        return Ok(vec![single]);
    }
    match ShardIndex::read(dir)? {
        Some(index) => match index.tables.get(name) {
            Some(files) => Ok(files.iter().map(|f| dir.join(f)).collect()),
            None => Err(IoError::new(
                &dir.join(SHARD_INDEX),
                format!("lists no shards of `{name}`"),
            )),
        },
        None => Err(IoError::new(
            &single,
            "not found (nor a shards.json listing its shards); is this a complete run directory?"
                .to_string(),
        )),
    }
}

/// Table `name` of run directory `dir` as one table: the single file, or its shards
/// concatenated in agent order.
pub fn read_dataset(dir: &Path, name: &str, ids: &IdColumn) -> Result<FeatureTable, IoError> {
    let files = dataset_files(dir, name)?;
    if let [one] = files.as_slice() {
        return read_table(one, ids);
    }
    let mut names: Option<Vec<String>> = None;
    let mut int_ids: Vec<i64> = Vec::new();
    let mut text_ids: Vec<String> = Vec::new();
    let mut columns: Vec<Vec<f64>> = Vec::new();
    for f in &files {
        let part = read_shard(f, ids)?;
        let cols = part.column_names().to_vec();
        match &names {
            None => {
                columns = vec![Vec::new(); cols.len()];
                names = Some(cols);
            }
            Some(n) if *n != cols => {
                return Err(IoError::new(
                    f,
                    format!(
                        "its columns ({}) differ from the first shard's ({}); the shards are not of one run",
                        cols.join(", "),
                        n.join(", ")
                    ),
                ));
            }
            Some(_) => {}
        }
        match part.ids() {
            AgentIds::Int(v) => int_ids.extend_from_slice(v),
            AgentIds::Text(v) => text_ids.extend_from_slice(v),
        }
        for (k, c) in part.column_names().iter().enumerate() {
            columns[k].extend_from_slice(part.column(c).unwrap_or_default());
        }
    }
    let ids = if text_ids.is_empty() {
        AgentIds::Int(int_ids.into())
    } else {
        AgentIds::Text(text_ids)
    };
    let first = &files[0];
    FeatureTable::new(
        ids,
        names.unwrap_or_default().into_iter().zip(columns).collect(),
    )
    .map_err(|e| IoError::new(first, format!("{e} (in the shards read as one table)")))
}

/// One shard, which may hold no rows (a rank with no agents).
fn read_shard(path: &Path, ids: &IdColumn) -> Result<FeatureTable, IoError> {
    crate::parquet_table::read_allowing_empty(path, ids).map(|r| r.table)
}

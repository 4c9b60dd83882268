//! Every agent's features at the first recorded tick of a run, as a feature table: the
//! `initial` attribution baseline, which measures who moved the population from where the run
//! started to where it ended.
//!
//! Row groups of `ticks.parquet` (and of a partitioned run's `ticks-rRRRRR.parquet` shards)
//! are written in tick order, so their `tick` statistics say which to read: the first tick
//! costs its own rows, not the whole run's.

use std::path::Path;

use arrow_array::{Array, Float64Array, Int64Array, UInt32Array};
use emergent_attribution::{AgentIds, FeatureTable};
use parquet::file::statistics::Statistics;

use crate::error::IoError;
use crate::parquet_table::open_checked;
use crate::tick_column::tick_range;
use crate::{dataset_files, parquet_guard, table_error};

/// The features of every agent (of a file: of one rank's agents) at one recorded tick.
#[derive(Debug, Clone)]
pub struct TickTable {
    /// The tick the rows were recorded at; `None` for a file without rows (the shard of a
    /// rank that owns no agents).
    pub tick: Option<u32>,
    /// Rows in file order (agent order), ids from `agent_id`; every other column a feature.
    pub table: FeatureTable,
}

/// The features at the first tick recorded in `path`: one `ticks.parquet`, or one rank's
/// shard of it (which may hold no rows: then an empty table with the file's columns).
pub fn first_tick_features(path: &Path) -> Result<TickTable, IoError> {
    parquet_guard::without_panics(path, || read_tick(path, None))
}

/// The features at recorded tick `tick` of one `ticks.parquet` (an interview's agents as they
/// were then); `tick` is `None` in the result when the file holds no row at that tick.
pub fn tick_features(path: &Path, tick: u32) -> Result<TickTable, IoError> {
    let mut t = parquet_guard::without_panics(path, || read_tick(path, Some(tick)))?;
    if t.table.is_empty() {
        t.tick = None;
    }
    Ok(t)
}

/// Every distinct tick recorded in one `ticks.parquet`, ascending.
pub fn recorded_ticks(path: &Path) -> Result<Vec<u32>, IoError> {
    parquet_guard::without_panics(path, || {
        let builder = open_checked(path)?;
        let Some(at) = builder
            .schema()
            .fields()
            .iter()
            .position(|f| f.name() == "tick")
        else {
            return Err(IoError::new(path, "has no `tick` column"));
        };
        let mask = parquet::arrow::ProjectionMask::roots(builder.parquet_schema(), [at]);
        let reader = builder
            .with_projection(mask)
            .build()
            .map_err(|e| IoError::new(path, format!("not a readable Parquet file ({e})")))?;
        let mut ticks = std::collections::BTreeSet::new();
        for batch in reader {
            let batch =
                batch.map_err(|e| IoError::new(path, format!("corrupt Parquet data ({e})")))?;
            let t = downcast::<UInt32Array>(path, batch.column(0).as_ref(), "tick")?;
            ticks.extend(t.values().iter().copied());
        }
        Ok(ticks.into_iter().collect())
    })
}

/// The features at the first recorded tick of table `table` (`ticks`) of run directory `dir`:
/// the single file, or every rank's shard concatenated in agent order. A run that recorded no
/// tick is an error naming the file.
pub fn first_tick_dataset(dir: &Path, table: &str) -> Result<TickTable, IoError> {
    let files = dataset_files(dir, table)?;
    let mut parts = Vec::with_capacity(files.len());
    for f in &files {
        parts.push(first_tick_features(f)?);
    }
    let first = &files[0];
    let Some(tick) = parts.iter().filter_map(|p| p.tick).min() else {
        return Err(IoError::new(
            first,
            "holds no recorded tick (the run recorded none); the `initial` baseline needs the \
             features at the first recorded tick",
        ));
    };
    if let Some((f, p)) = files
        .iter()
        .zip(&parts)
        .find(|(_, p)| p.tick.unwrap_or(tick) != tick)
    {
        return Err(IoError::new(
            f,
            format!(
                "its first recorded tick is {}, another shard's is {tick}; the shards are not of one run",
                p.tick.unwrap_or(tick)
            ),
        ));
    }
    if let [one] = parts.as_slice() {
        return Ok(one.clone());
    }
    concatenate(&files, parts, tick)
}

/// Shards (in agent order) as one table.
fn concatenate(
    files: &[std::path::PathBuf],
    parts: Vec<TickTable>,
    tick: u32,
) -> Result<TickTable, IoError> {
    let names = parts[0].table.column_names().to_vec();
    let mut ids: Vec<i64> = Vec::new();
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for (f, p) in files.iter().zip(&parts) {
        if p.table.column_names() != names.as_slice() {
            return Err(IoError::new(
                f,
                format!(
                    "its columns ({}) differ from the first shard's ({}); the shards are not of one run",
                    p.table.column_names().join(", "),
                    names.join(", ")
                ),
            ));
        }
        if let AgentIds::Int(v) = p.table.ids() {
            ids.extend_from_slice(v);
        }
        for (k, c) in names.iter().enumerate() {
            columns[k].extend_from_slice(p.table.column(c).unwrap_or_default());
        }
    }
    let table = FeatureTable::new(
        AgentIds::Int(ids.into()),
        names.into_iter().zip(columns).collect(),
    )
    .map_err(|e| {
        IoError::new(
            &files[0],
            format!("{e} (the shards' rows at tick {tick} read as one table)"),
        )
    })?;
    Ok(TickTable {
        tick: Some(tick),
        table,
    })
}

/// Where the columns a tick table needs are in a file's schema.
struct Layout {
    tick: usize,
    agent_id: usize,
    /// (column index, name) of every feature: every column but `tick` and `agent_id`.
    features: Vec<(usize, String)>,
}

fn layout(path: &Path, schema: &arrow_schema::Schema) -> Result<Layout, IoError> {
    use arrow_schema::DataType;
    let find = |name: &str, ty: DataType| -> Result<usize, IoError> {
        let (k, f) = schema.column_with_name(name).ok_or_else(|| {
            IoError::new(
                path,
                format!(
                    "has no `{name}` column; the `initial` baseline reads a run's per-tick table \
                     (ticks.parquet, with tick, agent_id and one column per feature)"
                ),
            )
        })?;
        match f.data_type() == &ty {
            true => Ok(k),
            false => Err(IoError::new(
                path,
                format!("column `{name}` is {}, not {ty}", f.data_type()),
            )),
        }
    };
    let (tick, agent_id) = (
        find("tick", DataType::UInt32)?,
        find("agent_id", DataType::Int64)?,
    );
    let mut features = Vec::new();
    for (k, f) in schema.fields().iter().enumerate() {
        // A survey's answers are self-reports, NaN where not asked: not features.
        if k == tick || k == agent_id || f.name().starts_with(crate::run_dir::SURVEY_PREFIX) {
            continue;
        }
        if f.data_type() != &DataType::Float64 {
            return Err(IoError::new(
                path,
                format!(
                    "feature column `{}` is {}, not Float64",
                    f.name(),
                    f.data_type()
                ),
            ));
        }
        features.push((k, f.name().clone()));
    }
    Ok(Layout {
        tick,
        agent_id,
        features,
    })
}

/// The rows at tick `want`, or at the file's first tick when `want` is `None`.
fn read_tick(path: &Path, want: Option<u32>) -> Result<TickTable, IoError> {
    let builder = open_checked(path)?;
    let at = layout(path, builder.schema())?;
    let first = match want {
        Some(t) => Some(t),
        None => tick_range(path, "tick")?.flatten().map(|(lo, _)| lo),
    };
    let mut ids: Vec<i64> = Vec::new();
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); at.features.len()];
    if let Some(first) = first {
        let groups: Vec<usize> = builder
            .metadata()
            .row_groups()
            .iter()
            .enumerate()
            .filter(|(_, rg)| match rg.column(at.tick).statistics() {
                Some(Statistics::Int32(s)) => match (s.min_opt(), s.max_opt()) {
                    (Some(&lo), Some(&hi)) => (lo as u32..=hi as u32).contains(&first),
                    _ => true,
                },
                _ => true,
            })
            .map(|(k, _)| k)
            .collect();
        let reader = builder
            .with_row_groups(groups)
            .build()
            .map_err(|e| IoError::new(path, format!("not a readable Parquet file ({e})")))?;
        for batch in reader {
            let batch =
                batch.map_err(|e| IoError::new(path, format!("corrupt Parquet data ({e})")))?;
            let ticks = downcast::<UInt32Array>(path, batch.column(at.tick).as_ref(), "tick")?;
            let keep: Vec<usize> = (0..ticks.len())
                .filter(|&r| ticks.value(r) == first)
                .collect();
            let agent =
                downcast::<Int64Array>(path, batch.column(at.agent_id).as_ref(), "agent_id")?;
            ids.extend(keep.iter().map(|&r| agent.value(r)));
            for (out, (k, name)) in columns.iter_mut().zip(&at.features) {
                let v = downcast::<Float64Array>(path, batch.column(*k).as_ref(), name)?;
                out.extend(keep.iter().map(|&r| v.value(r)));
            }
        }
    }
    let names = at.features.into_iter().map(|(_, n)| n);
    let table = FeatureTable::shard(AgentIds::Int(ids.into()), names.zip(columns).collect())
        .map_err(|e| {
            table_error(path, e, |row| {
                format!("agent row {} of tick {}", row + 1, first.unwrap_or(0))
            })
        })?;
    Ok(TickTable { tick: first, table })
}

/// Column `name` as its array type, refusing missing values (the recorder writes none).
fn downcast<'a, T: Array + 'static>(
    path: &Path,
    a: &'a dyn Array,
    name: &str,
) -> Result<&'a T, IoError> {
    let typed = a
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| IoError::new(path, format!("column `{name}` has an unexpected type")))?;
    match a.null_count() {
        0 => Ok(typed),
        n => Err(IoError::new(
            path,
            format!("column `{name}` has {n} missing values; a run's ticks table has none"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ParquetColumn, ParquetStream, ShardIndex};

    /// Ticks `ticks` of agents `first..first + agents`: stance = tick + agent / 10.
    fn write_ticks(path: &Path, ticks: &[u32], first: i64, agents: usize) {
        let mut s = ParquetStream::create(path).expect("create");
        for &t in ticks {
            s.write(vec![
                ParquetColumn::U32("tick".into(), vec![t; agents]),
                ParquetColumn::I64("agent_id".into(), (first..first + agents as i64).collect()),
                ParquetColumn::F64(
                    "stance".into(),
                    (0..agents)
                        .map(|a| t as f64 + (first as f64 + a as f64) / 10.0)
                        .collect(),
                ),
                ParquetColumn::F64("posts".into(), vec![t as f64; agents]),
            ])
            .expect("write");
        }
        s.finish(|| {
            vec![
                ParquetColumn::U32("tick".into(), vec![]),
                ParquetColumn::I64("agent_id".into(), vec![]),
                ParquetColumn::F64("stance".into(), vec![]),
                ParquetColumn::F64("posts".into(), vec![]),
            ]
        })
        .expect("finish");
    }

    #[test]
    fn reads_every_feature_at_the_first_tick_only() {
        let dir = tempfile::tempdir().expect("dir");
        write_ticks(&dir.path().join("ticks.parquet"), &[0, 3, 6], 0, 4);
        let got = first_tick_dataset(dir.path(), "ticks").expect("reads");
        assert_eq!(got.tick, Some(0));
        assert_eq!(got.table.column_names(), ["stance", "posts"]);
        assert_eq!(got.table.column("stance").unwrap(), [0.0, 0.1, 0.2, 0.3]);
        assert_eq!(got.table.column("posts").unwrap(), [0.0; 4]);
        assert_eq!(got.table.ids(), &AgentIds::Int(vec![0, 1, 2, 3].into()));
    }

    #[test]
    fn shards_are_concatenated_in_agent_order_and_an_empty_shard_is_allowed() {
        let dir = tempfile::tempdir().expect("dir");
        write_ticks(&dir.path().join("ticks-r00000.parquet"), &[2, 5], 0, 3);
        write_ticks(&dir.path().join("ticks-r00001.parquet"), &[2, 5], 3, 2);
        write_ticks(&dir.path().join("ticks-r00002.parquet"), &[], 5, 0);
        let index = ShardIndex {
            ranks: 3,
            rows: vec![[0, 3], [3, 5], [5, 5]],
            tables: [(
                "ticks".to_string(),
                (0..3).map(|r| ShardIndex::shard_name("ticks", r)).collect(),
            )]
            .into(),
        };
        std::fs::write(
            dir.path().join(crate::SHARD_INDEX),
            serde_json::to_string(&index).unwrap(),
        )
        .unwrap();
        let empty = first_tick_features(&dir.path().join("ticks-r00002.parquet")).expect("reads");
        assert_eq!((empty.tick, empty.table.len()), (None, 0));
        assert_eq!(empty.table.column_names(), ["stance", "posts"]);
        let got = first_tick_dataset(dir.path(), "ticks").expect("reads");
        assert_eq!(got.tick, Some(2));
        assert_eq!(got.table.ids(), &AgentIds::Int(vec![0, 1, 2, 3, 4].into()));
        assert_eq!(
            got.table.column("stance").unwrap(),
            [2.0, 2.1, 2.2, 2.3, 2.4]
        );
    }

    #[test]
    fn a_table_without_ticks_or_rows_is_a_located_error() {
        let dir = tempfile::tempdir().expect("dir");
        let features = dir.path().join("features.parquet");
        crate::write_parquet_columns(
            &features,
            vec![
                ParquetColumn::I64("agent_id".into(), vec![0, 1]),
                ParquetColumn::F64("stance".into(), vec![0.5, -0.5]),
            ],
        )
        .unwrap();
        let err = first_tick_features(&features).unwrap_err().to_string();
        assert!(
            err.starts_with(&features.display().to_string()) && err.contains("no `tick` column"),
            "{err}"
        );
        write_ticks(&dir.path().join("ticks.parquet"), &[], 0, 0);
        let err = first_tick_dataset(dir.path(), "ticks")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ticks.parquet") && err.contains("no recorded tick"),
            "{err}"
        );
        let err = first_tick_dataset(&dir.path().join("nowhere"), "ticks")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ticks.parquet") && err.contains("not found"),
            "{err}"
        );
    }
}

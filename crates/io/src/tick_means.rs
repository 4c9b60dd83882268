//! The mean of a few columns at every recorded tick of a `ticks` table, in one streamed pass:
//! what a report draws as the population's aggregates over time without holding every
//! agent at every tick in memory.

use std::collections::BTreeMap;
use std::path::Path;

use parquet::arrow::ProjectionMask;

use crate::error::IoError;
use crate::parquet_table::{as_f64, open_checked, push_f64};
use crate::{dataset_files, parquet_guard};

/// Per recorded tick (ascending), the mean over its rows of each requested column.
#[derive(Debug, Clone, PartialEq)]
pub struct TickMeans {
    pub columns: Vec<String>,
    /// (tick, rows at that tick, one mean per column).
    pub ticks: Vec<(u32, u64, Vec<f64>)>,
}

/// The means of `columns` at every tick of table `table` (`ticks`) in `dir`: the single file
/// or every rank's shard. A requested column the table lacks (or holds as text) is left out
/// of [`TickMeans::columns`]; a table without a numeric `tick` column is an error naming it.
pub fn tick_means(dir: &Path, table: &str, columns: &[String]) -> Result<TickMeans, IoError> {
    let files = dataset_files(dir, table)?;
    let mut kept: Option<Vec<String>> = None;
    let mut sums: BTreeMap<u32, (u64, Vec<f64>)> = BTreeMap::new();
    for f in &files {
        // Shards share one schema: the first file decides which columns are read, and every
        // other must hold them all.
        let want = kept.as_deref().unwrap_or(columns);
        let names = parquet_guard::without_panics(f, || add_file(f, want, &mut sums))?;
        match &kept {
            None => kept = Some(names),
            Some(k) if *k != names => {
                return Err(IoError::new(
                    f,
                    "lacks a column the first shard of the table has",
                ));
            }
            Some(_) => {}
        }
    }
    let columns = kept.unwrap_or_default();
    let ticks = sums
        .into_iter()
        .map(|(t, (n, s))| (t, n, s.into_iter().map(|x| x / n.max(1) as f64).collect()))
        .collect();
    Ok(TickMeans { columns, ticks })
}

/// Add the per-tick row counts and column sums of one file; returns the columns it read.
fn add_file(
    path: &Path,
    columns: &[String],
    sums: &mut BTreeMap<u32, (u64, Vec<f64>)>,
) -> Result<Vec<String>, IoError> {
    let builder = open_checked(path)?;
    let schema = builder.schema().clone();
    let numeric = |name: &str| {
        schema
            .fields()
            .iter()
            .position(|f| f.name() == name && as_f64(f.data_type()).is_some())
    };
    let tick_at = numeric("tick").ok_or_else(|| IoError::new(path, "no numeric `tick` column"))?;
    let read: Vec<(String, usize)> = columns
        .iter()
        .filter_map(|c| numeric(c).map(|k| (c.clone(), k)))
        .collect();
    let mut leaves: Vec<usize> = std::iter::once(tick_at)
        .chain(read.iter().map(|r| r.1))
        .collect();
    leaves.sort_unstable();
    let mask = ProjectionMask::roots(builder.parquet_schema(), leaves.iter().copied());
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|e| IoError::new(path, e.to_string()))?;
    // Positions in the projected batch: the roots keep their file order.
    let at = |k: usize| leaves.iter().position(|&l| l == k).unwrap_or(0);
    let (mut ticks, mut values) = (Vec::new(), Vec::new());
    for batch in reader {
        let batch = batch.map_err(|e| IoError::new(path, format!("corrupt Parquet data ({e})")))?;
        ticks.clear();
        push_f64(batch.column(at(tick_at)), &mut ticks);
        for (c, (_, k)) in read.iter().enumerate() {
            values.clear();
            push_f64(batch.column(at(*k)), &mut values);
            for (t, v) in ticks.iter().zip(&values) {
                let entry = sums
                    .entry(*t as u32)
                    .or_insert_with(|| (0, vec![0.0; read.len()]));
                entry.1[c] += v;
            }
        }
        for t in &ticks {
            sums.entry(*t as u32)
                .or_insert_with(|| (0, vec![0.0; read.len()]))
                .0 += 1;
        }
    }
    Ok(read.into_iter().map(|r| r.0).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ParquetColumn, write_parquet_columns};

    #[test]
    fn means_per_tick_of_the_columns_the_table_has() {
        let dir = tempfile::tempdir().expect("tempdir");
        // Three agents over ticks 0, 1, 2; `posts` grows by agent index each tick.
        let (mut tick, mut agent, mut posts, mut name) = (vec![], vec![], vec![], vec![]);
        for t in 0..3u32 {
            for a in 0..3u32 {
                tick.push(t);
                agent.push(a as i64);
                posts.push((t * a) as f64);
                name.push(format!("a{a}"));
            }
        }
        write_parquet_columns(
            &dir.path().join("ticks.parquet"),
            vec![
                ParquetColumn::U32("tick".into(), tick),
                ParquetColumn::I64("agent_id".into(), agent),
                ParquetColumn::Str("handle".into(), name),
                ParquetColumn::F64("posts".into(), posts),
            ],
        )
        .expect("write");
        let want = ["posts", "handle", "absent"].map(String::from);
        let m = tick_means(dir.path(), "ticks", &want).expect("reads");
        assert_eq!(m.columns, ["posts"], "text and absent columns are left out");
        assert_eq!(
            m.ticks,
            vec![(0, 3, vec![0.0]), (1, 3, vec![1.0]), (2, 3, vec![2.0])]
        );
        write_parquet_columns(
            &dir.path().join("ticks.parquet"),
            vec![ParquetColumn::F64("posts".into(), vec![1.0])],
        )
        .expect("write");
        let e = tick_means(dir.path(), "ticks", &want).expect_err("no tick column");
        assert!(e.to_string().contains("`tick`"), "{e}");
    }
}

//! One feature at the first and the last recorded tick of a run, from `ticks.parquet` (or its
//! rank shards): what a report needs to draw how a distribution changed (opinions at the start
//! and at the end) without reading every tick of a large run.
//!
//! Row groups are written in tick order, so their `tick` statistics say which to read; a file
//! without statistics is read whole.

use std::path::Path;

use arrow_array::{Array, Float64Array, UInt32Array};
use parquet::arrow::ProjectionMask;
use parquet::file::statistics::Statistics;

use crate::error::IoError;
use crate::parquet_table::open_checked;
use crate::{dataset_files, parquet_guard};

/// A column's values at the first and at the last recorded tick, rows in agent order.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstAndLast {
    pub first_tick: u32,
    pub first: Vec<f64>,
    pub last_tick: u32,
    pub last: Vec<f64>,
}

/// `column` of table `table` (`ticks`) in run directory `dir` at its first and last tick;
/// `None` when the table has no such column or no rows.
pub fn first_and_last_tick(
    dir: &Path,
    table: &str,
    column: &str,
) -> Result<Option<FirstAndLast>, IoError> {
    let files = dataset_files(dir, table)?;
    let mut ranges = Vec::new();
    for f in &files {
        match parquet_guard::without_panics(f, || tick_range(f, column))? {
            Some(r) => ranges.push(r),
            None => return Ok(None),
        }
    }
    let (Some(first), Some(last)) = (
        ranges.iter().filter_map(|r| r.map(|r| r.0)).min(),
        ranges.iter().filter_map(|r| r.map(|r| r.1)).max(),
    ) else {
        return Ok(None);
    };
    let mut out = FirstAndLast {
        first_tick: first,
        first: Vec::new(),
        last_tick: last,
        last: Vec::new(),
    };
    for f in &files {
        parquet_guard::without_panics(f, || read_ticks(f, column, &mut out))?;
    }
    Ok(Some(out))
}

/// `Some(None)` for a file without rows, `None` when it lacks `tick` or `column`.
pub(crate) type TickRange = Option<Option<(u32, u32)>>;

/// The smallest and largest tick of `path` (from the row groups' statistics, else by reading
/// the tick column).
pub(crate) fn tick_range(path: &Path, column: &str) -> Result<TickRange, IoError> {
    let builder = open_checked(path)?;
    let names: Vec<&String> = builder.schema().fields().iter().map(|f| f.name()).collect();
    let (Some(tick_at), true) = (
        names.iter().position(|n| *n == "tick"),
        names.iter().any(|n| *n == column),
    ) else {
        return Ok(None);
    };
    let mut range: Option<(u32, u32)> = None;
    let mut widen = |lo: u32, hi: u32| {
        range = Some(range.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
    };
    let meta = builder.metadata().clone();
    let mut need_data = false;
    for rg in meta.row_groups() {
        if rg.num_rows() == 0 {
            continue;
        }
        match rg.column(tick_at).statistics() {
            Some(Statistics::Int32(s)) => match (s.min_opt(), s.max_opt()) {
                (Some(&lo), Some(&hi)) => widen(lo as u32, hi as u32),
                _ => need_data = true,
            },
            _ => need_data = true,
        }
    }
    if need_data {
        let mask = ProjectionMask::roots(builder.parquet_schema(), [tick_at]);
        let reader = builder
            .with_projection(mask)
            .build()
            .map_err(|e| IoError::new(path, format!("not a readable Parquet file ({e})")))?;
        for batch in reader {
            let batch =
                batch.map_err(|e| IoError::new(path, format!("corrupt Parquet data ({e})")))?;
            let ticks = tick_array(path, batch.column(0).as_ref())?;
            for &t in ticks.values() {
                widen(t, t);
            }
        }
    }
    Ok(Some(range))
}

fn tick_array<'a>(path: &Path, a: &'a dyn Array) -> Result<&'a UInt32Array, IoError> {
    a.as_any()
        .downcast_ref::<UInt32Array>()
        .ok_or_else(|| IoError::new(path, "column `tick` is not UInt32".to_string()))
}

/// Append `path`'s rows of `column` at `out.first_tick` and `out.last_tick`.
fn read_ticks(path: &Path, column: &str, out: &mut FirstAndLast) -> Result<(), IoError> {
    let builder = open_checked(path)?;
    let names: Vec<&String> = builder.schema().fields().iter().map(|f| f.name()).collect();
    let (Some(tick_at), Some(col_at)) = (
        names.iter().position(|n| *n == "tick"),
        names.iter().position(|n| *n == column),
    ) else {
        return Ok(());
    };
    let wanted = [out.first_tick, out.last_tick];
    let groups: Vec<usize> = builder
        .metadata()
        .row_groups()
        .iter()
        .enumerate()
        .filter(|(_, rg)| match rg.column(tick_at).statistics() {
            Some(Statistics::Int32(s)) => match (s.min_opt(), s.max_opt()) {
                (Some(&lo), Some(&hi)) => {
                    wanted.iter().any(|&t| (lo as u32..=hi as u32).contains(&t))
                }
                _ => true,
            },
            _ => true,
        })
        .map(|(k, _)| k)
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), [tick_at, col_at]);
    let reader = builder
        .with_row_groups(groups)
        .with_projection(mask)
        .build()
        .map_err(|e| IoError::new(path, format!("not a readable Parquet file ({e})")))?;
    // The projection keeps the file's column order.
    let (ti, ci) = if tick_at < col_at { (0, 1) } else { (1, 0) };
    for batch in reader {
        let batch = batch.map_err(|e| IoError::new(path, format!("corrupt Parquet data ({e})")))?;
        let ticks = tick_array(path, batch.column(ti).as_ref())?;
        let values = batch
            .column(ci)
            .as_any()
            .downcast_ref::<Float64Array>()
            .ok_or_else(|| IoError::new(path, format!("column `{column}` is not Float64")))?;
        for (t, v) in ticks.values().iter().zip(values.iter()) {
            let v = v.unwrap_or(f64::NAN);
            if *t == out.first_tick {
                out.first.push(v);
            }
            if *t == out.last_tick {
                out.last.push(v);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ParquetColumn, ParquetStream};

    fn write_ticks(path: &Path, ticks: &[u32], agents: usize) {
        let mut s = ParquetStream::create(path).expect("create");
        for &t in ticks {
            s.write(vec![
                ParquetColumn::U32("tick".into(), vec![t; agents]),
                ParquetColumn::I64("agent_id".into(), (0..agents as i64).collect()),
                ParquetColumn::F64(
                    "stance".into(),
                    (0..agents).map(|a| t as f64 + a as f64 / 10.0).collect(),
                ),
            ])
            .expect("write");
        }
        s.finish(Vec::new).expect("finish");
    }

    #[test]
    fn reads_only_the_first_and_last_tick() {
        let dir = tempfile::tempdir().expect("dir");
        write_ticks(&dir.path().join("ticks.parquet"), &[2, 4, 6, 8], 3);
        let got = first_and_last_tick(dir.path(), "ticks", "stance")
            .expect("reads")
            .expect("has the column");
        assert_eq!((got.first_tick, got.last_tick), (2, 8));
        assert_eq!(got.first, vec![2.0, 2.1, 2.2]);
        assert_eq!(got.last, vec![8.0, 8.1, 8.2]);
        assert_eq!(
            first_and_last_tick(dir.path(), "ticks", "wealth").expect("reads"),
            None
        );
    }

    #[test]
    fn one_recorded_tick_is_both_first_and_last() {
        let dir = tempfile::tempdir().expect("dir");
        write_ticks(&dir.path().join("ticks.parquet"), &[5], 2);
        let got = first_and_last_tick(dir.path(), "ticks", "stance")
            .expect("reads")
            .expect("has the column");
        assert_eq!(got.first, got.last);
        assert_eq!(got.first_tick, 5);
    }
}

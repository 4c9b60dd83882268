//! Feature tables on disk and crash-safe output files.
//!
//! Reading turns every problem into an [`IoError`] that names the file and, where there is
//! one, the row (1-based, as a person counts data rows) and column. Writing always goes to a
//! temporary file in the destination folder that is renamed into place, so a crash or an
//! error never leaves a half-written output, nor destroys an earlier one.

mod atomic;
mod authored;
mod batch_column;
mod csv_table;
mod dataset;
mod error;
mod output_guard;
mod parquet_guard;
mod parquet_stream;
mod parquet_table;
pub mod run_dir;
mod skipped;
mod tick_column;
mod tick_means;
mod tick_table;

use std::path::Path;

pub use atomic::{atomic_write, atomic_write_bytes};
pub use authored::{AuthoredItem, authored_items};
pub use dataset::{SHARD_INDEX, ShardIndex, dataset_files, read_dataset};
pub use error::IoError;
pub use output_guard::check_output_path;
pub use parquet_stream::{BackgroundParquet, ParquetStream, merge_parquet};
pub use parquet_table::{
    ParquetColumn, read_edges_parquet, read_tick_column, write_parquet_columns,
};
pub use skipped::SkippedColumn;
pub use tick_column::{FirstAndLast, first_and_last_tick};
pub use tick_means::{TickMeans, tick_means};
pub use tick_table::{
    TickTable, first_tick_dataset, first_tick_features, recorded_ticks, tick_features,
};

use emergent_attribution::{AgentIds, FeatureTable};

/// Where agent ids come from.
#[derive(Debug, Clone)]
pub enum IdColumn {
    /// Use this column; it must exist.
    Named(String),
    /// Use `agent_id` when present, else number the rows 0, 1, 2, …
    Default,
}

impl IdColumn {
    pub const DEFAULT_NAME: &'static str = "agent_id";
}

/// Read a `.csv` or `.parquet` feature table. Columns that cannot be features (text, or a
/// cell that is not a number, or a missing value) are left out; [`read_table_for`] says where
/// and why when one of them is needed.
pub fn read_table(path: &Path, ids: &IdColumn) -> Result<FeatureTable, IoError> {
    read_table_skipping(path, ids).map(|(table, _)| table)
}

/// [`read_table`] for an indicator that uses the columns `uses`: a used column the file lacks,
/// or holds but could not read as numbers, is an error naming the file, the row and the column.
pub fn read_table_for(
    path: &Path,
    ids: &IdColumn,
    uses: &[String],
) -> Result<FeatureTable, IoError> {
    let read = read_any(path, ids)?;
    skipped::check_uses(path, &read, uses)?;
    Ok(read.table)
}

/// [`read_table`], and the columns it left out with where and why.
pub fn read_table_skipping(
    path: &Path,
    ids: &IdColumn,
) -> Result<(FeatureTable, Vec<SkippedColumn>), IoError> {
    read_any(path, ids).map(|r| (r.table, r.skipped))
}

fn read_any(path: &Path, ids: &IdColumn) -> Result<skipped::TableRead, IoError> {
    match Format::of(path)? {
        Format::Csv => csv_table::read(path, ids),
        Format::Parquet => parquet_table::read(path, ids),
    }
}

/// Write agent ids plus named f64 columns as `.csv` or `.parquet`, atomically.
pub fn write_table(
    path: &Path,
    id_name: &str,
    ids: &AgentIds,
    columns: &[(String, &[f64])],
) -> Result<(), IoError> {
    match Format::of(path)? {
        Format::Csv => csv_table::write(path, id_name, ids, columns),
        Format::Parquet => {
            let mut cols = vec![ParquetColumn::from_ids(id_name, ids)];
            cols.extend(
                columns
                    .iter()
                    .map(|(n, v)| ParquetColumn::F64(n.clone(), v.to_vec())),
            );
            write_parquet_columns(path, cols)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Parquet,
}

impl Format {
    fn of(path: &Path) -> Result<Format, IoError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Ok(Format::Csv),
            Some("parquet") | Some("pq") => Ok(Format::Parquet),
            _ => Err(IoError::new(
                path,
                "unknown file type: use a .csv or .parquet file",
            )),
        }
    }
}

/// Turn a table-level error (0-based rows) into one that names the file and 1-based row.
pub(crate) fn table_error(
    path: &Path,
    e: emergent_attribution::TableError,
    line_of_row: impl Fn(usize) -> String,
) -> IoError {
    use emergent_attribution::TableError as T;
    let msg = match e {
        T::DuplicateId { id, first, second } => format!(
            "agent id `{id}` appears twice ({} and {}); agent ids must be unique",
            line_of_row(first),
            line_of_row(second)
        ),
        T::NonFinite { column, row, value } => {
            format!(
                "{}, column `{column}`: {value} is not a finite number (NaN and infinity are not allowed)",
                line_of_row(row)
            )
        }
        T::Empty => "the table has no data rows".to_string(),
        other => other.to_string(),
    };
    IoError::new(path, msg)
}

//! A named column of a record batch as its array type, with an error naming the file.

use std::path::Path;

use arrow_array::{Array, RecordBatch};

use crate::error::IoError;

/// Column `name` of `batch` (read from `path`) as `T`; `missing` says, when there is no such
/// column, what the file should have been (e.g. "is it a run's actions.parquet?").
pub(crate) fn typed_column<'a, T: Array + 'static>(
    path: &Path,
    batch: &'a RecordBatch,
    name: &str,
    missing: &str,
) -> Result<&'a T, IoError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| IoError::new(path, format!("has no `{name}` column; {missing}")))?
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| IoError::new(path, format!("column `{name}` has an unexpected type")))
}

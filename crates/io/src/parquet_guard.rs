//! Corrupt Parquet files must give an error, not a crash. The parquet crate checks most of a
//! file's footer but panics on a few values it trusts (e.g. a negative column-chunk offset),
//! so those are checked here first, and any panic left is turned into an error as well.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use parquet::file::metadata::ParquetMetaData;

use crate::error::IoError;

/// Refuse a footer whose column chunks have negative offsets or sizes (the reader asserts
/// they are not negative).
pub(crate) fn check_metadata(path: &Path, meta: &ParquetMetaData) -> Result<(), IoError> {
    for (g, group) in meta.row_groups().iter().enumerate() {
        for c in group.columns() {
            let start = c.dictionary_page_offset().unwrap_or(c.data_page_offset());
            if start < 0 || c.compressed_size() < 0 || c.data_page_offset() < 0 {
                return Err(IoError::new(
                    path,
                    format!(
                        "not a readable Parquet file (row group {g}, column `{}`: negative \
                         offset or size in the footer); the file is corrupt",
                        c.column_path()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Run a read of `path`, turning a panic inside the Parquet decoder into an error.
pub(crate) fn without_panics<T>(
    path: &Path,
    read: impl FnOnce() -> Result<T, IoError>,
) -> Result<T, IoError> {
    catch_unwind(AssertUnwindSafe(read)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the decoder failed".to_string());
        Err(IoError::new(
            path,
            format!("not a readable Parquet file ({why}); the file is corrupt"),
        ))
    })
}

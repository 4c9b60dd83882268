//! Columns a reader leaves out of a feature table, and the located error when one is used.
//!
//! A table file may carry columns that cannot be features (names, handles, dates, a column
//! with a gap). Both readers skip them the same way — CSV and Parquet alike — and remember
//! why, so that a column the indicator *uses* fails with the file, row and column of its
//! first bad cell instead of a bare "unknown column" further down.

use std::path::Path;

use emergent_attribution::FeatureTable;

use crate::error::IoError;

/// A column of the file that is not in the table, and where and why it is not a feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedColumn {
    pub name: String,
    /// Located, without a trailing period: "row 3 (line 4), column `name`: `bob` is not a
    /// number", or "column `name` has type Utf8, which is not numeric".
    pub problem: String,
}

/// A table as read, with the columns left out of it.
#[derive(Debug)]
pub(crate) struct TableRead {
    pub table: FeatureTable,
    pub skipped: Vec<SkippedColumn>,
}

/// The error for the first of `uses` that the table lacks: a skipped column's located
/// problem, or a column the file does not have at all (named with the columns it has).
pub(crate) fn check_uses(path: &Path, read: &TableRead, uses: &[String]) -> Result<(), IoError> {
    for name in uses {
        if read.table.column(name).is_some() {
            continue;
        }
        if let Some(s) = read.skipped.iter().find(|s| &s.name == name) {
            return Err(IoError::new(
                path,
                format!(
                    "{}; a column that is used must hold a number in every row (columns \
                     nothing uses may hold anything)",
                    s.problem
                ),
            ));
        }
        let numeric = read.table.column_names().join(", ");
        let left_out: Vec<&str> = read.skipped.iter().map(|s| s.name.as_str()).collect();
        let mut have = if numeric.is_empty() {
            "the file has no numeric feature columns".to_string()
        } else {
            format!("available columns: {numeric}")
        };
        if !left_out.is_empty() {
            have.push_str(&format!(
                " (left out, not numbers: {})",
                left_out.join(", ")
            ));
        }
        return Err(IoError::new(
            path,
            format!("unknown column `{name}`; {have}"),
        ));
    }
    Ok(())
}

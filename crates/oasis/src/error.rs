use std::path::PathBuf;

/// Everything that stops an OASIS import. Each names the database file (and the table or
/// column at fault); nothing has been written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum OasisError {
    /// The database file could not be found or opened.
    #[error("{path}: {detail}")]
    Open { path: PathBuf, detail: String },

    /// The file is not an SQLite database at all (a text file, say).
    #[error(
        "{path}: not an SQLite database ({detail}); give the .db file an OASIS simulation wrote \
         (its `db_path`)"
    )]
    NotSqlite { path: PathBuf, detail: String },

    /// A table OASIS always creates is missing: not an OASIS database, or not a whole one.
    #[error(
        "{path}: no table `{table}`; an OASIS database has the tables {expected}. This file is \
         not an OASIS simulation database (or not a complete one)"
    )]
    MissingTable {
        path: PathBuf,
        table: String,
        expected: String,
    },

    /// A table lacks a column OASIS's schema gives it: another program's table, or an OASIS
    /// version whose schema this importer does not read.
    #[error(
        "{path}: table `{table}` has no column `{column}` (it has: {present}){hint}. See \
         docs/oasis.md for the OASIS versions this importer reads"
    )]
    MissingColumn {
        path: PathBuf,
        table: String,
        column: String,
        present: String,
        hint: String,
    },

    /// A query on a table failed (a corrupt page, a value of an impossible type).
    #[error("{path}: reading table `{table}`: {detail}")]
    Read {
        path: PathBuf,
        table: String,
        detail: String,
    },

    /// `--out` names a non-empty folder and `--force` was not given.
    #[error(
        "{0}: the output folder exists and is not empty; pass --force to replace the import \
         there, or choose another --out"
    )]
    OutputExists(PathBuf),

    /// `--out` is a run directory: the import would replace the run's own features.
    #[error(
        "{0}: this is a run directory of `emergent run` (it has manifest.json); an import there \
         would replace the run's features.parquet. Choose another --out (--force does not \
         change this)"
    )]
    OutputIsRunDir(PathBuf),

    /// `--out` is not a folder, or is the folder holding the database.
    #[error("--out {out}: {reason}")]
    BadOutput { out: PathBuf, reason: String },

    /// A file of the output folder could not be removed or the folder created.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// Writing an output table failed.
    #[error(transparent)]
    Output(#[from] emergent_io::IoError),
}

impl OasisError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        OasisError::Io {
            path: path.into(),
            source,
        }
    }
}

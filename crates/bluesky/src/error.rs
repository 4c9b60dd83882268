use std::path::PathBuf;

/// Everything that can stop an import or a synthetic capture. Malformed *lines* are not
/// errors: they are counted in the report and skipped.
#[derive(Debug, thiserror::Error)]
pub enum BlueskyError {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// A compressed file stops in the middle of its stream (or is corrupt from there on).
    #[error(
        "{path}: the compressed data ends or breaks at byte {offset} of {file_len} ({detail}); \
         the file is truncated or corrupt. Nothing was written; pass --allow-partial to import the \
         events before that point"
    )]
    Truncated {
        path: PathBuf,
        offset: u64,
        file_len: u64,
        detail: String,
    },

    /// A file name whose ending says nothing about its format.
    #[error("{path}: unknown capture format; name it .jsonl, .jsonl.gz or .jsonl.zst")]
    UnknownFormat { path: PathBuf },

    /// A `--since` / `--until` value that is neither RFC 3339 nor microseconds.
    #[error(
        "`{text}` is not a time: use RFC 3339 (2024-11-01T00:00:00Z) or microseconds since 1970"
    )]
    BadTime { text: String },

    /// The import was asked to stop (Ctrl-C from Python) before the end of its input.
    #[error("the import stopped before the end of the capture (interrupted); nothing was written")]
    Stopped,

    /// A `--topic` value that is not `NAME=kw1,kw2`.
    #[error("topic `{text}`: {reason}")]
    BadTopic { text: String, reason: String },

    /// A capture file in which (nearly) no line is a Jetstream event: the wrong file, or not
    /// JSON lines at all. Importing it would give empty tables and exit as if all went well.
    #[error(
        "{at}: {reason}; {malformed} of the {lines} non-blank lines of this file are not \
         Jetstream events (one JSON object per line), so nothing was imported. Check that it \
         is a Jetstream capture"
    )]
    Unreadable {
        /// `FILE:LINE[:COLUMN]` of the first bad line.
        at: String,
        reason: String,
        malformed: u64,
        lines: u64,
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
         would replace the run's features.parquet and mix two data sets. Choose another --out \
         (--force does not change this)"
    )]
    OutputIsRunDir(PathBuf),

    /// An output would land on (or beside, in the folder of) one of the import's own inputs.
    #[error(
        "--out {out}: {input} is an input of this import and lives there; write the import to \
         another folder (--force does not change this)"
    )]
    OutputHoldsInput { out: PathBuf, input: PathBuf },

    /// Options that contradict each other or cannot be honoured.
    #[error("{0}")]
    Invalid(String),

    /// Writing an output table failed.
    #[error(transparent)]
    Output(#[from] emergent_io::IoError),
}

impl BlueskyError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        BlueskyError::Io {
            path: path.into(),
            source,
        }
    }
}

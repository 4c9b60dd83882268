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

    /// A `--topic` value that is not `NAME=kw1,kw2`.
    #[error("topic `{text}`: {reason}")]
    BadTopic { text: String, reason: String },

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

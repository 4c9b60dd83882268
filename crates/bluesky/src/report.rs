//! What an import produces: the report written to `import.json` and the tables in memory.
//! Both the importer ([`crate::import_capture`]) and the writer ([`crate::output`]) use them.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::features::{EventCounts, TopicFeatures, UserFeatures};

/// One input file, as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileReport {
    pub path: PathBuf,
    /// Size on disk.
    pub bytes: u64,
    pub lines: u64,
    /// Where the compressed stream broke (only with `allow_partial`).
    pub truncated_at: Option<u64>,
}

/// A malformed line: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MalformedLine {
    pub file: PathBuf,
    /// 1-based.
    pub line: u64,
    /// 1-based character where the JSON broke, when the line is not JSON at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    pub reason: String,
}

impl MalformedLine {
    /// `FILE:LINE[:COLUMN]`, as compilers locate a problem.
    pub fn location(&self) -> String {
        match self.column {
            Some(c) => format!("{}:{}:{c}", self.file.display(), self.line),
            None => format!("{}:{}", self.file.display(), self.line),
        }
    }
}

impl std::fmt::Display for MalformedLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location(), self.reason)
    }
}

/// A time span in microseconds, with its RFC 3339 spelling for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeSpan {
    pub first_us: i64,
    pub last_us: i64,
    pub first: String,
    pub last: String,
}

/// A topic and how many of its posts were seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicReport {
    pub name: String,
    pub keywords: Vec<String>,
    /// Users with at least one non-zero feature in the topic.
    pub users_engaged: u64,
    pub posts: u64,
    pub replies: u64,
    /// The table's file name inside the output folder.
    pub file: String,
}

/// Everything `import.json` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub files: Vec<FileReport>,
    /// Lines read, blank ones included.
    pub lines: u64,
    pub blank_lines: u64,
    /// Lines that are not a well-formed event: counted and skipped.
    pub malformed: u64,
    /// The first few of them.
    pub malformed_lines: Vec<MalformedLine>,
    /// Well-formed events outside `--since`/`--until`, skipped.
    pub outside_window: u64,
    pub counts: EventCounts,
    /// The requested window (microseconds), when given.
    pub since_us: Option<i64>,
    pub until_us: Option<i64>,
    /// First and last event time in the window; `None` when no event was in it.
    pub covered: Option<TimeSpan>,
    /// DIDs that appear anywhere (authors and targets).
    pub users_seen: u64,
    /// DIDs with at least one event in the window: the rows of `features.parquet`.
    pub users_active: u64,
    /// Live follow records (duplicates and self-follows included).
    pub follow_records: u64,
    /// Rows of `follows.parquet`: distinct `src != dst` pairs, both active.
    pub follow_edges: u64,
    /// Live follow records left out of `follows.parquet` because the followed DID has no
    /// event in the window (and so no row), or is the follower itself, or repeats an edge.
    pub follow_records_not_edges: u64,
    pub topics: Vec<TopicReport>,
}

/// An import in memory: rows in `features.parquet` order.
#[derive(Debug, Clone)]
pub struct Imported {
    pub report: ImportReport,
    /// DIDs of the active users, one per row.
    pub dids: Vec<String>,
    pub features: Vec<UserFeatures>,
    /// Follow edges as row indices (`src` follows `dst`), sorted, distinct, no self-loops.
    pub edges: Vec<(u32, u32)>,
    /// Per topic (in the order given), one [`TopicFeatures`] per row.
    pub topic_features: Vec<Vec<TopicFeatures>>,
}

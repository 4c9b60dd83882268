//! What an import reports (`import.json`, and what [`crate::import_oasis`] returns).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::clock::Clock;

/// Rows read from each OASIS table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub users: u64,
    /// `post` rows that are original posts, reposts, quotes.
    pub posts: u64,
    pub reposts: u64,
    pub quotes: u64,
    pub comments: u64,
    pub likes: u64,
    pub dislikes: u64,
    pub comment_likes: u64,
    pub comment_dislikes: u64,
    pub reports: u64,
    pub mutes: u64,
    pub follow_records: u64,
    /// Rows of `follows.parquet`: distinct pairs of users, no self-follows.
    pub follow_edges: u64,
    pub trace_rows: u64,
    pub refreshes: u64,
    /// `refresh` trace rows whose `info` is not `{"posts": [...]}`: no exposures counted.
    pub unreadable_refresh_info: u64,
    /// Rows naming a user, post or comment the database does not hold: the missing side is
    /// not counted (a row without a known actor is skipped).
    pub dangling: u64,
}

/// The timesteps `ticks.parquet` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickSpan {
    pub first: u32,
    pub last: u32,
    /// Distinct timesteps (one row group each).
    pub ticks: u64,
}

/// Everything `import.json` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub database: PathBuf,
    /// Optional OASIS tables the database lacks (their features are zero).
    pub absent_tables: Vec<String>,
    pub clock: Clock,
    pub counts: Counts,
    /// Rows of `features.parquet` (every user).
    pub agents: u64,
    pub ticks: Option<TickSpan>,
    /// Why `ticks.parquet` was not written, when it was not.
    pub no_ticks_because: Option<String>,
    /// The files written, `import.json` last.
    pub files: Vec<String>,
}

//! What an import counts per agent: emergent's own feature names first (the columns an
//! `emergent run` records, so the same indicators apply), then what only OASIS records.
//!
//! | feature | from OASIS |
//! |---|---|
//! | `followers` / `following` | `follow` rows (distinct pairs, no self-follows) into / out of the user |
//! | `posts` | `post` rows with `original_post_id IS NULL` |
//! | `replies` / `replies_received` | `comment` rows by the user / on the user's posts |
//! | `reposts` / `reposts_received` | `post` rows with `original_post_id` set and `quote_content IS NULL`, by the user / of the user's posts |
//! | `quotes` / `quotes_received` | the same with `quote_content` set |
//! | `likes_given` / `likes_received` | `like` and `comment_like` rows by the user / on the user's posts and comments |
//! | `exposures` | posts shown to the user: the length of `info.posts` of its `refresh` trace rows |
//! | `dislikes_given` / `dislikes_received` | `dislike` and `comment_dislike` rows |
//! | `reports_given` / `reports_received` | `report` rows (OASIS ≥ v0.2.2) |
//! | `mutes_given` / `mutes_received` | `mute` rows |
//! | `actions` | the user's `trace` rows other than `sign_up` |

/// emergent's feature names, in the order `emergent run` records them (those OASIS has).
pub const FEATURE_COLUMNS: [&str; 12] = [
    "followers",
    "following",
    "posts",
    "replies",
    "reposts",
    "quotes",
    "likes_given",
    "likes_received",
    "replies_received",
    "reposts_received",
    "quotes_received",
    "exposures",
];

/// What OASIS records beyond emergent's features, after [`FEATURE_COLUMNS`].
pub const OASIS_COLUMNS: [&str; 7] = [
    "dislikes_given",
    "dislikes_received",
    "reports_given",
    "reports_received",
    "mutes_given",
    "mutes_received",
    "actions",
];

/// Number of feature columns.
pub const COLUMNS: usize = FEATURE_COLUMNS.len() + OASIS_COLUMNS.len();

/// Every feature column of `features.parquet`, in order.
pub fn all_columns() -> Vec<&'static str> {
    FEATURE_COLUMNS
        .iter()
        .chain(&OASIS_COLUMNS)
        .copied()
        .collect()
}

/// The index of feature `name` in [`all_columns`] (a compile-time lookup for the table below).
const fn col(name: &str) -> usize {
    let mut k = 0;
    while k < COLUMNS {
        let c = if k < FEATURE_COLUMNS.len() {
            FEATURE_COLUMNS[k]
        } else {
            OASIS_COLUMNS[k - FEATURE_COLUMNS.len()]
        };
        if eq(c, name) {
            return k;
        }
        k += 1;
    }
    panic!("no such feature column")
}

const fn eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// One kind of record, by what it adds to its actor's and its target's features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Act {
    Follow,
    Post,
    Repost,
    Quote,
    Comment,
    Like,
    Dislike,
    Report,
    Mute,
    /// A `refresh` showed the user this many posts.
    Exposures(u32),
    /// Any trace row but `sign_up`.
    Action,
}

impl Act {
    /// (the actor's column, the target's column, how much each grows).
    fn columns(self) -> (usize, Option<usize>, u64) {
        match self {
            Act::Follow => (col("following"), Some(col("followers")), 1),
            Act::Post => (col("posts"), None, 1),
            Act::Repost => (col("reposts"), Some(col("reposts_received")), 1),
            Act::Quote => (col("quotes"), Some(col("quotes_received")), 1),
            Act::Comment => (col("replies"), Some(col("replies_received")), 1),
            Act::Like => (col("likes_given"), Some(col("likes_received")), 1),
            Act::Dislike => (col("dislikes_given"), Some(col("dislikes_received")), 1),
            Act::Report => (col("reports_given"), Some(col("reports_received")), 1),
            Act::Mute => (col("mutes_given"), Some(col("mutes_received")), 1),
            Act::Exposures(n) => (col("exposures"), None, n.into()),
            Act::Action => (col("actions"), None, 1),
        }
    }
}

/// One record: who did what to whom, and at which timestep (None: no timestep, such as the
/// initial follows and posts OASIS's agent generator inserts; they count from the start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Event {
    pub step: Option<i64>,
    pub act: Act,
    /// Row of the actor.
    pub actor: u32,
    /// Row of the user the act is aimed at (an author, a followee), if known.
    pub target: Option<u32>,
}

/// Every agent's counts, `values[row][column]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tally {
    pub values: Vec<[u64; COLUMNS]>,
}

impl Tally {
    pub(crate) fn new(users: usize) -> Self {
        Tally {
            values: vec![[0; COLUMNS]; users],
        }
    }

    pub(crate) fn apply(&mut self, e: &Event) {
        let (given, received, n) = e.act.columns();
        self.values[e.actor as usize][given] += n;
        if let (Some(k), Some(t)) = (received, e.target) {
            self.values[t as usize][k] += n;
        }
    }

    /// Column `k` as Float64 values (the run directory's feature type).
    pub(crate) fn column(&self, k: usize) -> Vec<f64> {
        self.values.iter().map(|v| v[k] as f64).collect()
    }
}

//! Cumulative per-agent activity counts, the raw material of most features.

use serde::{Deserialize, Serialize};

/// Per-agent counters since tick 0, one flat array each.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Original posts written.
    pub posts: Vec<u32>,
    /// Replies written.
    pub replies: Vec<u32>,
    /// Reposts made.
    pub reposts: Vec<u32>,
    /// Quotes made.
    pub quotes: Vec<u32>,
    /// Likes given.
    pub likes_given: Vec<u32>,
    /// Likes received on own items.
    pub likes_received: Vec<u32>,
    /// Replies received on own items.
    pub replies_received: Vec<u32>,
    /// Reposts received on own items.
    pub reposts_received: Vec<u32>,
    /// Quotes received on own items.
    pub quotes_received: Vec<u32>,
    /// Feed items seen.
    pub exposures: Vec<u32>,
}

impl Counters {
    /// All zero for `n` agents.
    pub fn new(n: usize) -> Self {
        let z = || vec![0u32; n];
        Self {
            posts: z(),
            replies: z(),
            reposts: z(),
            quotes: z(),
            likes_given: z(),
            likes_received: z(),
            replies_received: z(),
            reposts_received: z(),
            quotes_received: z(),
            exposures: z(),
        }
    }

    /// `(name, column)` pairs in a stable order.
    pub fn columns(&self) -> [(&'static str, &[u32]); 10] {
        [
            ("posts", &self.posts),
            ("replies", &self.replies),
            ("reposts", &self.reposts),
            ("quotes", &self.quotes),
            ("likes_given", &self.likes_given),
            ("likes_received", &self.likes_received),
            ("replies_received", &self.replies_received),
            ("reposts_received", &self.reposts_received),
            ("quotes_received", &self.quotes_received),
            ("exposures", &self.exposures),
        ]
    }
}

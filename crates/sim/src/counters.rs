//! Cumulative per-agent activity counts, the raw material of most features.

use serde::{Deserialize, Serialize};

use crate::owned::Owned;

/// Per-agent counters since tick 0, one flat array each.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Original posts written.
    pub posts: Owned<u32>,
    /// Replies written.
    pub replies: Owned<u32>,
    /// Reposts made.
    pub reposts: Owned<u32>,
    /// Quotes made.
    pub quotes: Owned<u32>,
    /// Likes given.
    pub likes_given: Owned<u32>,
    /// Likes received on own items.
    pub likes_received: Owned<u32>,
    /// Replies received on own items.
    pub replies_received: Owned<u32>,
    /// Reposts received on own items.
    pub reposts_received: Owned<u32>,
    /// Quotes received on own items.
    pub quotes_received: Owned<u32>,
    /// Feed items seen.
    pub exposures: Owned<u32>,
}

impl Counters {
    /// All zero for `n` agents.
    pub fn new(n: usize) -> Self {
        Self::for_agents(0..n)
    }

    /// All zero for agents `agents` (a rank's own).
    pub fn for_agents(agents: std::ops::Range<usize>) -> Self {
        let z = || Owned::starting_at(agents.start, vec![0u32; agents.len()]);
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

    /// `(name, column)` pairs in a stable order (each column: the entries held here).
    pub fn columns(&self) -> [(&'static str, &Owned<u32>); 10] {
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

    /// Whether agent `a`'s counters are held here (always in one process).
    #[inline]
    pub fn holds(&self, a: usize) -> bool {
        self.posts.held().contains(&a)
    }

    /// Keep only the entries of `agents` (a rank's own).
    pub fn restrict(&mut self, agents: std::ops::Range<usize>) {
        for c in [
            &mut self.posts,
            &mut self.replies,
            &mut self.reposts,
            &mut self.quotes,
            &mut self.likes_given,
            &mut self.likes_received,
            &mut self.replies_received,
            &mut self.reposts_received,
            &mut self.quotes_received,
            &mut self.exposures,
        ] {
            c.restrict(agents.clone());
        }
    }
}

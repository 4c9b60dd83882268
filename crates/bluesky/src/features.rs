//! What an import produces per user, and the counts both the importer and the generator
//! report — one definition, so a round trip can compare them with `==`.

use serde::{Deserialize, Serialize};

/// One user's features over the window. Counts are net: a delete that matches a create in the
/// capture undoes it. `posts` are top-level posts; replies are counted apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserFeatures {
    /// Follow records pointing at the user.
    pub followers: u32,
    /// Follow records the user created.
    pub following: u32,
    pub posts: u32,
    pub replies: u32,
    pub reposts: u32,
    pub likes: u32,
    /// Replies by anyone (the user included) whose parent post is the user's.
    pub replies_received: u32,
    pub reposts_received: u32,
    pub likes_received: u32,
    /// Time of the user's first and last event in the window (microseconds since 1970).
    pub first_activity_us: i64,
    pub last_activity_us: i64,
}

/// Column names of `features.parquet` after `agent_id`, in order.
pub const FEATURE_COLUMNS: [&str; 11] = [
    "followers",
    "following",
    "posts",
    "replies",
    "reposts",
    "likes",
    "replies_received",
    "reposts_received",
    "likes_received",
    "first_activity_us",
    "last_activity_us",
];

impl UserFeatures {
    pub(crate) fn inactive() -> Self {
        UserFeatures {
            first_activity_us: i64::MAX,
            last_activity_us: i64::MIN,
            ..Default::default()
        }
    }

    pub fn is_active(&self) -> bool {
        self.first_activity_us <= self.last_activity_us
    }

    pub(crate) fn touch(&mut self, time_us: i64) {
        self.first_activity_us = self.first_activity_us.min(time_us);
        self.last_activity_us = self.last_activity_us.max(time_us);
    }

    /// The values in [`FEATURE_COLUMNS`] order.
    pub fn values(&self) -> [i64; 11] {
        [
            self.followers.into(),
            self.following.into(),
            self.posts.into(),
            self.replies.into(),
            self.reposts.into(),
            self.likes.into(),
            self.replies_received.into(),
            self.reposts_received.into(),
            self.likes_received.into(),
            self.first_activity_us,
            self.last_activity_us,
        ]
    }
}

/// A user's features within one topic: only the topic's posts (and replies), and the
/// engagement they drew — given (`reposts`, `likes` of topic posts) and received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicFeatures {
    pub posts: u32,
    pub replies: u32,
    pub reposts: u32,
    pub likes: u32,
    pub replies_received: u32,
    pub reposts_received: u32,
    pub likes_received: u32,
}

/// Column names of `topic_NAME.parquet` after `agent_id`, in order.
pub const TOPIC_COLUMNS: [&str; 7] = [
    "posts",
    "replies",
    "reposts",
    "likes",
    "replies_received",
    "reposts_received",
    "likes_received",
];

impl TopicFeatures {
    pub fn values(&self) -> [i64; 7] {
        [
            self.posts.into(),
            self.replies.into(),
            self.reposts.into(),
            self.likes.into(),
            self.replies_received.into(),
            self.reposts_received.into(),
            self.likes_received.into(),
        ]
    }
}

/// Commits to one tracked collection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionCounts {
    /// Creates applied (duplicates excluded).
    pub creates: u64,
    /// A create whose (did, rkey) is already live: a replayed event, ignored.
    pub duplicate_creates: u64,
    pub updates: u64,
    /// Deletes that undid a create seen in the capture.
    pub deletes_matched: u64,
    /// Deletes of records created before the capture (or outside the window): counted only.
    pub deletes_unmatched: u64,
}

/// Every kind of event, in the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCounts {
    /// Well-formed events in the window (the sum of the kinds below).
    pub events: u64,
    pub identity: u64,
    pub account: u64,
    /// Events of a `kind` this importer does not know.
    pub unknown_kind: u64,
    /// Commits to collections other than posts, reposts, likes and follows.
    pub other_collections: u64,
    pub posts: CollectionCounts,
    /// Post creates that are replies (part of `posts.creates`).
    pub replies: u64,
    pub reposts: CollectionCounts,
    pub likes: CollectionCounts,
    pub follows: CollectionCounts,
}

impl EventCounts {
    /// Commits of every collection.
    pub fn commits(&self) -> u64 {
        let c = |k: &CollectionCounts| {
            k.creates + k.duplicate_creates + k.updates + k.deletes_matched + k.deletes_unmatched
        };
        self.other_collections
            + c(&self.posts)
            + c(&self.reposts)
            + c(&self.likes)
            + c(&self.follows)
    }
}

//! The generator's own tally of what it wrote: the answers an import must reproduce.

use std::collections::HashMap;

use super::model::{Coll, Draft, NO_USER, What};
use crate::features::{CollectionCounts, EventCounts, UserFeatures};

/// A created record that may be deleted later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Pending {
    pub time_us: i64,
    pub seq: u64,
    pub actor: u32,
    pub coll: Coll,
    pub rkey: u64,
    pub target: u32,
}

/// Per-user features and event counts, kept exactly as the importer defines them.
pub struct SynthTruth {
    /// Indexed by user number (not by import row).
    pub features: Vec<UserFeatures>,
    /// DIDs, indexed by user number.
    pub dids: Vec<String>,
    pub(crate) counts: EventCounts,
    /// Live follow records per (follower, followed).
    pub(crate) follows: HashMap<(u32, u32), u32>,
}

impl SynthTruth {
    pub(crate) fn new(users: usize) -> Self {
        SynthTruth {
            features: vec![UserFeatures::inactive(); users],
            dids: Vec::new(),
            counts: EventCounts::default(),
            follows: HashMap::new(),
        }
    }

    fn coll(&mut self, c: Coll) -> &mut CollectionCounts {
        match c {
            Coll::Post => &mut self.counts.posts,
            Coll::Repost => &mut self.counts.reposts,
            Coll::Like => &mut self.counts.likes,
            Coll::Follow => &mut self.counts.follows,
        }
    }

    /// Tally one event as it is written. `pending` is the record to remember for a matched
    /// delete (`Delete` drafts carry it).
    pub(crate) fn record(&mut self, d: &Draft, deleted: Option<&Pending>) {
        let (a, t) = (d.actor as usize, d.target as usize);
        self.counts.events += 1;
        self.features[a].touch(d.time_us);
        match d.what {
            What::Identity => self.counts.identity += 1,
            What::Account => self.counts.account += 1,
            What::Other(_) => self.counts.other_collections += 1,
            What::Like => {
                self.counts.likes.creates += 1;
                self.features[a].likes += 1;
                self.features[t].likes_received += 1;
            }
            What::Repost => {
                self.counts.reposts.creates += 1;
                self.features[a].reposts += 1;
                self.features[t].reposts_received += 1;
            }
            What::Follow => {
                self.counts.follows.creates += 1;
                self.features[a].following += 1;
                self.features[t].followers += 1;
                *self.follows.entry((d.actor, d.target)).or_default() += 1;
            }
            What::Post => {
                self.counts.posts.creates += 1;
                self.features[a].posts += 1;
            }
            What::Reply => {
                self.counts.posts.creates += 1;
                self.counts.replies += 1;
                self.features[a].replies += 1;
                self.features[t].replies_received += 1;
            }
            What::DeleteBefore(c) => self.coll(c).deletes_unmatched += 1,
            What::Delete(c) => {
                self.coll(c).deletes_matched += 1;
                let Some(p) = deleted else { return };
                let (a, t) = (p.actor as usize, p.target as usize);
                let f = &mut self.features;
                match c {
                    Coll::Like => {
                        f[a].likes -= 1;
                        f[t].likes_received -= 1;
                    }
                    Coll::Repost => {
                        f[a].reposts -= 1;
                        f[t].reposts_received -= 1;
                    }
                    Coll::Follow => {
                        f[a].following -= 1;
                        f[t].followers -= 1;
                        if let Some(n) = self.follows.get_mut(&(p.actor, p.target)) {
                            *n -= 1;
                            if *n == 0 {
                                self.follows.remove(&(p.actor, p.target));
                            }
                        }
                    }
                    Coll::Post if p.target == NO_USER => f[a].posts -= 1,
                    Coll::Post => {
                        f[a].replies -= 1;
                        f[t].replies_received -= 1;
                    }
                }
            }
        }
    }

    pub fn counts(&self) -> EventCounts {
        self.counts
    }

    /// Live follow records.
    pub fn follow_records(&self) -> u64 {
        self.follows.values().map(|&n| u64::from(n)).sum()
    }

    /// Distinct follow edges between two active users, self-follows excluded — the rows an
    /// import's `follows.parquet` must have.
    pub fn follow_edges(&self) -> u64 {
        self.follows
            .keys()
            .filter(|&&(s, d)| {
                s != d
                    && self.features[s as usize].is_active()
                    && self.features[d as usize].is_active()
            })
            .count() as u64
    }

    pub fn users_active(&self) -> u64 {
        self.features.iter().filter(|f| f.is_active()).count() as u64
    }
}

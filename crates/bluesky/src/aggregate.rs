//! The import's state: users, their features, and the live records a later delete may undo.
//! Applied one event at a time in capture order, on one thread.
//!
//! Memory: per user ~100 bytes (DID, features, hash slot); per live follow/like/repost/post
//! record 16 bytes plus hash-table slack (key = author index + 64-bit record key, value = the
//! target's index). Nothing is kept per event beyond that, so memory grows with users and
//! records (edges), not with the length of the capture.

use hashbrown::HashMap;

use crate::compact::{Compact, Kind, ParsedChunk};
use crate::event::{Collection, Op};
use crate::features::{CollectionCounts, EventCounts, TopicFeatures, UserFeatures};
use crate::intern::DidTable;

/// A record of one author: author index and record key, packed to 12 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct RecordKey {
    did: u32,
    rkey_lo: u32,
    rkey_hi: u32,
}

impl RecordKey {
    fn new(did: u32, rkey: u64) -> Self {
        RecordKey {
            did,
            rkey_lo: rkey as u32,
            rkey_hi: (rkey >> 32) as u32,
        }
    }
}

type Records<V> = HashMap<RecordKey, V, foldhash::fast::FixedState>;

/// The value stored for a top-level post (replies store the parent's author).
const NO_PARENT: u32 = u32::MAX;

/// A post that belongs to a topic, or a reply to one.
#[derive(Debug, Clone, Copy)]
struct TopicPost {
    /// Topics of the post's own text.
    own: u32,
    /// Topics of the parent post (for replies), credited to the parent's author as received.
    parent: u32,
    /// The parent's author, or [`NO_PARENT`].
    parent_author: u32,
}

pub(crate) struct Aggregate {
    pub dids: DidTable,
    pub users: Vec<UserFeatures>,
    /// `users.len() * n_topics`, user-major.
    pub topic_users: Vec<TopicFeatures>,
    pub n_topics: usize,
    pub counts: EventCounts,
    pub outside_window: u64,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Earliest and latest event time applied.
    pub window_seen: Option<(i64, i64)>,
    follows: Records<u32>,
    likes: Records<u32>,
    reposts: Records<u32>,
    posts: Records<u32>,
    topic_posts: Records<TopicPost>,
    topic_likes: Records<u32>,
    topic_reposts: Records<u32>,
}

fn records<V>() -> Records<V> {
    Records::with_hasher(foldhash::fast::FixedState::with_seed(0x07ec_04d5))
}

impl Aggregate {
    pub fn new(n_topics: usize, since: Option<i64>, until: Option<i64>) -> Self {
        Aggregate {
            dids: DidTable::new(),
            users: Vec::new(),
            topic_users: Vec::new(),
            n_topics,
            counts: EventCounts::default(),
            outside_window: 0,
            since,
            until,
            window_seen: None,
            follows: records(),
            likes: records(),
            reposts: records(),
            posts: records(),
            topic_posts: records(),
            topic_likes: records(),
            topic_reposts: records(),
        }
    }

    /// Live follow records as (follower index, followed index).
    pub fn follow_edges(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.follows.iter().map(|(k, &t)| (k.did, t))
    }

    fn intern(&mut self, chunk: &ParsedChunk, r: crate::compact::DidRef) -> u32 {
        let (i, new) = self.dids.intern(chunk.did(r), r.hash);
        if new {
            self.users.push(UserFeatures::inactive());
            self.topic_users
                .resize(self.users.len() * self.n_topics, TopicFeatures::default());
        }
        i
    }

    fn in_window(&self, t: i64) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u)
    }

    pub fn apply_chunk(&mut self, chunk: &ParsedChunk) {
        for ev in &chunk.events {
            self.apply(chunk, ev);
        }
    }

    fn apply(&mut self, chunk: &ParsedChunk, ev: &Compact) {
        if !self.in_window(ev.time_us) {
            self.outside_window += 1;
            return;
        }
        self.window_seen = Some(match self.window_seen {
            None => (ev.time_us, ev.time_us),
            Some((a, b)) => (a.min(ev.time_us), b.max(ev.time_us)),
        });
        self.counts.events += 1;
        let actor = self.intern(chunk, ev.actor);
        self.users[actor as usize].touch(ev.time_us);
        match ev.kind {
            Kind::Identity => self.counts.identity += 1,
            Kind::Account => self.counts.account += 1,
            Kind::Unknown => self.counts.unknown_kind += 1,
            Kind::OtherCollection => self.counts.other_collections += 1,
            Kind::Tracked(coll, Op::Update) => {
                collection_counts(&mut self.counts, coll).updates += 1
            }
            Kind::Tracked(coll, Op::Delete) => self.delete(coll, actor, ev.rkey),
            Kind::Tracked(coll, Op::Create) => {
                let target = ev.target.map(|t| self.intern(chunk, t));
                self.create(coll, actor, ev, target);
            }
        }
    }

    fn create(&mut self, coll: Collection, actor: u32, ev: &Compact, target: Option<u32>) {
        let key = RecordKey::new(actor, ev.rkey);
        let map = match coll {
            Collection::Follow => &mut self.follows,
            Collection::Like => &mut self.likes,
            Collection::Repost => &mut self.reposts,
            Collection::Post => &mut self.posts,
            Collection::Other => return,
        };
        // Parsing guarantees a target for follows, likes and reposts; a post without one is
        // top-level.
        let stored = match (coll, target) {
            (Collection::Post, None) => NO_PARENT,
            (_, Some(t)) => t,
            (_, None) => return,
        };
        let counts = collection_counts(&mut self.counts, coll);
        if map.try_insert(key, stored).is_err() {
            counts.duplicate_creates += 1;
            return;
        }
        counts.creates += 1;
        let (a, t) = (actor as usize, stored as usize);
        match coll {
            Collection::Follow => {
                self.users[a].following += 1;
                self.users[t].followers += 1;
            }
            Collection::Like => {
                self.users[a].likes += 1;
                self.users[t].likes_received += 1;
            }
            Collection::Repost => {
                self.users[a].reposts += 1;
                self.users[t].reposts_received += 1;
            }
            Collection::Post if stored == NO_PARENT => self.users[a].posts += 1,
            Collection::Post => {
                self.counts.replies += 1;
                self.users[a].replies += 1;
                self.users[t].replies_received += 1;
            }
            Collection::Other => {}
        }
        if self.n_topics > 0 {
            self.create_topics(coll, key, stored, ev);
        }
    }

    /// The topics of the post a record points at (0 when unknown or in no topic).
    fn target_topics(&self, author: u32, ev: &Compact) -> u32 {
        match (author, ev.target_post) {
            (NO_PARENT, _) | (_, None) => 0,
            (a, Some(rkey)) => self
                .topic_posts
                .get(&RecordKey::new(a, rkey))
                .map_or(0, |p| p.own),
        }
    }

    fn create_topics(&mut self, coll: Collection, key: RecordKey, target: u32, ev: &Compact) {
        let drawn = self.target_topics(target, ev);
        match coll {
            Collection::Post => {
                if ev.topics | drawn == 0 {
                    return;
                }
                self.topic_posts.insert(
                    key,
                    TopicPost {
                        own: ev.topics,
                        parent: drawn,
                        parent_author: target,
                    },
                );
                self.credit_post(key.did, target, ev.topics, drawn, 1);
            }
            Collection::Like | Collection::Repost if drawn != 0 => {
                let like = coll == Collection::Like;
                let side = if like {
                    &mut self.topic_likes
                } else {
                    &mut self.topic_reposts
                };
                side.insert(key, drawn);
                self.credit_engagement(like, key.did, target, drawn, 1);
            }
            _ => {}
        }
    }

    fn topic_cell(&mut self, user: u32, topic: usize) -> &mut TopicFeatures {
        &mut self.topic_users[user as usize * self.n_topics + topic]
    }

    fn credit_post(&mut self, author: u32, parent_author: u32, own: u32, drawn: u32, sign: i32) {
        for k in bits(own) {
            let cell = self.topic_cell(author, k);
            if parent_author == NO_PARENT {
                cell.posts = cell.posts.wrapping_add_signed(sign);
            } else {
                cell.replies = cell.replies.wrapping_add_signed(sign);
            }
        }
        for k in bits(drawn) {
            let cell = self.topic_cell(parent_author, k);
            cell.replies_received = cell.replies_received.wrapping_add_signed(sign);
        }
    }

    fn credit_engagement(&mut self, like: bool, actor: u32, author: u32, topics: u32, sign: i32) {
        for k in bits(topics) {
            let given = self.topic_cell(actor, k);
            if like {
                given.likes = given.likes.wrapping_add_signed(sign);
            } else {
                given.reposts = given.reposts.wrapping_add_signed(sign);
            }
            let got = self.topic_cell(author, k);
            if like {
                got.likes_received = got.likes_received.wrapping_add_signed(sign);
            } else {
                got.reposts_received = got.reposts_received.wrapping_add_signed(sign);
            }
        }
    }

    fn delete(&mut self, coll: Collection, actor: u32, rkey: u64) {
        let key = RecordKey::new(actor, rkey);
        let removed = match coll {
            Collection::Follow => self.follows.remove(&key),
            Collection::Like => self.likes.remove(&key),
            Collection::Repost => self.reposts.remove(&key),
            Collection::Post => self.posts.remove(&key),
            Collection::Other => None,
        };
        let counts = collection_counts(&mut self.counts, coll);
        let Some(target) = removed else {
            counts.deletes_unmatched += 1;
            return;
        };
        counts.deletes_matched += 1;
        let (a, t) = (actor as usize, target as usize);
        match coll {
            Collection::Follow => {
                self.users[a].following -= 1;
                self.users[t].followers -= 1;
            }
            Collection::Like => {
                self.users[a].likes -= 1;
                self.users[t].likes_received -= 1;
                if let Some(topics) = self.topic_likes.remove(&key) {
                    self.credit_engagement(true, actor, target, topics, -1);
                }
            }
            Collection::Repost => {
                self.users[a].reposts -= 1;
                self.users[t].reposts_received -= 1;
                if let Some(topics) = self.topic_reposts.remove(&key) {
                    self.credit_engagement(false, actor, target, topics, -1);
                }
            }
            Collection::Post => {
                if target == NO_PARENT {
                    self.users[a].posts -= 1;
                } else {
                    self.users[a].replies -= 1;
                    self.users[t].replies_received -= 1;
                }
                if let Some(p) = self.topic_posts.remove(&key) {
                    self.credit_post(actor, p.parent_author, p.own, p.parent, -1);
                }
            }
            Collection::Other => {}
        }
    }
}

fn collection_counts(c: &mut EventCounts, coll: Collection) -> &mut CollectionCounts {
    match coll {
        Collection::Post => &mut c.posts,
        Collection::Repost => &mut c.reposts,
        Collection::Like => &mut c.likes,
        // Not reached: untracked collections are counted before this is called.
        Collection::Follow | Collection::Other => &mut c.follows,
    }
}

/// Indices of the set bits of a topic mask.
fn bits(mask: u32) -> impl Iterator<Item = usize> {
    (0..32).filter(move |k| mask & (1 << k) != 0)
}

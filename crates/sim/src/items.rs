//! Posts, replies, reposts and quotes as flat arrays in creation order.
//!
//! Creation order is tick order, so "items of the last W ticks" is a suffix
//! found through `tick_start`, and cascades are traced through `parent` and
//! `root` without pointers.
//!
//! Runs of surrogate policies (every rank of a partitioned run, and one process) keep
//! only the items feeds can still show ([`Items::forget_before`]): feeds, policies and
//! the actions they take read items of the last `window` ticks, and of older items only
//! the author of a cascade's root, which each item carries (`root_author`). Ids stay
//! global.
//!
//! In a partitioned run an item is owned by its author's rank ([`crate::halo`]): only there
//! are its fields authoritative and its likes and shares counted. The arrays of a rank cover
//! the whole recent window by id, with the other ranks' items blank (author [`NO_AGENT`])
//! except while a tick's feeds need them: they are fetched at the start of the tick and
//! blanked at its end, so a rank's state is the single-process state with other authors'
//! items and rings blanked ([`Items::blank_authors_outside`]).

use serde::{Deserialize, Serialize};

use crate::owned::Owned;
use crate::{AgentId, ItemId};

/// No parent.
pub const NO_ITEM: ItemId = u32::MAX;

/// Author of a blank item (one held by another rank, see [`crate::halo`]).
pub const NO_AGENT: AgentId = u32::MAX;

/// Recent items remembered per author for feed building.
pub const RECENT_PER_AUTHOR: usize = 4;

/// What an item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemKind {
    /// Original post; its own root.
    Post,
    /// Reply to `parent`.
    Reply,
    /// Repost of `parent` (no new content).
    Repost,
    /// Repost with commentary.
    Quote,
}

/// All items created (or the recent ones, see [`Items::forget_before`]), struct of arrays
/// indexed by item id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Items {
    /// Author of each item.
    pub author: Owned<AgentId>,
    /// Tick at which it was created.
    pub tick: Owned<u32>,
    /// Topic index.
    pub topic: Owned<u16>,
    /// Stance expressed (for reposts: the parent's).
    pub stance: Owned<f32>,
    /// Kind of item.
    pub kind: Owned<ItemKind>,
    /// Item replied to / reposted / quoted, or [`NO_ITEM`].
    pub parent: Owned<ItemId>,
    /// Original post at the top of the chain (self for posts).
    pub root: Owned<ItemId>,
    /// Author of `root`.
    pub root_author: Owned<AgentId>,
    /// Likes received.
    pub likes: Owned<u32>,
    /// Replies + reposts + quotes received (engagement that spreads it).
    pub shares: Owned<u32>,
    /// `tick_start[t]` = id of the first item created at tick `t`.
    pub tick_start: Vec<ItemId>,
    /// Last [`RECENT_PER_AUTHOR`] items of each agent, ring buffer, newest at
    /// `recent_head[a] - 1`; `NO_ITEM` when empty.
    pub recent: Vec<ItemId>,
    /// Next write slot in each agent's ring.
    pub recent_head: Vec<u8>,
    /// `(first id, rank)` of every non-empty block of items one rank created in one tick,
    /// ascending: who owns an item (a tick's items are its ranks' blocks in rank order).
    #[serde(default)]
    pub owners: Vec<(ItemId, u32)>,
}

/// Every field of one item, as fetched from its owner.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ItemRecord {
    /// Item id.
    pub id: ItemId,
    /// Author.
    pub author: AgentId,
    /// Creation tick.
    pub tick: u32,
    /// Topic.
    pub topic: u16,
    /// Stance expressed.
    pub stance: f32,
    /// Kind.
    pub kind: ItemKind,
    /// Parent or [`NO_ITEM`].
    pub parent: ItemId,
    /// Root.
    pub root: ItemId,
    /// Author of the root.
    pub root_author: AgentId,
    /// Likes so far.
    pub likes: u32,
    /// Shares so far.
    pub shares: u32,
}

impl ItemRecord {
    /// What another rank's item looks like while it is not fetched.
    pub fn blank(id: ItemId) -> Self {
        Self {
            id,
            author: NO_AGENT,
            tick: 0,
            topic: 0,
            stance: 0.0,
            kind: ItemKind::Post,
            parent: NO_ITEM,
            root: NO_ITEM,
            root_author: NO_AGENT,
            likes: 0,
            shares: 0,
        }
    }
}

impl Items {
    /// Empty store for `n` agents.
    pub fn new(n: usize) -> Self {
        Self {
            recent: vec![NO_ITEM; n * RECENT_PER_AUTHOR],
            recent_head: vec![0; n],
            ..Default::default()
        }
    }

    /// Number of items ever created (the next item's id).
    pub fn len(&self) -> usize {
        self.author.held().end
    }

    /// True if no item exists.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forget items with ids below `id` (feeds can no longer show them); ids stay as they were.
    pub fn forget_before(&mut self, id: ItemId) {
        let i = (id as usize).min(self.len());
        self.author.forget_before(i);
        self.tick.forget_before(i);
        self.topic.forget_before(i);
        self.stance.forget_before(i);
        self.kind.forget_before(i);
        self.parent.forget_before(i);
        self.root.forget_before(i);
        self.root_author.forget_before(i);
        self.likes.forget_before(i);
        self.shares.forget_before(i);
        // Keep the block holding `id` and those after it.
        let keep = self.owners.partition_point(|&(start, _)| start <= id);
        self.owners.drain(..keep.saturating_sub(1));
    }

    /// The rank that owns `item` (0 in one process).
    #[inline]
    pub fn owner(&self, item: ItemId) -> usize {
        let k = self.owners.partition_point(|&(start, _)| start <= item);
        k.checked_sub(1).map_or(0, |k| self.owners[k].1 as usize)
    }

    /// All fields of a held item.
    pub fn record(&self, item: ItemId) -> ItemRecord {
        let i = item as usize;
        ItemRecord {
            id: item,
            author: self.author[i],
            tick: self.tick[i],
            topic: self.topic[i],
            stance: self.stance[i],
            kind: self.kind[i],
            parent: self.parent[i],
            root: self.root[i],
            root_author: self.root_author[i],
            likes: self.likes[i],
            shares: self.shares[i],
        }
    }

    /// Overwrite the held entry `r.id` with `r` (a fetched or a blanked item).
    pub fn set(&mut self, r: &ItemRecord) {
        let i = r.id as usize;
        self.author[i] = r.author;
        self.tick[i] = r.tick;
        self.topic[i] = r.topic;
        self.stance[i] = r.stance;
        self.kind[i] = r.kind;
        self.parent[i] = r.parent;
        self.root[i] = r.root;
        self.root_author[i] = r.root_author;
        self.likes[i] = r.likes;
        self.shares[i] = r.shares;
    }

    /// Append `n` blank items: ids that other ranks' items take this tick.
    pub fn push_blanks(&mut self, n: usize) {
        for _ in 0..n {
            self.push_record(&ItemRecord::blank(self.len() as ItemId));
        }
    }

    /// Append `r` (its id must be the next one) to every column; the author's ring is the
    /// caller's.
    #[inline]
    fn push_record(&mut self, r: &ItemRecord) {
        debug_assert_eq!(r.id as usize, self.len());
        self.author.push(r.author);
        self.tick.push(r.tick);
        self.topic.push(r.topic);
        self.stance.push(r.stance);
        self.kind.push(r.kind);
        self.parent.push(r.parent);
        self.root.push(r.root);
        self.root_author.push(r.root_author);
        self.likes.push(r.likes);
        self.shares.push(r.shares);
    }

    /// An author's ring of recent items and its next write slot.
    pub fn ring(&self, author: AgentId) -> ([ItemId; RECENT_PER_AUTHOR], u8) {
        let a = author as usize;
        let mut ring = [NO_ITEM; RECENT_PER_AUTHOR];
        ring.copy_from_slice(&self.recent[a * RECENT_PER_AUTHOR..(a + 1) * RECENT_PER_AUTHOR]);
        (ring, self.recent_head[a])
    }

    /// Overwrite an author's ring (fetched from, or blanked for, another rank's author).
    pub fn set_ring(&mut self, author: AgentId, ring: [ItemId; RECENT_PER_AUTHOR], head: u8) {
        let a = author as usize;
        self.recent[a * RECENT_PER_AUTHOR..(a + 1) * RECENT_PER_AUTHOR].copy_from_slice(&ring);
        self.recent_head[a] = head;
    }

    /// Blank every item and ring of an author outside `agents`: what a rank holds of the
    /// single-process store when no feed is being built.
    pub fn blank_authors_outside(&mut self, agents: std::ops::Range<usize>) {
        for i in self.author.held() {
            if !agents.contains(&(self.author[i] as usize)) {
                self.set(&ItemRecord::blank(i as ItemId));
            }
        }
        for a in (0..self.recent_head.len()).filter(|a| !agents.contains(a)) {
            self.set_ring(a as AgentId, [NO_ITEM; RECENT_PER_AUTHOR], 0);
        }
    }

    /// Mark the start of tick `t` (called once per tick before new items).
    pub fn begin_tick(&mut self, t: u32) {
        while self.tick_start.len() <= t as usize {
            self.tick_start.push(self.len() as ItemId);
        }
    }

    /// First item id created at or after tick `t`.
    pub fn first_since(&self, t: u32) -> ItemId {
        self.tick_start
            .get(t as usize)
            .copied()
            .unwrap_or(self.len() as ItemId)
    }

    /// Append an item and return its id.
    pub fn push(
        &mut self,
        author: AgentId,
        tick: u32,
        topic: u16,
        stance: f32,
        kind: ItemKind,
        parent: ItemId,
    ) -> ItemId {
        let id = self.len() as ItemId;
        let (root, root_author) = if parent == NO_ITEM {
            (id, author)
        } else {
            (
                self.root[parent as usize],
                self.root_author[parent as usize],
            )
        };
        self.push_record(&ItemRecord {
            id,
            author,
            tick,
            topic,
            stance,
            kind,
            parent,
            root,
            root_author,
            likes: 0,
            shares: 0,
        });
        let a = author as usize;
        let head = self.recent_head[a] as usize;
        self.recent[a * RECENT_PER_AUTHOR + head] = id;
        self.recent_head[a] = ((head + 1) % RECENT_PER_AUTHOR) as u8;
        id
    }

    /// The author's remembered recent items (any order, `NO_ITEM` skipped).
    #[inline]
    pub fn recent_of(&self, author: AgentId) -> impl Iterator<Item = ItemId> + '_ {
        let a = author as usize * RECENT_PER_AUTHOR;
        self.recent[a..a + RECENT_PER_AUTHOR]
            .iter()
            .copied()
            .filter(|&i| i != NO_ITEM)
    }

    /// Engagement score used by hot and popularity rankings.
    #[inline]
    pub fn score(&self, item: ItemId) -> f64 {
        let i = item as usize;
        (self.likes[i] + self.shares[i]) as f64
    }

    /// Size of the cascade rooted at `root`: the post plus every repost and
    /// quote whose root it is.
    pub fn cascade_size(&self, root: ItemId) -> usize {
        (root as usize..self.len())
            .filter(|&i| {
                self.root[i] == root
                    && matches!(
                        self.kind[i],
                        ItemKind::Post | ItemKind::Repost | ItemKind::Quote
                    )
            })
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_propagate_and_rings_keep_the_newest() {
        let mut it = Items::new(2);
        it.begin_tick(0);
        let p = it.push(0, 0, 0, 0.5, ItemKind::Post, NO_ITEM);
        it.begin_tick(1);
        let r = it.push(1, 1, 0, 0.5, ItemKind::Repost, p);
        let q = it.push(0, 1, 0, 0.1, ItemKind::Quote, r);
        assert_eq!(it.root[q as usize], p);
        assert_eq!(it.first_since(1), r);
        assert_eq!(it.cascade_size(p), 3);
        for _ in 0..5 {
            it.push(1, 1, 0, 0.0, ItemKind::Post, NO_ITEM);
        }
        let mut recent: Vec<_> = it.recent_of(1).collect();
        recent.sort();
        assert_eq!(recent, vec![4, 5, 6, 7]);
    }
}

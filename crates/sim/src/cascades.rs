//! The cascades of a run, one record per original post: who started it, when, how many
//! agents it reached and when it last spread. Kept from the tick reports, not from the items
//! (runs forget items older than the feed window), so it costs one record per post.
//!
//! In a partitioned run each rank logs its own agents' posts and shares; [`CascadeLog::merge`]
//! of every rank's log (in any order) is the single-process log.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::items::{Items, NO_AGENT};
use crate::tick_types::TickReport;
use crate::wire::WireError;
use crate::{AgentId, ItemId};

/// One cascade: an original post and the shares (reposts, quotes) of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CascadeRecord {
    /// Who posted the root ([`NO_AGENT`] in a rank's log when another rank's agent did).
    pub origin: AgentId,
    /// Tick of the root post.
    pub start: u32,
    /// Agents reached: the origin and every agent who shared it (each shares a cascade at
    /// most once).
    pub size: u64,
    /// Tick of its latest share (or of the post).
    pub last: u32,
}

/// Every cascade of a run (or a rank's share of it), by root item.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CascadeLog {
    by_root: BTreeMap<ItemId, CascadeRecord>,
}

/// Bytes of one record in [`CascadeLog::encode`]: root, origin, start, last, size.
const RECORD_BYTES: usize = 24;

impl CascadeLog {
    /// Log what the tick of `report` did; `items` is the state right after it (the items
    /// the tick created are there, with their roots).
    pub fn record(&mut self, report: &TickReport, items: &Items) {
        let t = report.tick;
        for e in &report.events {
            let root = match e.action {
                Action::Post { .. } => e.item,
                Action::Repost { .. } | Action::Quote { .. } => items.root[e.item as usize],
                _ => continue,
            };
            let r = self.entry(root, t);
            if matches!(e.action, Action::Post { .. }) {
                r.origin = e.agent;
                r.start = t;
            }
            r.size += 1;
            r.last = r.last.max(t);
        }
    }

    fn entry(&mut self, root: ItemId, t: u32) -> &mut CascadeRecord {
        self.by_root.entry(root).or_insert(CascadeRecord {
            origin: NO_AGENT,
            start: t,
            size: 0,
            last: t,
        })
    }

    /// Number of cascades.
    pub fn len(&self) -> usize {
        self.by_root.len()
    }

    /// True when nothing was posted.
    pub fn is_empty(&self) -> bool {
        self.by_root.is_empty()
    }

    /// `(root, record)` in root order.
    pub fn iter(&self) -> impl Iterator<Item = (ItemId, &CascadeRecord)> {
        self.by_root.iter().map(|(&k, v)| (k, v))
    }

    /// The record of the cascade of `root`.
    pub fn get(&self, root: ItemId) -> Option<&CascadeRecord> {
        self.by_root.get(&root)
    }

    /// Final sizes, in root order.
    pub fn sizes(&self) -> Vec<u64> {
        self.by_root.values().map(|r| r.size).collect()
    }

    /// Add another rank's log: sizes add up, the origin and start come from the rank that
    /// holds the post, the latest share is the later one.
    pub fn merge(&mut self, other: &CascadeLog) {
        for (&root, o) in &other.by_root {
            let r = self.entry(root, o.start);
            if o.origin != NO_AGENT {
                r.origin = o.origin;
                r.start = o.start;
            }
            r.size += o.size;
            r.last = r.last.max(o.last);
        }
    }

    /// Little-endian bytes, for gathering every rank's log.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.by_root.len() * RECORD_BYTES);
        for (&root, r) in &self.by_root {
            for w in [root, r.origin, r.start, r.last] {
                out.extend_from_slice(&w.to_le_bytes());
            }
            out.extend_from_slice(&r.size.to_le_bytes());
        }
        out
    }

    /// The log [`CascadeLog::encode`] wrote (another rank's, gathered).
    pub fn decode(bytes: &[u8]) -> Result<CascadeLog, WireError> {
        if !bytes.len().is_multiple_of(RECORD_BYTES) {
            return Err(WireError("a cascade log of partial records", bytes.len()));
        }
        let word = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut by_root = BTreeMap::new();
        for b in bytes.chunks_exact(RECORD_BYTES) {
            let mut size = [0u8; 8];
            size.copy_from_slice(&b[16..24]);
            let r = CascadeRecord {
                origin: word(b, 4),
                start: word(b, 8),
                last: word(b, 12),
                size: u64::from_le_bytes(size),
            };
            by_root.insert(word(b, 0), r);
        }
        Ok(CascadeLog { by_root })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::items::{ItemKind, NO_ITEM};
    use crate::tick_types::Event;

    #[test]
    fn posts_and_shares_are_counted_per_root_and_ranks_merge() {
        let mut items = Items::new(4);
        let post = items.push(0, 0, 0, 0.0, ItemKind::Post, NO_ITEM);
        let r1 = items.push(1, 1, 0, 0.0, ItemKind::Repost, post);
        let r2 = items.push(2, 2, 0, 0.0, ItemKind::Repost, r1);
        let ev = |agent, action, item| Event {
            agent,
            action,
            item,
        };
        let report = |tick, events| TickReport {
            tick,
            events,
            ..Default::default()
        };
        let post_ev = ev(
            0,
            Action::Post {
                topic: 0,
                stance: 0.0,
            },
            post,
        );
        let like = ev(3, Action::Like { item: post }, NO_ITEM);
        // One process sees every event; two ranks see their own agents' (0, 1 | 2, 3).
        let mut whole = CascadeLog::default();
        let (mut a, mut b) = (CascadeLog::default(), CascadeLog::default());
        let t0 = report(0, vec![post_ev]);
        let t1 = report(1, vec![ev(1, Action::Repost { parent: post }, r1), like]);
        let t2 = report(2, vec![ev(2, Action::Repost { parent: r1 }, r2)]);
        for r in [&t0, &t1, &t2] {
            whole.record(r, &items);
        }
        a.record(&t0, &items);
        a.record(&report(1, vec![t1.events[0]]), &items);
        b.record(&report(1, vec![like]), &items);
        b.record(&t2, &items);
        let want = CascadeRecord {
            origin: 0,
            start: 0,
            size: 3,
            last: 2,
        };
        assert_eq!(whole.get(post), Some(&want));
        assert_eq!(b.get(post).map(|r| r.origin), Some(NO_AGENT));
        for (x, y) in [(&a, &b), (&b, &a)] {
            let mut m = CascadeLog::decode(&x.encode()).unwrap();
            m.merge(y);
            assert_eq!(m, whole);
        }
        assert!(CascadeLog::decode(&[0; 5]).is_err());
    }
}

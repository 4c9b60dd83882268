//! Per-agent arrays of which a process may hold only a range: its own agents' entries.
//!
//! In one process every array holds every agent. In a partitioned run each rank keeps only the
//! entries of the agents it owns ([`crate::partition`]), so per-agent memory shrinks as ranks
//! are added. Indexing stays by global agent id (`counters.posts[a]`): code written for one
//! process runs unchanged on a rank, and touching an entry another rank owns is a bug that
//! panics with the index rather than reading a wrong value.
//!
//! A log that keeps only its recent end (the items, [`Owned::forget_before`]) drops its
//! forgotten front lazily, once it is at least as long as what is kept: shifting the kept
//! entries every tick would cost O(kept) a tick, on every rank. Forgotten entries not yet
//! dropped still read (their values are the true ones); [`Owned::held`] is what a caller may
//! rely on, and equality and serialisation see only it.

use std::ops::{Index, IndexMut, Range};

use serde::{Deserialize, Serialize};

/// Entries `start..lo + items.len()` of a per-agent array (index units: agents, or
/// agent × topic); `items[0]` is entry `lo`, and entries `lo..start` are forgotten.
#[derive(Clone, Debug)]
pub struct Owned<T> {
    lo: usize,
    start: usize,
    items: Vec<T>,
}

impl<T: PartialEq> PartialEq for Owned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.held() == other.held() && self.local() == other.local()
    }
}

impl<T: Eq> Eq for Owned<T> {}

/// What is serialised: the held entries.
#[derive(Serialize)]
struct HeldRef<'a, T> {
    lo: usize,
    items: &'a [T],
}

#[derive(Deserialize)]
struct Held<T> {
    lo: usize,
    items: Vec<T>,
}

impl<T: Serialize> Serialize for Owned<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        HeldRef {
            lo: self.start,
            items: self.local(),
        }
        .serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Owned<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let h = Held::deserialize(d)?;
        Ok(Self::starting_at(h.lo, h.items))
    }
}

impl<T> Default for Owned<T> {
    fn default() -> Self {
        Self::whole(Vec::new())
    }
}

impl<T> Owned<T> {
    /// Every entry, from index 0.
    pub fn whole(items: Vec<T>) -> Self {
        Self::starting_at(0, items)
    }

    /// The entries of indices `lo..lo + items.len()`.
    pub fn starting_at(lo: usize, items: Vec<T>) -> Self {
        Self {
            lo,
            start: lo,
            items,
        }
    }

    /// The indices held here.
    pub fn held(&self) -> Range<usize> {
        self.start..self.lo + self.items.len()
    }

    /// The held entries, in index order.
    pub fn local(&self) -> &[T] {
        &self.items[self.start - self.lo..]
    }

    /// The held entries, mutably.
    pub fn local_mut(&mut self) -> &mut [T] {
        &mut self.items[self.start - self.lo..]
    }

    /// Entries of the global indices `range` (all of them must be held).
    pub fn slice(&self, range: Range<usize>) -> &[T] {
        &self.items[self.at_end(range.start)..self.at_end(range.end)]
    }

    /// Keep only the entries of `range` (a sub-range of [`held`](Self::held)).
    pub fn restrict(&mut self, range: Range<usize>) {
        let (a, b) = (self.at_end(range.start), self.at_end(range.end));
        self.items.truncate(b);
        self.items.drain(..a);
        self.items.shrink_to_fit();
        self.lo = range.start;
        self.start = range.start;
    }

    /// Position of global index `i` in the held entries; `i` may be one past the last.
    #[inline]
    fn at_end(&self, i: usize) -> usize {
        match i.checked_sub(self.lo) {
            Some(k) if i >= self.start && k <= self.items.len() => k,
            _ => self.not_held(i),
        }
    }

    /// Append the entry of the next index.
    #[inline]
    pub fn push(&mut self, v: T) {
        self.items.push(v);
    }

    /// Forget the entries below index `i` (a log that only keeps its recent end). They are
    /// dropped once at least as many as the entries kept, so each is moved at most once.
    pub fn forget_before(&mut self, i: usize) {
        if i <= self.start {
            return;
        }
        let k = self.at_end(i);
        self.start = i;
        if 2 * k >= self.items.len() {
            self.items.drain(..k);
            self.lo = i;
            if self.items.capacity() > 4 * self.items.len() + 4096 {
                self.items.shrink_to(2 * self.items.len());
            }
        }
    }

    #[cold]
    fn not_held(&self, i: usize) -> ! {
        panic!(
            "per-agent entry {i} is not held here (this process holds {:?})",
            self.held()
        )
    }
}

impl<T> Index<usize> for Owned<T> {
    type Output = T;
    #[inline]
    fn index(&self, i: usize) -> &T {
        // Below `lo` the difference wraps to a huge position: one bounds check covers both ends
        // (forgotten entries not yet dropped read, see the module doc).
        match self.items.get(i.wrapping_sub(self.lo)) {
            Some(v) => v,
            None => self.not_held(i),
        }
    }
}

impl<T> IndexMut<usize> for Owned<T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        let k = i.wrapping_sub(self.lo);
        if k >= self.items.len() {
            self.not_held(i);
        }
        &mut self.items[k]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_by_global_id_after_restricting() {
        let mut v = Owned::whole((0..10).collect::<Vec<u32>>());
        v.restrict(4..7);
        assert_eq!(v.held(), 4..7);
        assert_eq!((v[4], v[6]), (4, 6));
        v[5] += 10;
        assert_eq!(v.local(), &[4, 15, 6]);
        assert_eq!(v.slice(5..7), &[15, 6]);
        assert!(std::panic::catch_unwind(|| v[3]).is_err());
        assert!(std::panic::catch_unwind(|| v[7]).is_err());
        let mut e = Owned::whole(vec![1u8, 2]);
        e.restrict(2..2);
        assert_eq!(e.held(), 2..2);
        assert_eq!(e.slice(2..2), &[] as &[u8]);
    }

    #[test]
    fn forgotten_entries_leave_held_at_once_and_memory_in_bulk() {
        let mut v = Owned::whole((0..10).collect::<Vec<u32>>());
        v.forget_before(3);
        assert_eq!((v.held(), v.local()), (3..10, &[3, 4, 5, 6, 7, 8, 9][..]));
        assert_eq!(v.items.len(), 10, "3 forgotten of 10: not dropped yet");
        assert!(std::panic::catch_unwind(|| v.slice(2..4).to_vec()).is_err());
        let mut w = Owned::starting_at(3, (3..10).collect::<Vec<u32>>());
        assert_eq!(v, w);
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, serde_json::to_string(&w).unwrap());
        assert_eq!(serde_json::from_str::<Owned<u32>>(&json).unwrap(), w);
        v.forget_before(6);
        assert_eq!(v.items.len(), 4, "6 forgotten of 10: dropped");
        assert_eq!((v.held(), v[6]), (6..10, 6));
        v.push(10);
        w.forget_before(6);
        w.push(10);
        assert_eq!(v, w);
        v.restrict(7..9);
        assert_eq!((v.held(), v.local()), (7..9, &[7, 8][..]));
    }
}

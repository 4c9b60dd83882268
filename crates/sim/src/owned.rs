//! Per-agent arrays of which a process may hold only a range: its own agents' entries.
//!
//! In one process every array holds every agent. In a partitioned run each rank keeps only the
//! entries of the agents it owns ([`crate::partition`]), so per-agent memory shrinks as ranks
//! are added. Indexing stays by global agent id (`counters.posts[a]`): code written for one
//! process runs unchanged on a rank, and touching an entry another rank owns is a bug that
//! panics with the index rather than reading a wrong value.

use std::ops::{Index, IndexMut, Range};

use serde::{Deserialize, Serialize};

/// Entries `lo..lo + items.len()` of a per-agent array (index units: agents, or agent × topic).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owned<T> {
    lo: usize,
    items: Vec<T>,
}

impl<T> Default for Owned<T> {
    fn default() -> Self {
        Self::whole(Vec::new())
    }
}

impl<T> Owned<T> {
    /// Every entry, from index 0.
    pub fn whole(items: Vec<T>) -> Self {
        Self { lo: 0, items }
    }

    /// The entries of indices `lo..lo + items.len()`.
    pub fn starting_at(lo: usize, items: Vec<T>) -> Self {
        Self { lo, items }
    }

    /// The indices held here.
    pub fn held(&self) -> Range<usize> {
        self.lo..self.lo + self.items.len()
    }

    /// The held entries, in index order.
    pub fn local(&self) -> &[T] {
        &self.items
    }

    /// The held entries, mutably.
    pub fn local_mut(&mut self) -> &mut [T] {
        &mut self.items
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
    }

    /// Position of global index `i` in the held entries; `i` may be one past the last.
    #[inline]
    fn at_end(&self, i: usize) -> usize {
        match i.checked_sub(self.lo) {
            Some(k) if k <= self.items.len() => k,
            _ => self.not_held(i),
        }
    }

    /// Append the entry of the next index.
    #[inline]
    pub fn push(&mut self, v: T) {
        self.items.push(v);
    }

    /// Drop the entries below index `i` (a log that only keeps its recent end).
    pub fn forget_before(&mut self, i: usize) {
        if i <= self.lo {
            return;
        }
        let k = self.at_end(i);
        self.items.drain(..k);
        self.lo = i;
        if self.items.capacity() > 4 * self.items.len() + 4096 {
            self.items.shrink_to(2 * self.items.len());
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
        // Below `lo` the difference wraps to a huge position: one bounds check covers both ends.
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
}

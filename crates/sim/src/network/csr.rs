//! Compressed sparse rows with `u32` node ids: the memory layout that lets a
//! 1e6-node, 2e7-edge follow graph fit in ~170 MB (both directions).

use serde::{Deserialize, Serialize};

/// Adjacency lists stored back to back; row `first + u` is
/// `targets[offsets[u]..offsets[u+1]]`, sorted ascending and free of duplicates. A partitioned
/// run keeps only its own agents' rows (`first` > 0, see [`Csr::restrict`]); rows are always
/// addressed by global id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Csr {
    offsets: Vec<u64>,
    targets: Vec<u32>,
    /// Global id of the first row held.
    #[serde(default)]
    first: u32,
}

impl Csr {
    /// Rows from per-row sorted, deduplicated lists laid end to end.
    pub fn from_parts(offsets: Vec<u64>, targets: Vec<u32>) -> Self {
        debug_assert_eq!(offsets.last().copied().unwrap_or(0) as usize, targets.len());
        Self {
            offsets,
            targets,
            first: 0,
        }
    }

    /// Rows from `(row, col)` pairs sorted by row then column, duplicates removed.
    pub fn from_sorted_pairs(n: usize, pairs: &[(u32, u32)]) -> Self {
        let mut offsets = vec![0u64; n + 1];
        for &(r, _) in pairs {
            offsets[r as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let targets = pairs.iter().map(|&(_, c)| c).collect();
        Self {
            offsets,
            targets,
            first: 0,
        }
    }

    /// The same rows, as rows `first..` of a larger graph.
    pub fn starting_at(mut self, first: usize) -> Self {
        self.first = first as u32;
        self
    }

    /// Keep only rows `rows` (global ids, a sub-range of those held).
    pub fn restrict(&mut self, rows: std::ops::Range<usize>) {
        let (a, b) = (self.local(rows.start as u32), self.local(rows.end as u32));
        let (lo, hi) = (self.offsets[a] as usize, self.offsets[b] as usize);
        self.targets.truncate(hi);
        self.targets.drain(..lo);
        self.targets.shrink_to_fit();
        self.offsets = self.offsets[a..=b].iter().map(|o| o - lo as u64).collect();
        self.first = rows.start as u32;
    }

    /// Whether row `u` (global id) is held here.
    #[inline]
    pub fn holds(&self, u: u32) -> bool {
        u >= self.first && ((u - self.first) as usize) < self.rows()
    }

    /// Position of global row `u` (or one past the last) among the rows held.
    #[inline]
    fn local(&self, u: u32) -> usize {
        match u.checked_sub(self.first) {
            Some(k) if (k as usize) <= self.rows() => k as usize,
            _ => panic!(
                "follow-graph row {u} is not held here (this process holds rows {}..{})",
                self.first,
                self.first as usize + self.rows()
            ),
        }
    }

    /// Number of rows held.
    pub fn rows(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.targets.len()
    }

    /// Row `u` (global id), sorted ascending.
    #[inline]
    pub fn row(&self, u: u32) -> &[u32] {
        self.row_at(self.local(u))
    }

    /// Length of row `u` (global id).
    #[inline]
    pub fn row_len(&self, u: u32) -> usize {
        self.len_at(self.local(u))
    }

    #[inline]
    fn row_at(&self, u: usize) -> &[u32] {
        &self.targets[self.offsets[u] as usize..self.offsets[u + 1] as usize]
    }

    #[inline]
    fn len_at(&self, u: usize) -> usize {
        (self.offsets[u + 1] - self.offsets[u]) as usize
    }

    /// Row by row union with `other`, which holds the same rows (for a reciprocal graph: the
    /// rows and their transpose).
    pub fn union(&self, other: &Csr) -> Self {
        assert_eq!(
            (self.first, self.rows()),
            (other.first, other.rows()),
            "a union needs the same rows"
        );
        let mut offsets = Vec::with_capacity(self.rows() + 1);
        let mut targets = Vec::with_capacity(self.nnz() + other.nnz());
        offsets.push(0u64);
        for u in 0..self.rows() {
            let (a, b) = (self.row_at(u), other.row_at(u));
            let (mut i, mut j) = (0, 0);
            while i < a.len() || j < b.len() {
                let next = match (a.get(i), b.get(j)) {
                    (Some(&x), Some(&y)) if x == y => {
                        i += 1;
                        j += 1;
                        x
                    }
                    (Some(&x), Some(&y)) if x < y => {
                        i += 1;
                        x
                    }
                    (Some(&x), None) => {
                        i += 1;
                        x
                    }
                    (_, Some(&y)) => {
                        j += 1;
                        y
                    }
                    (None, None) => unreachable!("the loop runs while either row has entries"),
                };
                targets.push(next);
            }
            offsets.push(targets.len() as u64);
        }
        Self {
            offsets,
            targets,
            first: self.first,
        }
    }

    /// The transposed matrix. Rows are visited in order, so every transposed
    /// row comes out sorted without a sort.
    pub fn transpose(&self, n_cols: usize) -> Self {
        assert_eq!(self.first, 0, "transpose needs every row");
        let mut offsets = vec![0u64; n_cols + 1];
        for &c in &self.targets {
            offsets[c as usize + 1] += 1;
        }
        for i in 0..n_cols {
            offsets[i + 1] += offsets[i];
        }
        let mut cursor: Vec<u64> = offsets[..n_cols].to_vec();
        let mut targets = vec![0u32; self.targets.len()];
        for r in 0..self.rows() {
            for &c in self.row(r as u32) {
                let slot = &mut cursor[c as usize];
                targets[*slot as usize] = r as u32;
                *slot += 1;
            }
        }
        Self {
            offsets,
            targets,
            first: 0,
        }
    }

    /// Delete `removes` and insert `adds`, in place. Both edit lists are `(row, col)` sorted
    /// and must be consistent (removes present, adds absent).
    ///
    /// A tick edits ~10⁴ of 10⁶ rows, so rebuilding the matrix (a fresh 80 MB buffer, page
    /// faults, a million per-row copies) cost more than the rest of the tick's bookkeeping.
    /// Here the edited rows are merged into a small side buffer, the offsets are shifted in one
    /// pass, and the unedited runs between edited rows move with one `copy_within` each.
    pub fn edit(&mut self, adds: &[(u32, u32)], removes: &[(u32, u32)]) {
        if adds.is_empty() && removes.is_empty() {
            return;
        }
        if self.first > 0 {
            let first = self.first;
            let local = |e: &[(u32, u32)]| -> Vec<(u32, u32)> {
                e.iter().map(|&(r, c)| (self.local(r) as u32, c)).collect()
            };
            let (adds, removes) = (local(adds), local(removes));
            self.first = 0;
            self.edit(&adds, &removes);
            self.first = first;
            return;
        }
        // Edited rows ascending, each with its merged content in `merged[start..end]`.
        let mut edited: Vec<(u32, usize, usize)> = Vec::new();
        let mut merged: Vec<u32> = Vec::with_capacity(adds.len() * 2);
        let (mut ai, mut ri) = (0usize, 0usize);
        while ai < adds.len() || ri < removes.len() {
            let r = match (adds.get(ai), removes.get(ri)) {
                (Some(a), Some(b)) => a.0.min(b.0),
                (Some(a), None) => a.0,
                (None, Some(b)) => b.0,
                (None, None) => unreachable!("loop condition"),
            };
            let a0 = ai;
            while ai < adds.len() && adds[ai].0 == r {
                ai += 1;
            }
            let r0 = ri;
            while ri < removes.len() && removes[ri].0 == r {
                ri += 1;
            }
            let start = merged.len();
            let mut add = adds[a0..ai].iter().map(|e| e.1).peekable();
            let mut rem = removes[r0..ri].iter().map(|e| e.1).peekable();
            for &c in self.row(r) {
                while let Some(a) = add.next_if(|&a| a < c) {
                    merged.push(a);
                }
                if rem.next_if_eq(&c).is_some() {
                    continue;
                }
                merged.push(c);
            }
            merged.extend(add);
            edited.push((r, start, merged.len()));
        }
        let old_len = self.targets.len();
        let new_len = old_len + merged.len()
            - edited
                .iter()
                .map(|&(r, _, _)| self.row_len(r))
                .sum::<usize>();
        // Unedited runs: (old start, old end, shift), in row order.
        let mut runs: Vec<(usize, usize, isize)> = Vec::with_capacity(edited.len() + 1);
        let mut shift = 0isize;
        let mut next_row = 0usize;
        for &(r, start, end) in &edited {
            let r = r as usize;
            runs.push((
                self.offsets[next_row] as usize,
                self.offsets[r] as usize,
                shift,
            ));
            shift += (end - start) as isize - self.row_len(r as u32) as isize;
            next_row = r + 1;
        }
        runs.push((self.offsets[next_row] as usize, old_len, shift));
        if new_len > old_len {
            // Grow by at least 1/64 so that a run of growing ticks reallocates rarely.
            let extra = new_len - old_len;
            if self.targets.capacity() < new_len {
                self.targets.reserve_exact(extra.max(old_len / 64));
            }
            self.targets.resize(new_len, 0);
        }
        // A run moving left lands where nothing unmoved remains if runs go in ascending order;
        // a run moving right, in descending order. New places never overlap.
        for &(lo, hi, s) in runs.iter().filter(|r| r.2 < 0) {
            self.targets.copy_within(lo..hi, (lo as isize + s) as usize);
        }
        for &(lo, hi, s) in runs.iter().rev().filter(|r| r.2 > 0) {
            self.targets.copy_within(lo..hi, (lo as isize + s) as usize);
        }
        self.targets.truncate(new_len);
        // Offsets: every row after an edited row moves by that row's change.
        let mut shift = 0i64;
        let mut e = edited.iter().peekable();
        for u in 0..self.rows() {
            let start = (self.offsets[u] as i64 + shift) as u64;
            if let Some(&(r, a, b)) = e.next_if(|x| x.0 as usize == u) {
                let old = self.row_len(r) as i64;
                self.offsets[u] = start;
                shift += (b - a) as i64 - old;
                self.targets[start as usize..start as usize + (b - a)]
                    .copy_from_slice(&merged[a..b]);
            } else {
                self.offsets[u] = start;
            }
        }
        let last = self.rows();
        self.offsets[last] = new_len as u64;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::rng::AgentRng;

    #[test]
    fn transpose_and_edits_keep_rows_sorted() {
        let m = Csr::from_sorted_pairs(4, &[(0, 1), (0, 3), (2, 0), (2, 1), (3, 2)]);
        let t = m.transpose(4);
        assert_eq!(t.row(1), &[0, 2]);
        assert_eq!(t.row(0), &[2]);
        let mut e = m.clone();
        e.edit(&[(0, 2), (1, 3)], &[(0, 3), (2, 0)]);
        assert_eq!(e.row(0), &[1, 2]);
        assert_eq!(e.row(1), &[3]);
        assert_eq!(e.row(2), &[1]);
        assert_eq!(e.row(3), &[2]);
        assert_eq!(e.nnz(), 5);
    }

    /// In-place edits equal a rebuild from the edited edge set, over many random rounds that
    /// grow, shrink and reshape rows (runs shifting left and right in the same round).
    #[test]
    fn in_place_edits_equal_a_rebuild() {
        let n = 300u32;
        let mut rng = AgentRng::new(5, 0, 0, 0);
        let mut set: BTreeSet<(u32, u32)> = (0..2000)
            .map(|_| (rng.below(n as u64) as u32, rng.below(n as u64) as u32))
            .collect();
        let pairs: Vec<_> = set.iter().copied().collect();
        let mut m = Csr::from_sorted_pairs(n as usize, &pairs);
        for round in 0..200 {
            let (mut adds, mut removes) = (BTreeSet::new(), BTreeSet::new());
            let k = 1 + rng.below(40) as usize;
            for _ in 0..k {
                let e = (rng.below(n as u64) as u32, rng.below(n as u64) as u32);
                if set.contains(&e) {
                    if round % 3 != 0 {
                        removes.insert(e);
                    }
                } else if round % 5 != 1 {
                    adds.insert(e);
                }
            }
            for e in &removes {
                set.remove(e);
            }
            set.extend(adds.iter().copied());
            let (adds, removes): (Vec<_>, Vec<_>) =
                (adds.into_iter().collect(), removes.into_iter().collect());
            m.edit(&adds, &removes);
            let want = Csr::from_sorted_pairs(n as usize, &set.iter().copied().collect::<Vec<_>>());
            assert_eq!(m, want, "round {round}");
        }
        m.edit(&[], &[]);
        assert_eq!(m.nnz(), set.len());
    }
}

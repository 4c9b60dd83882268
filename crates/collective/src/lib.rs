//! emergent-collective: how the ranks (MPI processes) of a split run talk.
//!
//! The engine (`emergent-sim`'s partitioned tick and network build), the attribution of a
//! sharded feature table and the runner all ask one [`Collective`] for the same few
//! operations on bytes. The CLI implements it over MPI (feature `mpi`), [`thread_ranks`] over
//! threads (the tests), and [`Solo`] is the single process. The crate has no dependencies, so every
//! layer can use it without seeing the others or MPI.
//!
//! Every rank must make the same collective calls in the same order.

mod threads;

pub use threads::{ThreadRank, thread_ranks};

/// The collective operations a split run needs.
///
/// `Sync` because the attribution of a partitioned run shares it with its worker threads; the
/// collectives themselves are only ever called from the thread driving the run.
pub trait Collective: Sync {
    /// This rank, `0..ranks()`.
    fn rank(&self) -> usize;
    /// Number of ranks.
    fn ranks(&self) -> usize;
    /// Every rank's bytes, indexed by rank, on every rank (an all-gather).
    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>>;
    /// `to[r]` goes to rank r; returns what every rank sent to this one, indexed by sender
    /// (an all-to-all, `MPI_Alltoallv`).
    fn all_to_all(&self, to: Vec<Vec<u8>>) -> Vec<Vec<u8>>;
    /// True on every rank if `flag` is true on any rank (an all-reduce with OR). The default
    /// all-gathers one byte per rank; MPI reduces instead.
    fn any(&self, flag: bool) -> bool {
        self.all_gather(&[flag as u8])
            .iter()
            .any(|b| b.first().is_some_and(|&f| f != 0))
    }
}

/// One process: every collective returns what it was given.
pub struct Solo;

impl Collective for Solo {
    fn rank(&self) -> usize {
        0
    }
    fn ranks(&self) -> usize {
        1
    }
    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        vec![mine.to_vec()]
    }
    fn all_to_all(&self, to: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        to
    }
    fn any(&self, flag: bool) -> bool {
        flag
    }
}

/// Wait until every rank got here.
pub fn barrier(c: &dyn Collective) {
    c.any(false);
}

/// Σ over ranks of `v`, in rank order (every rank gets it).
pub fn sum_over_ranks(c: &dyn Collective, v: u64) -> u64 {
    gather_u64(c, v).into_iter().sum()
}

/// Every rank's `v`, in rank order (every rank gets them).
pub fn gather_u64(c: &dyn Collective, v: u64) -> Vec<u64> {
    c.all_gather(&v.to_le_bytes())
        .iter()
        .map(|b| le_u64(b, 0))
        .collect()
}

/// The `i`-th little-endian word of `bytes` (what the ranks send each other).
#[inline]
pub fn le_u64(bytes: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[8 * i..8 * i + 8]);
    u64::from_le_bytes(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_process_is_the_identity() {
        assert_eq!((Solo.rank(), Solo.ranks()), (0, 1));
        assert_eq!(Solo.all_gather(b"ab"), vec![b"ab".to_vec()]);
        assert_eq!(Solo.all_to_all(vec![vec![1, 2]]), vec![vec![1, 2]]);
        assert!(Solo.any(true) && !Solo.any(false));
        assert_eq!(gather_u64(&Solo, 7), vec![7]);
        assert_eq!(sum_over_ranks(&Solo, 9), 9);
        barrier(&Solo);
    }

    /// A collective that only has the required operations: `any` falls back to the gather.
    struct Gathers;

    impl Collective for Gathers {
        fn rank(&self) -> usize {
            0
        }
        fn ranks(&self) -> usize {
            2
        }
        fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>> {
            vec![vec![0], mine.to_vec()]
        }
        fn all_to_all(&self, to: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
            to
        }
    }

    #[test]
    fn any_defaults_to_a_gather_of_flags() {
        assert!(Gathers.any(true));
        assert!(!Gathers.any(false));
    }

    #[test]
    fn words_are_little_endian() {
        let bytes = [1u8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        assert_eq!(le_u64(&bytes, 0), 1);
        assert_eq!(le_u64(&bytes, 1), 256);
    }
}

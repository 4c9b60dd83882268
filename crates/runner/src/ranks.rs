//! The ranks of a partitioned run as the attribution crate's [`Collective`], so the recorded
//! features are evaluated and attributed where they were computed, one shard per rank.

use emergent_attribution::{Collective, Shard};
use emergent_sim::partition::{Exchange, Partition};

/// An [`Exchange`] seen as a [`Collective`].
pub(crate) struct Ranks<'a>(pub(crate) &'a dyn Exchange);

impl Collective for Ranks<'_> {
    fn rank(&self) -> usize {
        self.0.rank()
    }

    fn ranks(&self) -> usize {
        self.0.ranks()
    }

    /// The exchange's all-gather concatenates; a length before each part splits it again.
    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        let mut framed = Vec::with_capacity(8 + mine.len());
        framed.extend_from_slice(&(mine.len() as u64).to_le_bytes());
        framed.extend_from_slice(mine);
        let all = self.0.all_gather(&framed);
        let mut parts = Vec::with_capacity(self.ranks());
        let mut at = 0;
        while at + 8 <= all.len() {
            let len = le_u64(&all[at..], 0) as usize;
            parts.push(all[at + 8..at + 8 + len].to_vec());
            at += 8 + len;
        }
        parts
    }

    fn all_to_all(&self, to: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        self.0.all_to_all(to)
    }
}

/// This rank's rows of the feature table as an attribution shard, when the run is split.
pub(crate) fn shard<'a>(ranks: &'a Ranks<'a>, part: &Partition) -> Option<Shard<'a>> {
    (part.ranks > 1).then_some(Shard {
        offset: part.owned.start,
        collective: ranks,
    })
}

// A rank's rows must be a valid attribution shard.
const _: () = assert!(
    emergent_sim::partition::PARTITION_ALIGN.is_multiple_of(emergent_attribution::SHARD_ALIGN)
);

/// Wait until every rank got here.
pub(crate) fn barrier(exchange: &dyn Exchange) {
    exchange.any(false);
}

/// Σ over ranks of `v` (every rank gets it).
pub(crate) fn sum_over_ranks(exchange: &dyn Exchange, v: u64) -> u64 {
    gather_u64(exchange, v).into_iter().sum()
}

/// Every rank's `v`, in rank order (every rank gets them).
pub(crate) fn gather_u64(exchange: &dyn Exchange, v: u64) -> Vec<u64> {
    let all = exchange.all_gather(&v.to_le_bytes());
    (0..all.len() / 8).map(|i| le_u64(&all, i)).collect()
}

/// The `i`-th little-endian word of `bytes` (what the ranks send each other).
pub(crate) fn le_u64(bytes: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[8 * i..8 * i + 8]);
    u64::from_le_bytes(w)
}

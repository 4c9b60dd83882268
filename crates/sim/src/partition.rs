//! Splitting one run over P processes (MPI ranks) so that it equals the single-process run.
//!
//! A rank owns a contiguous range of agent ids whose ends are multiples of [`PARTITION_ALIGN`]
//! (a multiple of this crate's reduction block and of the attribution crate's), so the block
//! partials of every global sum — in the dynamics and in the attribution of the recorded
//! features — are the same whatever P is.
//!
//! A rank holds only its own agents' state ([`World::restrict`](crate::World::restrict)) and
//! the items they authored. Each tick it fetches the other ranks' items its agents' feeds will
//! read ([`crate::halo`]), decides for its own agents (activity draw, feed, policy), checks
//! their actions and applies their effects on the actors
//! ([`World::apply_own`](crate::World::apply_own)), delivers what the actions do to state other
//! ranks own in one all-to-all ([`crate::delivery`]), and applies what it received
//! ([`World::apply_global`](crate::World::apply_global)); [`crate::tick::step_partitioned`] is
//! that tick. Because decisions read only the tick-t state and streams keyed by (seed, agent,
//! tick), every global sum is reduced in fixed blocks, and one process runs the same steps
//! (delivering to itself), every rank's state is bit for bit the
//! single-process state of its agents and items. Ranks talk through
//! [`emergent_collective::Collective`]. `docs/distributed.md` has the whole design
//! and what is left.

use std::ops::Range;

use crate::AgentId;
use crate::reduce::BLOCK;

/// Agent ids per partition unit: two of this crate's reduction blocks, one of the attribution
/// crate's (`emergent_attribution::SHARD_ALIGN`), so a rank's rows of the feature table are a
/// valid attribution shard.
pub const PARTITION_ALIGN: usize = 2 * BLOCK;

/// The agents one rank owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    /// This rank, `0..ranks`.
    pub rank: usize,
    /// Number of ranks.
    pub ranks: usize,
    /// Agent ids owned by this rank (possibly empty when there are more ranks than blocks).
    pub owned: Range<usize>,
}

impl Partition {
    /// The whole population in one process.
    pub fn single(agents: usize) -> Self {
        Self {
            rank: 0,
            ranks: 1,
            owned: 0..agents,
        }
    }

    /// Rank `rank` of `ranks`: units of [`PARTITION_ALIGN`] ids dealt out contiguously, as
    /// evenly as whole units allow.
    pub fn contiguous(agents: usize, ranks: usize, rank: usize) -> Self {
        assert!(ranks > 0 && rank < ranks, "rank {rank} of {ranks}");
        let units = agents.div_ceil(PARTITION_ALIGN);
        let edge = |r: usize| ((units * r / ranks) * PARTITION_ALIGN).min(agents);
        Self {
            rank,
            ranks,
            owned: edge(rank)..edge(rank + 1),
        }
    }

    /// The first agent of every rank, then `agents`: rank r owns `edges[r]..edges[r + 1]`.
    pub fn edges(agents: usize, ranks: usize) -> Vec<usize> {
        let mut e: Vec<usize> = (0..ranks)
            .map(|r| Self::contiguous(agents, ranks, r).owned.start)
            .collect();
        e.push(agents);
        e
    }

    /// Owned ids as agent ids.
    pub fn agent_range(&self) -> Range<AgentId> {
        self.owned.start as AgentId..self.owned.end as AgentId
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_tile_the_population_on_block_boundaries() {
        for agents in [0usize, 1, 4095, 4096, 4097, 10_000, 50_000] {
            for ranks in 1..=7 {
                let parts: Vec<_> = (0..ranks)
                    .map(|r| Partition::contiguous(agents, ranks, r))
                    .collect();
                assert_eq!(parts[0].owned.start, 0);
                assert_eq!(parts[ranks - 1].owned.end, agents);
                for w in parts.windows(2) {
                    assert_eq!(w[0].owned.end, w[1].owned.start);
                    assert!(w[0].owned.end == agents || w[0].owned.end % PARTITION_ALIGN == 0);
                }
            }
        }
        assert_eq!(Partition::contiguous(20_000, 2, 1).owned, 8192..20_000);
        assert_eq!(PARTITION_ALIGN % BLOCK, 0);
    }
}

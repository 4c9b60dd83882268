//! Splitting one run over P processes (MPI ranks) so that it equals the single-process run.
//!
//! A rank owns a contiguous range of agent ids whose ends are multiples of [`PARTITION_ALIGN`]
//! (a multiple of this crate's reduction block and of the attribution crate's), so the block
//! partials of every global sum — in the dynamics and in the attribution of the recorded
//! features — are the same whatever P is.
//!
//! A rank holds only its own agents' state ([`World::restrict`]) and the items they authored.
//! Each tick it fetches the other ranks' items its agents' feeds will read ([`crate::halo`]),
//! decides for its own agents (activity draw, feed, policy), checks their actions and applies
//! their effects on the actors ([`World::apply_own`]), delivers what the actions do to state
//! other ranks own in one all-to-all ([`crate::delivery`]), and applies what it received
//! ([`World::apply_global`]). Because decisions read only the tick-t state and streams keyed
//! by (seed, agent, tick), every global sum is reduced in fixed blocks, and one process runs
//! the same steps (delivering to itself), every rank's state is bit for bit the
//! single-process state of its agents and items. `docs/distributed.md` has the whole design
//! and what is left.

use std::ops::Range;

use crate::reduce::BLOCK;

/// Agent ids per partition unit: two of this crate's reduction blocks, one of the attribution
/// crate's (`emergent_attribution::SHARD_ALIGN`), so a rank's rows of the feature table are a
/// valid attribution shard.
pub const PARTITION_ALIGN: usize = 2 * BLOCK;
use crate::delivery;
use crate::halo::{self, Halo};
use crate::wire::WireError;
use crate::world::{TickReport, World};
use crate::{AgentId, Policy};

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

/// How ranks talk: the collectives a partitioned run needs. The MPI implementation is the
/// CLI's `mpi` module (feature `mpi`); [`Solo`] is the single process.
///
/// `Sync` because the attribution of a partitioned run shares it with its worker threads; the
/// collectives themselves are only ever called from the thread driving the run.
pub trait Exchange: Sync {
    /// This process's rank.
    fn rank(&self) -> usize;
    /// Number of ranks.
    fn ranks(&self) -> usize;
    /// Every rank's `mine`, concatenated in rank order, on every rank (an all-gather).
    fn all_gather(&self, mine: &[u8]) -> Vec<u8>;
    /// True on every rank if `flag` is true on any rank (an all-reduce with OR).
    fn any(&self, flag: bool) -> bool;
    /// `to[r]` goes to rank r; returns what every rank sent to this one, indexed by sender
    /// (an all-to-all, `MPI_Alltoallv`).
    fn all_to_all(&self, to: Vec<Vec<u8>>) -> Vec<Vec<u8>>;
}

/// One process: the all-gather is the identity.
pub struct Solo;

impl Exchange for Solo {
    fn rank(&self) -> usize {
        0
    }
    fn ranks(&self) -> usize {
        1
    }
    fn all_gather(&self, mine: &[u8]) -> Vec<u8> {
        mine.to_vec()
    }
    fn any(&self, flag: bool) -> bool {
        flag
    }
    fn all_to_all(&self, to: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        to
    }
}

/// What one partitioned tick cost, for the run's manifest and the scale evidence.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TickCost {
    /// Bytes this rank sent to other ranks (fetch requests and answers, deliveries).
    pub bytes_sent: u64,
    /// Bytes this rank received from other ranks.
    pub bytes_received: u64,
    /// Items fetched from other ranks for this rank's feeds.
    pub items_fetched: u64,
    /// Seconds drawing the active agents and fetching other ranks' items for their feeds
    /// (including waiting for the slowest rank).
    pub fetch_seconds: f64,
    /// Seconds deciding and running the owner step (own agents).
    pub decide_seconds: f64,
    /// Seconds in the delivery exchange (including waiting for the slowest rank).
    pub exchange_seconds: f64,
    /// Seconds in the global step (own items, deliveries received) and forgetting.
    pub apply_seconds: f64,
}

/// Bytes of `parts` other than the one at `me`.
fn foreign_bytes(parts: &[Vec<u8>], me: usize) -> u64 {
    parts
        .iter()
        .enumerate()
        .filter(|&(r, _)| r != me)
        .map(|(_, p)| p.len() as u64)
        .sum()
}

/// One tick of a partitioned run: fetch the other ranks' items the owned agents' feeds read
/// ([`crate::halo`]), decide and run the owner step for the owned agents, deliver what their
/// actions do to state other ranks own ([`crate::delivery`]), run the global step, forget
/// items no feed can show, and blank the fetched items. With [`Solo`] and
/// [`Partition::single`] this is exactly [`World::step`] (then the forgetting).
pub fn step_partitioned(
    world: &mut World,
    policy: &dyn Policy,
    part: &Partition,
    exchange: &dyn Exchange,
) -> Result<(TickReport, TickCost), WireError> {
    let (me, ranks) = (exchange.rank(), exchange.ranks());
    let edges = Partition::edges(world.agents(), ranks);
    let mut cost = TickCost::default();
    let t0 = std::time::Instant::now();
    let active = world.active_agents_in(part.agent_range());
    let fetched = if ranks > 1 {
        let requests = halo::requests(world, &active, &edges, me);
        cost.bytes_sent += foreign_bytes(&requests, me);
        let asked = exchange.all_to_all(requests);
        cost.bytes_received += foreign_bytes(&asked, me);
        let answers = halo::answer(world, &asked, me)?;
        cost.bytes_sent += foreign_bytes(&answers, me);
        let got = exchange.all_to_all(answers);
        cost.bytes_received += foreign_bytes(&got, me);
        halo::install(world, &got)?
    } else {
        Halo::default()
    };
    cost.items_fetched = fetched.items() as u64;
    let t1 = std::time::Instant::now();
    let mine = world.decide_for(policy, &active);
    let own = world.apply_own(&mine);
    let out = delivery::route(world, &own, me, &edges);
    cost.bytes_sent += foreign_bytes(&out, me);
    let t2 = std::time::Instant::now();
    let inbox = exchange.all_to_all(out);
    cost.bytes_received += foreign_bytes(&inbox, me);
    let t3 = std::time::Instant::now();
    let report = world.apply_global(&own, &inbox, me)?;
    world.forget_unseen_items();
    fetched.clear(world);
    let t4 = std::time::Instant::now();
    cost.fetch_seconds = (t1 - t0).as_secs_f64();
    cost.decide_seconds = (t2 - t1).as_secs_f64();
    cost.exchange_seconds = (t3 - t2).as_secs_f64();
    cost.apply_seconds = (t4 - t3).as_secs_f64();
    Ok((report, cost))
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

//! [`Collective`] over MPI, so `mpirun -np P emergent run --distributed` splits a
//! run over P processes. Only built with the CLI's `mpi` feature: it needs an MPI library
//! (Open MPI or MPICH) and libclang at build time.
//!
//! The rest of the engine never sees MPI: it asks a [`Collective`] for an all-gather of bytes,
//! an all-to-all of bytes and an all-reduce of a flag.

use emergent_collective::Collective;
use mpi::Count;
use mpi::collective::SystemOperation;
use mpi::datatype::{Partition, PartitionMut};
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

/// The MPI environment of this process; finalises MPI when dropped.
pub struct Mpi {
    _universe: Universe,
    world: SimpleCommunicator,
}

impl Mpi {
    /// Initialise MPI. `None` if it was already initialised in this process.
    pub fn init() -> Option<Self> {
        let universe = mpi::initialize()?;
        let world = universe.world();
        Some(Self {
            _universe: universe,
            world,
        })
    }

    /// End every rank of the job with `code`: the only safe way out when one rank fails while
    /// the others wait in a collective.
    pub fn abort(&self, code: i32) -> ! {
        self.world.abort(code)
    }
}

// SAFETY: MPI is initialised for one thread, and the engine calls collectives only from the
// thread that drives the run (the run loop, and the attribution's reductions, which run
// between its parallel passes); rayon workers hold a reference but never call through it.
unsafe impl Sync for Mpi {}

impl Collective for Mpi {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    fn ranks(&self) -> usize {
        self.world.size() as usize
    }

    /// Two collectives: an all-gather of the sizes, then an all-gather-v of the bytes, split
    /// by rank.
    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        let ranks = self.ranks();
        let own = Count::try_from(mine.len()).unwrap_or_else(|_| {
            panic!("a rank's decisions of one tick exceed 2 GiB; use more ranks")
        });
        let mut counts = vec![0 as Count; ranks];
        self.world.all_gather_into(&own, &mut counts[..]);
        let mut displs = Vec::with_capacity(ranks);
        let mut total: i64 = 0;
        for &c in &counts {
            displs.push(Count::try_from(total).unwrap_or_else(|_| {
                panic!(
                    "one tick's decisions exceed 2 GiB in all; use a smaller record or split ticks"
                )
            }));
            total += c as i64;
        }
        let mut all = vec![0u8; total as usize];
        {
            let mut part = PartitionMut::new(&mut all[..], &counts[..], &displs[..]);
            self.world.all_gather_varcount_into(mine, &mut part);
        }
        counts
            .iter()
            .zip(&displs)
            .map(|(&c, &d)| all[d as usize..(d + c) as usize].to_vec())
            .collect()
    }

    /// An all-to-all of the sizes, then an all-to-all-v of the bytes. Every part carries one
    /// leading byte so no message is empty: with zero-length parts, Open MPI 4's Alltoallv
    /// let a fast rank's next collective match a slow rank's pending empty receive
    /// (MPI_ERR_TRUNCATE with a rank that holds no agents).
    fn all_to_all(&self, to: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        let ranks = self.ranks();
        assert_eq!(to.len(), ranks, "one part per rank");
        let count = |n: usize| {
            Count::try_from(n).unwrap_or_else(|_| {
                panic!("an all-to-all exceeds 2 GiB between two ranks; use more ranks")
            })
        };
        let displs = |counts: &[Count]| -> Vec<Count> {
            let mut at = 0usize;
            counts
                .iter()
                .map(|&c| {
                    let d = count(at);
                    at += c as usize;
                    d
                })
                .collect()
        };
        let send_counts: Vec<Count> = to.iter().map(|p| count(p.len() + 1)).collect();
        let mut recv_counts = vec![0 as Count; ranks];
        self.world
            .all_to_all_into(&send_counts[..], &mut recv_counts[..]);
        let send_displs = displs(&send_counts);
        let recv_displs = displs(&recv_counts);
        let mut flat: Vec<u8> = Vec::with_capacity(send_counts.iter().map(|&c| c as usize).sum());
        for part in &to {
            flat.push(0);
            flat.extend_from_slice(part);
        }
        let total: usize = recv_counts.iter().map(|&c| c as usize).sum();
        let mut all = vec![0u8; total];
        {
            let send = Partition::new(&flat[..], &send_counts[..], &send_displs[..]);
            let mut recv = PartitionMut::new(&mut all[..], &recv_counts[..], &recv_displs[..]);
            self.world.all_to_all_varcount_into(&send, &mut recv);
        }
        recv_counts
            .iter()
            .zip(&recv_displs)
            .map(|(&c, &d)| all[d as usize + 1..(d + c) as usize].to_vec())
            .collect()
    }

    fn any(&self, flag: bool) -> bool {
        let mut out = 0u8;
        self.world
            .all_reduce_into(&(flag as u8), &mut out, SystemOperation::max());
        out != 0
    }
}

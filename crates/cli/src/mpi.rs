//! [`Exchange`] over MPI, so `mpirun -np P emergent run --distributed` splits a
//! run over P processes. Only built with the CLI's `mpi` feature: it needs an MPI library
//! (Open MPI or MPICH) and libclang at build time.
//!
//! The rest of the engine never sees MPI: it asks an [`Exchange`] for an all-gather of bytes
//! and an all-reduce of a flag, which is all a partitioned tick needs.

use emergent_sim::partition::Exchange;
use mpi::Count;
use mpi::collective::SystemOperation;
use mpi::datatype::PartitionMut;
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

impl Exchange for Mpi {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    fn ranks(&self) -> usize {
        self.world.size() as usize
    }

    /// Two collectives: an all-gather of the sizes, then an all-gather-v of the bytes.
    fn all_gather(&self, mine: &[u8]) -> Vec<u8> {
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
        let mut part = PartitionMut::new(&mut all[..], counts, displs);
        self.world.all_gather_varcount_into(mine, &mut part);
        all
    }

    fn any(&self, flag: bool) -> bool {
        let mut out = 0u8;
        self.world
            .all_reduce_into(&(flag as u8), &mut out, SystemOperation::max());
        out != 0
    }
}

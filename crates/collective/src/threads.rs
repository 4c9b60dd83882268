//! P ranks as threads of one process: the stand-in for MPI that the tests of every layer use
//! (and a library user can too), so a split run is checked against one process without
//! `mpirun`.

use std::sync::{Arc, Barrier, Mutex, MutexGuard};

use crate::Collective;

/// What the threads share: every collective posts into per-rank slots, waits for all, reads,
/// and waits again before the slots may be reused.
struct Hub {
    barrier: Barrier,
    /// `slots[from][to]`.
    slots: Mutex<Vec<Vec<Vec<u8>>>>,
}

impl Hub {
    /// The slots; a rank that panicked poisons nothing the others read (they fail on their
    /// own assertion or wait at the barrier, as an MPI job would).
    fn slots(&self) -> MutexGuard<'_, Vec<Vec<Vec<u8>>>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One rank of [`thread_ranks`]; move it into its thread.
pub struct ThreadRank {
    rank: usize,
    ranks: usize,
    hub: Arc<Hub>,
}

/// `p` ranks that talk through shared memory, in rank order. Each must run on its own
/// thread, and all of them must make the same collective calls.
pub fn thread_ranks(p: usize) -> Vec<ThreadRank> {
    let hub = Arc::new(Hub {
        barrier: Barrier::new(p),
        slots: Mutex::new(vec![Vec::new(); p]),
    });
    (0..p)
        .map(|rank| ThreadRank {
            rank,
            ranks: p,
            hub: hub.clone(),
        })
        .collect()
}

impl Collective for ThreadRank {
    fn rank(&self) -> usize {
        self.rank
    }

    fn ranks(&self) -> usize {
        self.ranks
    }

    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        self.all_to_all(vec![mine.to_vec(); self.ranks])
    }

    fn all_to_all(&self, to: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        assert_eq!(to.len(), self.ranks, "one part for every rank");
        self.hub.slots()[self.rank] = to;
        self.hub.barrier.wait();
        let got = {
            let slots = self.hub.slots();
            (0..self.ranks)
                .map(|from| slots[from][self.rank].clone())
                .collect()
        };
        self.hub.barrier.wait();
        got
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What one rank saw: its all-gather, its all-to-all, its `any`.
    type Seen = (Vec<Vec<u8>>, Vec<Vec<u8>>, bool);

    #[test]
    fn three_threads_gather_and_exchange_in_rank_order() {
        let got: Vec<Seen> = std::thread::scope(|s| {
            let handles: Vec<_> = thread_ranks(3)
                .into_iter()
                .map(|r| {
                    s.spawn(move || {
                        let me = r.rank() as u8;
                        let gathered = r.all_gather(&[me]);
                        let to = (0..3).map(|d| vec![10 * me + d]).collect();
                        (gathered, r.all_to_all(to), r.any(me == 2))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (rank, (gathered, received, any)) in got.into_iter().enumerate() {
            assert_eq!(gathered, vec![vec![0], vec![1], vec![2]]);
            let r = rank as u8;
            assert_eq!(received, vec![vec![r], vec![10 + r], vec![20 + r]]);
            assert!(any);
        }
    }
}

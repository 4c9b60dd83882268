//! A feature table split by rows over ranks (MPI processes), attributed as the whole table.
//!
//! Rank r holds rows `offset_r..offset_r + n_r` of one table; the ranks' row ranges follow each
//! other in rank order and every non-empty range starts at a multiple of [`SHARD_ALIGN`], the
//! reduction block of [`crate::reduce`]. A global sum is then each rank's block partials,
//! all-gathered and combined in block order — bit for bit the single-process sum, whatever the
//! number of ranks. Counts and means use the global row count, and gini's ranks come from a
//! distributed sample sort ([`crate::sample_sort`]). Every decision that can fail (a negative
//! gini score, a non-finite gradient) is made from all-reduced values, so all ranks return the
//! same result and none is left waiting in a collective.
//!
//! The crate stays free of I/O: ranks talk through the [`Collective`] trait
//! (`emergent-collective`), which the CLI implements over MPI and the tests over threads. Every
//! rank must make the same calls in the same order (they are collectives).

use emergent_collective::{Collective, le_u64};

use crate::error::AttributionError;
use crate::reduce::{BLOCK, Compensated, combine};

/// Rows per reduction block: a shard's first row must be a multiple of it.
pub const SHARD_ALIGN: usize = BLOCK;

/// Where this rank's rows sit in the whole table.
#[derive(Clone, Copy)]
pub struct Shard<'c> {
    /// Global index of this rank's first row (a multiple of [`SHARD_ALIGN`] unless the shard
    /// is empty).
    pub offset: usize,
    /// The ranks holding the table.
    pub collective: &'c dyn Collective,
}

/// The rows a computation runs over: all of a table in one process, or one shard of it.
pub(crate) struct Rows<'c> {
    /// Rows held here.
    pub(crate) n: usize,
    /// Global index of the first.
    pub(crate) offset: usize,
    /// Rows over all ranks.
    pub(crate) total: usize,
    /// Global index of each rank's first row, then `total`.
    pub(crate) starts: Vec<usize>,
    coll: Option<&'c dyn Collective>,
}

impl<'c> Rows<'c> {
    /// The whole table, here.
    pub(crate) fn local(n: usize) -> Self {
        Rows {
            n,
            offset: 0,
            total: n,
            starts: vec![0, n],
            coll: None,
        }
    }

    /// `n` rows at `shard`; checks (collectively) that the ranks' rows tile one table.
    pub(crate) fn sharded(n: usize, shard: &Shard<'c>) -> Result<Self, AttributionError> {
        let coll = shard.collective;
        let mut mine = Vec::with_capacity(16);
        put_u64(&mut mine, shard.offset as u64);
        put_u64(&mut mine, n as u64);
        let all: Vec<(usize, usize)> = coll
            .all_gather(&mine)
            .iter()
            .map(|b| (le_u64(b, 0) as usize, le_u64(b, 1) as usize))
            .collect();
        let mut starts = Vec::with_capacity(all.len() + 1);
        let mut at = 0;
        for (r, &(offset, len)) in all.iter().enumerate() {
            if len > 0 && (offset != at || !offset.is_multiple_of(SHARD_ALIGN)) {
                return Err(AttributionError::InvalidOption(format!(
                    "rank {r} holds rows {offset}..{} but the rows before it end at {at}: shards \
                     must follow each other in rank order and start at multiples of {SHARD_ALIGN}",
                    offset + len
                )));
            }
            starts.push(at);
            at += len;
        }
        starts.push(at);
        Ok(Rows {
            n,
            offset: starts[coll.rank()],
            total: at,
            starts,
            coll: Some(coll),
        })
    }

    /// True when other ranks hold part of the table.
    pub(crate) fn is_split(&self) -> bool {
        self.coll.is_some()
    }

    pub(crate) fn collective(&self) -> Option<&'c dyn Collective> {
        self.coll
    }

    /// The global sums of per-block partials, in global block order.
    pub(crate) fn combine<const M: usize>(&self, blocks: &[[Compensated; M]]) -> [f64; M] {
        let Some(coll) = self.coll else {
            return combine(blocks);
        };
        let mut mine = Vec::with_capacity(blocks.len() * M * 16);
        for b in blocks {
            for c in b {
                let (sum, err) = c.parts();
                put_f64(&mut mine, sum);
                put_f64(&mut mine, err);
            }
        }
        let all: Vec<[Compensated; M]> = coll
            .all_gather(&mine)
            .iter()
            .flat_map(|bytes| {
                (0..bytes.len() / (16 * M)).map(move |b| {
                    std::array::from_fn(|j| {
                        let at = (b * M + j) * 2;
                        Compensated::from_parts(get_f64(bytes, at), get_f64(bytes, at + 1))
                    })
                })
            })
            .collect();
        combine(&all)
    }

    /// As [`crate::reduce::block_sums`] over these rows: `f` sees local row ranges.
    pub(crate) fn block_sums<const M: usize, S, I, F>(&self, init: I, f: F) -> [f64; M]
    where
        I: Fn() -> S + Sync + Send,
        F: Fn(&mut S, usize, usize, &mut [Compensated; M]) + Sync + Send,
    {
        self.combine(&crate::reduce::block_partials(self.n, init, f))
    }

    /// As [`crate::reduce::sums_by`] over these rows (`f` takes a local row).
    pub(crate) fn sums_by<const M: usize, F>(&self, f: F) -> [f64; M]
    where
        F: Fn(usize) -> [f64; M] + Sync,
    {
        self.combine(&crate::reduce::sums_partials(self.n, f))
    }

    /// As [`crate::reduce::sum_by`] over these rows.
    pub(crate) fn sum_by<F>(&self, f: F) -> f64
    where
        F: Fn(usize) -> f64 + Sync,
    {
        self.sums_by::<1, _>(|i| [f(i)])[0]
    }

    /// The smallest of every rank's `local`.
    pub(crate) fn min(&self, local: f64) -> f64 {
        self.all_f64(local).fold(local, f64::min)
    }

    /// True on every rank if `flag` is true on any.
    pub(crate) fn any(&self, flag: bool) -> bool {
        self.all_f64(if flag { 1.0 } else { 0.0 }).any(|v| v != 0.0)
    }

    /// Every rank's `local` (just `local` in one process).
    fn all_f64(&self, local: f64) -> impl Iterator<Item = f64> {
        let all: Vec<f64> = match self.coll {
            None => vec![local],
            Some(c) => c
                .all_gather(&local.to_le_bytes())
                .iter()
                .map(|b| get_f64(b, 0))
                .collect(),
        };
        all.into_iter()
    }

    /// Every rank's `local` words, indexed by rank.
    pub(crate) fn all_u64s(&self, local: &[u64]) -> Vec<Vec<u64>> {
        let Some(c) = self.coll else {
            return vec![local.to_vec()];
        };
        let mut mine = Vec::with_capacity(local.len() * 8);
        for &v in local {
            put_u64(&mut mine, v);
        }
        c.all_gather(&mine)
            .iter()
            .map(|b| (0..b.len() / 8).map(|i| le_u64(b, i)).collect())
            .collect()
    }
}

/// Append `v` little-endian.
pub(crate) fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_f64(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn get_f64(bytes: &[u8], i: usize) -> f64 {
    f64::from_bits(le_u64(bytes, i))
}

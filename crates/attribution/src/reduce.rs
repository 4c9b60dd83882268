//! Deterministic reductions over agents.
//!
//! Sums run over fixed blocks of agent ids (`BLOCK`), compensated within a block, and the
//! block sums are combined in block order. The result depends on N only — not on the
//! thread count nor on how a future MPI run splits agents (block boundaries are global).

use rayon::prelude::*;

pub(crate) const BLOCK: usize = 8192;

/// Below this many agents a pass runs on the calling thread: handing a few blocks to rayon's
/// pool (inject, wake, wait) costs more than the arithmetic. The blocks and their order are
/// the same either way, and so are the results.
pub(crate) const PARALLEL_MIN: usize = 4 * BLOCK;

/// Scratch length for per-block buffers: a block, or all of a smaller table.
pub(crate) fn block_len(n: usize) -> usize {
    BLOCK.min(n).max(1)
}

/// `f(scratch, b)` for every block b of n agents, in block order, with scratch made by `init`
/// once per rayon job (or once, on the calling thread, below [`PARALLEL_MIN`]).
pub(crate) fn map_blocks<T, S, I, F>(n: usize, init: I, f: F) -> Vec<T>
where
    T: Send,
    I: Fn() -> S + Sync + Send,
    F: Fn(&mut S, usize) -> T + Sync + Send,
{
    let blocks = n.div_ceil(BLOCK);
    if n <= PARALLEL_MIN {
        let mut scratch = init();
        (0..blocks).map(|b| f(&mut scratch, b)).collect()
    } else {
        (0..blocks).into_par_iter().map_init(init, f).collect()
    }
}

/// Neumaier's compensated sum, which keeps ~1 ulp accuracy over millions of terms.
#[derive(Clone, Copy, Default)]
pub(crate) struct Compensated {
    sum: f64,
    c: f64,
}

impl Compensated {
    #[inline]
    pub(crate) fn add(&mut self, x: f64) {
        let t = self.sum + x;
        // Branch-free: both corrections are cheap, and a mispredicted branch is not.
        let e = if self.sum.abs() >= x.abs() {
            (self.sum - t) + x
        } else {
            (x - t) + self.sum
        };
        self.c += e;
        self.sum = t;
    }

    pub(crate) fn value(&self) -> f64 {
        self.sum + self.c
    }

    /// (running sum, compensation): what another rank needs to continue this sum exactly.
    pub(crate) fn parts(&self) -> (f64, f64) {
        (self.sum, self.c)
    }

    pub(crate) fn from_parts(sum: f64, c: f64) -> Self {
        Compensated { sum, c }
    }

    /// Add f(i) for i in lo..hi. Four interleaved lanes break the add-to-add dependency chain
    /// (about four times the throughput of one, enough to keep up with memory); they fold
    /// into `self` in lane order, so the result depends only on the range and the values.
    #[inline]
    pub(crate) fn add_range(&mut self, lo: usize, hi: usize, f: impl Fn(usize) -> f64) {
        let mut lanes = [Compensated::default(); 4];
        let mut i = lo;
        while i + 4 <= hi {
            lanes[0].add(f(i));
            lanes[1].add(f(i + 1));
            lanes[2].add(f(i + 2));
            lanes[3].add(f(i + 3));
            i += 4;
        }
        for j in i..hi {
            lanes[j - i].add(f(j));
        }
        for l in lanes {
            self.add(l.sum);
            self.add(l.c);
        }
    }

    /// Add every value of `xs`, as [`add_range`](Self::add_range).
    #[inline]
    pub(crate) fn add_slice(&mut self, xs: &[f64]) {
        self.add_range(0, xs.len(), |i| xs[i]);
    }
}

/// Σ_{i<n} f(i), deterministic and compensated.
pub(crate) fn sum_by<F>(n: usize, f: F) -> f64
where
    F: Fn(usize) -> f64 + Sync,
{
    sums_by::<1, _>(n, |i| [f(i)])[0]
}

/// Several sums in one pass: Σ_i f(i)[j] for each j.
pub(crate) fn sums_by<const M: usize, F>(n: usize, f: F) -> [f64; M]
where
    F: Fn(usize) -> [f64; M] + Sync,
{
    combine(&sums_partials(n, f))
}

/// The per-block partials behind [`sums_by`], in block order (for a shard's share of a sum).
pub(crate) fn sums_partials<const M: usize, F>(n: usize, f: F) -> Vec<[Compensated; M]>
where
    F: Fn(usize) -> [f64; M] + Sync,
{
    block_partials::<M, _, _, _>(
        n,
        || (),
        |_, lo, hi, acc| {
            // Four interleaved lanes per sum, as in `Compensated::add_range`.
            let mut lanes = [[Compensated::default(); M]; 4];
            let mut i = lo;
            while i + 4 <= hi {
                for (l, lane) in lanes.iter_mut().enumerate() {
                    let v = f(i + l);
                    for j in 0..M {
                        lane[j].add(v[j]);
                    }
                }
                i += 4;
            }
            for (l, k) in (i..hi).enumerate() {
                let v = f(k);
                for j in 0..M {
                    lanes[l][j].add(v[j]);
                }
            }
            for lane in lanes {
                for j in 0..M {
                    acc[j].add(lane[j].sum);
                    acc[j].add(lane[j].c);
                }
            }
        },
    )
}

/// The block-structured reduction behind [`sums_by`], for callers that produce a block's terms
/// themselves (evaluating a tape over the block into scratch space, say): `f(scratch, lo, hi,
/// acc)` must add the terms of agents `lo..hi` into `acc` in index order. `init` makes the
/// scratch, once per rayon job rather than once per block. Same blocks, same order as
/// [`sums_by`]; [`combine`] (or `Rows::combine` across ranks) finishes the sum.
pub(crate) fn block_partials<const M: usize, S, I, F>(
    n: usize,
    init: I,
    f: F,
) -> Vec<[Compensated; M]>
where
    I: Fn() -> S + Sync + Send,
    F: Fn(&mut S, usize, usize, &mut [Compensated; M]) + Sync + Send,
{
    map_blocks(n, init, |scratch, b| {
        let mut acc = [Compensated::default(); M];
        f(scratch, b * BLOCK, ((b + 1) * BLOCK).min(n), &mut acc);
        acc
    })
}

/// Combine per-block compensated sums in block order, carrying both parts of each.
pub(crate) fn combine<const M: usize>(blocks: &[[Compensated; M]]) -> [f64; M] {
    let mut acc = [Compensated::default(); M];
    for b in blocks {
        for j in 0..M {
            acc[j].add(b[j].sum);
            acc[j].add(b[j].c);
        }
    }
    acc.map(|a| a.value())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensated_sum_survives_cancellation() {
        // 1e16, 1, −1e16, 1e16, 1, −1e16, …: a naive sum loses every 1.
        let n = 99_999;
        let s = sum_by(n, |i| [1e16, 1.0, -1e16][i % 3]);
        assert_eq!(s, (n / 3) as f64);
    }

    #[test]
    fn same_result_on_one_and_two_threads() {
        let f = |i: usize| ((i as f64) * 0.37).sin() * 1e3;
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| sum_by(50_000, f));
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(|| sum_by(50_000, f));
        assert_eq!(one.to_bits(), two.to_bits());
    }
}

//! Agents ranked by a non-negative score, for gini: the sort behind its value, its gradient
//! and its closed form.
//!
//! The result must not depend on the thread count, so agents are ordered by (score, id) — a
//! total order with one answer — with stable LSD radix sorts. Scores are usually counts
//! (posts, replies, followers): their f64 bit patterns differ in few bits, so when the bits
//! that vary fit in 32, (varying bits, id) is packed into one u64 and sorted in two or three
//! parallel passes over 8 bytes an agent. Other scores sort (key, id) pairs.

use rayon::prelude::*;

/// The sort key of a non-negative score: non-negative f64s order like their bit patterns, and
/// +0.0 folds −0.0 in.
#[inline]
pub(crate) fn score_key(v: f64) -> u64 {
    (v + 0.0).to_bits()
}

/// Agent ids in ascending (score, id) order from the last ranking of one aggregate.
///
/// Along a path the order rarely changes, and never for an affine score from a constant
/// baseline (every score moves as s' + α(s − s'), an order-preserving map for α > 0): checking
/// the old order (one parallel pass) then replaces the sort at every quadrature node.
#[derive(Default)]
pub(crate) struct RankCache(std::sync::Mutex<Vec<u32>>);

impl RankCache {
    fn take(&self) -> Vec<u32> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn store(&self, order: Vec<u32>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = order;
    }
}

/// Agents in ascending (score, id) order.
pub(crate) enum Ranked {
    /// (the score bits that vary across agents) << 32 | id, sorted.
    Packed(Vec<u64>),
    /// (score key, id), sorted.
    Pairs(Vec<(u64, u32)>),
    /// Ids with their score keys, in order.
    Order { ids: Vec<u32>, keys: Vec<u64> },
}

impl Ranked {
    /// Rank `s`, reusing `cache`'s order when it still holds and leaving the new one there.
    pub(crate) fn of(s: &[f64], cache: Option<&RankCache>) -> Ranked {
        if let Some(cache) = cache {
            let ids = cache.take();
            if ids.len() == s.len() && !ids.is_empty() {
                let in_order = |t: usize, keys: &[u64]| {
                    keys[t] < keys[t + 1] || (keys[t] == keys[t + 1] && ids[t] < ids[t + 1])
                };
                let (keys, sorted) = if s.len() <= crate::reduce::PARALLEL_MIN {
                    let keys: Vec<u64> = ids.iter().map(|&i| score_key(s[i as usize])).collect();
                    let sorted = (0..ids.len() - 1).all(|t| in_order(t, &keys));
                    (keys, sorted)
                } else {
                    let mut keys: Vec<u64> = crate::buf::with_capacity(ids.len());
                    keys.par_extend(ids.par_iter().map(|&i| score_key(s[i as usize])));
                    let sorted = (0..ids.len() - 1)
                        .into_par_iter()
                        .all(|t| in_order(t, &keys));
                    (keys, sorted)
                };
                if sorted {
                    return Ranked::Order { ids, keys };
                }
            }
        }
        sort(s)
    }

    /// (equality key, id) of rank position t (0-based): equal keys ⇔ equal scores.
    #[inline]
    pub(crate) fn at(&self, t: usize) -> (u64, u32) {
        match self {
            Ranked::Packed(v) => (v[t] >> 32, v[t] as u32),
            Ranked::Pairs(v) => v[t],
            Ranked::Order { ids, keys } => (keys[t], ids[t]),
        }
    }

    /// Leave the order in `cache` for the next ranking.
    pub(crate) fn keep_in(self, cache: Option<&RankCache>) {
        let Some(cache) = cache else { return };
        let ids = match self {
            Ranked::Order { ids, .. } => ids,
            Ranked::Packed(v) => {
                let mut ids = crate::buf::with_capacity(v.len());
                ids.par_extend(v.par_iter().map(|p| *p as u32));
                ids
            }
            Ranked::Pairs(v) => {
                let mut ids = crate::buf::with_capacity(v.len());
                ids.par_extend(v.par_iter().map(|p| p.1));
                ids
            }
        };
        cache.store(ids);
    }
}

/// Sort by (score, id).
fn sort(s: &[f64]) -> Ranked {
    let n = s.len();
    if n <= crate::reduce::PARALLEL_MIN {
        // Small: a comparison sort on the calling thread beats waking the pool.
        let mut pairs: Vec<(u64, u32)> = s
            .iter()
            .enumerate()
            .map(|(i, v)| (score_key(*v), i as u32))
            .collect();
        pairs.sort_unstable();
        return Ranked::Pairs(pairs);
    }
    // Bits on which some keys differ: only those need sorting.
    let (and, or) = s
        .par_iter()
        .map(|v| {
            let k = score_key(*v);
            (k, k)
        })
        .reduce(|| (u64::MAX, 0), |a, b| (a.0 & b.0, a.1 | b.1));
    let varying = and ^ or;
    if varying == 0 || n < 2 {
        let mut keys = crate::buf::with_capacity(n);
        keys.resize(n, and);
        return Ranked::Order {
            ids: (0..n as u32).collect(),
            keys,
        };
    }
    let lo = varying.trailing_zeros();
    let width = 64 - varying.leading_zeros() - lo;
    if width <= 32 && n <= u32::MAX as usize {
        let mask = if width == 32 {
            u32::MAX as u64
        } else {
            (1u64 << width) - 1
        };
        let mut v: Vec<u64> = crate::buf::with_capacity(n);
        v.par_extend(
            s.par_iter()
                .enumerate()
                .map(|(i, x)| ((score_key(*x) >> lo) & mask) << 32 | i as u64),
        );
        radix_sort_u64(&mut v, 32, width);
        Ranked::Packed(v)
    } else {
        let mut pairs: Vec<(u64, u32)> = crate::buf::with_capacity(n);
        pairs.par_extend(
            s.par_iter()
                .enumerate()
                .map(|(i, v)| (score_key(*v), i as u32)),
        );
        radix_sort_pairs(&mut pairs);
        Ranked::Pairs(pairs)
    }
}

/// A pointer the scatter threads share; each writes a disjoint set of positions.
#[derive(Clone, Copy)]
struct Dest(*mut u64);
// SAFETY: only used by `radix_sort_u64`, whose threads write disjoint positions.
unsafe impl Send for Dest {}
unsafe impl Sync for Dest {}

impl Dest {
    /// Position i of the destination (a method, so closures capture the whole `Dest`).
    fn at(&self, i: usize) -> *mut u64 {
        self.0.wrapping_add(i)
    }
}

/// Stable LSD radix sort of `v` by bits `from..from + width`, in parallel: each of a fixed
/// number of contiguous chunks scatters into its own slots of each bucket (chunk c's items of
/// bucket b land after chunks 0..c's), so the result is the stable sort whatever the threads.
fn radix_sort_u64(v: &mut Vec<u64>, from: u32, width: u32) {
    const MAX_BITS: u32 = 11;
    let n = v.len();
    let passes = width.div_ceil(MAX_BITS);
    let bits = width.div_ceil(passes);
    let buckets = 1usize << bits;
    // A fixed chunk count: enough for 2–8 threads, and independent of the thread count.
    let chunk = n.div_ceil(16).max(1 << 14);
    let mut tmp: Vec<u64> = crate::buf::with_capacity(n);
    for p in 0..passes {
        let shift = from + p * bits;
        let digit = move |x: u64| ((x >> shift) as usize) & (buckets - 1);
        let hists: Vec<Vec<usize>> = v
            .par_chunks(chunk)
            .map(|c| {
                let mut h = vec![0usize; buckets];
                for &x in c {
                    h[digit(x)] += 1;
                }
                h
            })
            .collect();
        // Starting slot of each (chunk, bucket): buckets in order, chunks in order within.
        let mut starts = vec![vec![0usize; buckets]; hists.len()];
        let mut at = 0;
        for b in 0..buckets {
            for (c, h) in hists.iter().enumerate() {
                starts[c][b] = at;
                at += h[b];
            }
        }
        debug_assert_eq!(at, n);
        let dest = Dest(tmp.as_mut_ptr());
        v.par_chunks(chunk)
            .zip(starts.into_par_iter())
            .for_each(|(c, mut slot)| {
                for &x in c {
                    let b = digit(x);
                    // SAFETY: `tmp` has capacity n; the (chunk, bucket) slot ranges partition
                    // 0..n, and this chunk alone advances through its own ranges.
                    unsafe { dest.at(slot[b]).write(x) };
                    slot[b] += 1;
                }
            });
        // SAFETY: every position in 0..n was written exactly once just above.
        unsafe { tmp.set_len(n) };
        std::mem::swap(v, &mut tmp);
        tmp.clear();
    }
}

/// Sort (key, index) pairs by key, ties in index order, with an LSD radix sort on 11-bit
/// digits. The pairs arrive in index order and every pass is stable, so the result equals
/// sorting by (key, index). Digits on which all keys agree are skipped.
fn radix_sort_pairs(v: &mut Vec<(u64, u32)>) {
    const BITS: u32 = 11;
    const DIGITS: usize = 64usize.div_ceil(BITS as usize);
    const BUCKETS: usize = 1 << BITS;
    let n = v.len();
    if n < 2 {
        return;
    }
    let digit = |key: u64, d: usize| ((key >> (d as u32 * BITS)) as usize) & (BUCKETS - 1);
    // All digits' histograms in one parallel pass (integer counts: order-independent).
    let mut hist = v
        .par_chunks(1 << 16)
        .map(|chunk| {
            let mut hist = vec![[0usize; BUCKETS]; DIGITS];
            for &(key, _) in chunk {
                for (d, h) in hist.iter_mut().enumerate() {
                    h[digit(key, d)] += 1;
                }
            }
            hist
        })
        .reduce_with(|mut a, b| {
            for (ha, hb) in a.iter_mut().zip(&b) {
                for (x, y) in ha.iter_mut().zip(hb) {
                    *x += y;
                }
            }
            a
        })
        .expect("n ≥ 2");
    let mut tmp: Vec<(u64, u32)> = crate::buf::with_capacity(n);
    tmp.resize(n, (0, 0));
    for (d, h) in hist.iter_mut().enumerate() {
        if h.contains(&n) {
            continue; // every key has the same digit here
        }
        let mut at = 0;
        for c in h.iter_mut() {
            let count = *c;
            *c = at;
            at += count;
        }
        for &(key, i) in v.iter() {
            let b = digit(key, d);
            tmp[h[b]] = (key, i);
            h[b] += 1;
        }
        std::mem::swap(v, &mut tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xorshift(n: usize, f: impl Fn(usize, u64) -> f64) -> Vec<f64> {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                f(i, x)
            })
            .collect()
    }

    fn want(s: &[f64]) -> Vec<(u64, u32)> {
        let mut w: Vec<(u64, u32)> = s
            .iter()
            .enumerate()
            .map(|(i, v)| (score_key(*v), i as u32))
            .collect();
        w.sort_unstable();
        w
    }

    fn got(r: &Ranked, s: &[f64]) -> Vec<(u64, u32)> {
        (0..s.len())
            .map(|t| {
                let (_, id) = r.at(t);
                (score_key(s[id as usize]), id)
            })
            .collect()
    }

    /// Counts (packed), continuous values (pairs), ties, zeros, one agent, all equal: every
    /// ranking equals sorting by (score, id), on any thread count.
    #[test]
    fn rankings_equal_sorting_by_score_then_id() {
        let cases: Vec<Vec<f64>> = vec![
            xorshift(100_000, |_, x| (x % 5000) as f64),
            xorshift(70_000, |i, x| match i % 4 {
                0 => (x % 50) as f64,
                1 => (x >> 11) as f64 / (1u64 << 53) as f64 * 1e6,
                2 => 0.0,
                _ => ((x % 7) as f64).powi(5),
            }),
            xorshift(5_000, |_, x| if x % 3 == 0 { -0.0 } else { 0.5 }),
            vec![3.0],
            vec![2.0; 1000],
        ];
        for s in &cases {
            let w = want(s);
            for threads in [1, 3] {
                let r = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| sort(s));
                assert_eq!(got(&r, s), w);
                // Equal keys exactly where scores tie.
                for t in 1..s.len() {
                    let tie =
                        score_key(s[r.at(t).1 as usize]) == score_key(s[r.at(t - 1).1 as usize]);
                    assert_eq!(r.at(t).0 == r.at(t - 1).0, tie);
                }
            }
        }
        // The packed path ran for counts, the pairs path for continuous values.
        assert!(matches!(sort(&cases[0]), Ranked::Packed(_)));
        assert!(matches!(sort(&cases[1]), Ranked::Pairs(_)));
    }

    #[test]
    fn the_cache_is_reused_while_it_holds_and_replaced_when_not() {
        let s = xorshift(50_000, |_, x| (x % 300) as f64);
        let cache = RankCache::default();
        Ranked::of(&s, Some(&cache)).keep_in(Some(&cache));
        // An order-preserving change of the scores: the cached order is confirmed.
        let scaled: Vec<f64> = s.iter().map(|v| 2.0 * v + 1.0).collect();
        let r = Ranked::of(&scaled, Some(&cache));
        assert!(matches!(r, Ranked::Order { .. }));
        assert_eq!(got(&r, &scaled), want(&scaled));
        r.keep_in(Some(&cache));
        // A reversal: sorted afresh.
        let flipped: Vec<f64> = s.iter().map(|v| 1000.0 - v).collect();
        let r = Ranked::of(&flipped, Some(&cache));
        assert!(!matches!(r, Ranked::Order { .. }));
        assert_eq!(got(&r, &flipped), want(&flipped));
    }
}

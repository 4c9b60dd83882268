//! Global ranks of a table split over ranks, by sample sort.
//!
//! Every row has a key (its score's order-preserving bits) and its global row id; (key, id)
//! is a total order with one answer, so the global position of a row — and the run of rows
//! sharing its key — do not depend on how the table is split. The sort: each rank sorts its
//! rows, P − 1 regularly spaced samples per rank are all-gathered and P − 1 splitters taken
//! from them, one all-to-all sends every row to the rank of its key range, each rank sorts
//! what it received, and an all-gather of the bucket sizes and edge runs places every bucket
//! and every tie run in the global order. A second all-to-all sends each row's position back
//! to the rank that holds it.

use emergent_collective::{Collective, le_u64};
use rayon::prelude::*;

use crate::shard::{Rows, put_u64};

/// Where one row landed in the global (key, id) order: its position and the positions
/// `[run_start, run_end)` of the rows that share its key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Placed {
    pub(crate) pos: u64,
    pub(crate) run_start: u64,
    pub(crate) run_end: u64,
}

/// 2·(mid-rank) − N − 1 of each local row of `s` in ascending score order (gini's
/// coefficients), from the global order of all ranks' rows.
pub(crate) fn mid_rank_coefs(s: &[f64], rows: &Rows) -> Vec<f64> {
    let keys: Vec<u64> = s.par_iter().map(|v| crate::ranks::score_key(*v)).collect();
    let n = rows.total as f64;
    global_order(&keys, rows)
        .into_par_iter()
        .map(|p| (p.run_start + 1 + p.run_end) as f64 - n - 1.0)
        .collect()
}

/// The place of each local row in the ascending (key, global id) order over every rank.
pub(crate) fn global_order(keys: &[u64], rows: &Rows) -> Vec<Placed> {
    let Some(coll) = rows.collective() else {
        return local_order(keys);
    };
    let p = coll.ranks();
    let mut mine: Vec<(u64, u64)> = keys
        .par_iter()
        .enumerate()
        .map(|(i, &k)| (k, (rows.offset + i) as u64))
        .collect();
    mine.par_sort_unstable();
    let splitters = splitters(&mine, coll);
    // Bucket r holds the keys in [splitter r − 1, splitter r).
    let mut cuts = vec![0usize];
    cuts.extend(
        splitters
            .iter()
            .map(|sp| mine.partition_point(|pair| pair < sp)),
    );
    cuts.push(mine.len());
    let outgoing = (0..p)
        .map(|r| encode(&mine[cuts[r]..cuts[r + 1]]))
        .collect();
    drop(mine);
    let mut bucket: Vec<(u64, u64)> = coll
        .all_to_all(outgoing)
        .iter()
        .flat_map(|b| decode(b))
        .collect();
    bucket.par_sort_unstable();
    let placed = place(&bucket, rows);
    // Send (id, place) home to the rank holding row `id`.
    let mut home: Vec<Vec<u8>> = vec![Vec::new(); p];
    for (&(_, id), pl) in bucket.iter().zip(&placed) {
        let owner = rows.starts.partition_point(|&s| s as u64 <= id) - 1;
        let out = &mut home[owner];
        put_u64(out, id);
        put_u64(out, pl.pos);
        put_u64(out, pl.run_start);
        put_u64(out, pl.run_end);
    }
    let mut out = vec![Placed::default(); rows.n];
    for b in coll.all_to_all(home) {
        for w in 0..b.len() / 32 {
            let id = le_u64(&b, w * 4) as usize;
            out[id - rows.offset] = Placed {
                pos: le_u64(&b, w * 4 + 1),
                run_start: le_u64(&b, w * 4 + 2),
                run_end: le_u64(&b, w * 4 + 3),
            };
        }
    }
    out
}

/// One process: sort and walk the runs.
fn local_order(keys: &[u64]) -> Vec<Placed> {
    let mut order: Vec<(u64, u64)> = keys
        .par_iter()
        .enumerate()
        .map(|(i, &k)| (k, i as u64))
        .collect();
    order.par_sort_unstable();
    let mut out = vec![Placed::default(); keys.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && order[end].0 == order[start].0 {
            end += 1;
        }
        for (t, &(_, id)) in order.iter().enumerate().take(end).skip(start) {
            out[id as usize] = Placed {
                pos: t as u64,
                run_start: start as u64,
                run_end: end as u64,
            };
        }
        start = end;
    }
    out
}

/// P − 1 splitters from P − 1 regular samples of every rank's sorted rows.
fn splitters(sorted: &[(u64, u64)], coll: &dyn Collective) -> Vec<(u64, u64)> {
    let p = coll.ranks();
    let samples: Vec<(u64, u64)> = if sorted.is_empty() {
        Vec::new()
    } else {
        (1..p).map(|j| sorted[j * sorted.len() / p]).collect()
    };
    let mut all: Vec<(u64, u64)> = coll
        .all_gather(&encode(&samples))
        .iter()
        .flat_map(|b| decode(b))
        .collect();
    all.sort_unstable();
    if all.is_empty() {
        return vec![(u64::MAX, u64::MAX); p - 1];
    }
    (1..p).map(|j| all[j * all.len() / p]).collect()
}

/// The places of this rank's sorted bucket in the global order: buckets follow each other in
/// rank order, and a run of equal keys may continue across (possibly empty) buckets.
fn place(bucket: &[(u64, u64)], rows: &Rows) -> Vec<Placed> {
    let len = bucket.len();
    // (size, first key, length of the first run, last key, length of the last run).
    let lead = bucket.iter().take_while(|e| e.0 == bucket[0].0).count();
    let trail = bucket
        .iter()
        .rev()
        .take_while(|e| e.0 == bucket[len - 1].0)
        .count();
    let summary = if len == 0 {
        [0, 0, 0, 0, 0]
    } else {
        [
            len as u64,
            bucket[0].0,
            lead as u64,
            bucket[len - 1].0,
            trail as u64,
        ]
    };
    let all = rows.all_u64s(&summary);
    let me = rows.collective().map_or(0, |c| c.rank());
    let base: u64 = all[..me].iter().map(|s| s[0]).sum();
    let mut out = Vec::with_capacity(len);
    let mut start = 0;
    while start < len {
        let key = bucket[start].0;
        let mut end = start + 1;
        while end < len && bucket[end].0 == key {
            end += 1;
        }
        let mut run_start = base + start as u64;
        if start == 0 {
            for s in all[..me].iter().rev().filter(|s| s[0] > 0) {
                if s[3] != key {
                    break;
                }
                run_start -= s[4];
                if s[2] != s[0] {
                    break; // the run starts inside that bucket
                }
            }
        }
        let mut run_end = base + end as u64;
        if end == len {
            for s in all[me + 1..].iter().filter(|s| s[0] > 0) {
                if s[1] != key {
                    break;
                }
                run_end += s[2];
                if s[2] != s[0] {
                    break;
                }
            }
        }
        for t in start..end {
            out.push(Placed {
                pos: base + t as u64,
                run_start,
                run_end,
            });
        }
        start = end;
    }
    out
}

fn encode(pairs: &[(u64, u64)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(pairs.len() * 16);
    for &(k, id) in pairs {
        put_u64(&mut out, k);
        put_u64(&mut out, id);
    }
    out
}

fn decode(bytes: &[u8]) -> impl Iterator<Item = (u64, u64)> + '_ {
    (0..bytes.len() / 16).map(move |w| (le_u64(bytes, 2 * w), le_u64(bytes, 2 * w + 1)))
}

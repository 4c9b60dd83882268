//! Stochastic block model: communities with dense inside and sparse across
//! links, the substrate for polarization.

use super::community::{community_of, community_start};
use super::graph::Network;
use crate::rng::AgentRng;

/// Directed SBM on `n` nodes in `communities` contiguous blocks: `u -> v` with
/// probability `p_in` inside a block, `p_out` across. Each row skips over
/// absent edges geometrically, so the cost is O(n·communities + edges), never
/// O(n²). Rows are generated in parallel from per-row keyed streams.
pub fn stochastic_block_model(
    n: usize,
    communities: usize,
    p_in: f64,
    p_out: f64,
    seed: u64,
) -> Network {
    Network::from_rows(n, seed, false, sbm_row(n, communities, p_in, p_out))
}

/// Row `u` (followees) of [`stochastic_block_model`].
pub(crate) fn sbm_row(
    n: usize,
    communities: usize,
    p_in: f64,
    p_out: f64,
) -> impl Fn(u32, &mut AgentRng, &mut Vec<u32>) + Sync {
    let c = communities.max(1);
    let starts: Vec<usize> = (0..=c).map(|k| community_start(k, n, c)).collect();
    move |u, rng, buf| {
        let home = community_of(u as usize, n, c) as usize;
        for b in 0..c {
            let p = if b == home { p_in } else { p_out };
            if p <= 0.0 {
                continue;
            }
            let (lo, hi) = (starts[b] as u64, starts[b + 1] as u64);
            let mut v = lo;
            loop {
                let skip = rng.geometric_skip(p);
                v = v.saturating_add(skip);
                if v >= hi {
                    break;
                }
                buf.push(v as u32); // self-loops are dropped by from_rows
                v += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::community_of;

    #[test]
    fn block_densities_match_p_in_and_p_out() {
        let (n, c, p_in, p_out) = (6000, 3, 0.02, 0.002);
        let g = stochastic_block_model(n, c, p_in, p_out, 3);
        let (mut inside, mut across) = (0usize, 0usize);
        for u in 0..n as u32 {
            for &v in g.followees(u) {
                if community_of(u as usize, n, c) == community_of(v as usize, n, c) {
                    inside += 1;
                } else {
                    across += 1;
                }
            }
        }
        let size = (n / c) as f64;
        let pairs_in = c as f64 * size * (size - 1.0);
        let pairs_out = n as f64 * (n as f64 - size);
        let d_in = inside as f64 / pairs_in;
        let d_out = across as f64 / pairs_out;
        assert!((d_in / p_in - 1.0).abs() < 0.03, "in-density {d_in}");
        assert!((d_out / p_out - 1.0).abs() < 0.03, "out-density {d_out}");
    }

    #[test]
    fn independent_of_thread_count() {
        let build = |k| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(k)
                .build()
                .unwrap()
                .install(|| stochastic_block_model(20_000, 4, 0.001, 0.0001, 9))
        };
        assert_eq!(build(1), build(2));
    }
}

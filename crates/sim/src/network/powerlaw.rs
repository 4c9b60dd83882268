//! Heavy-tailed configuration model: follower counts drawn from a power law,
//! followers picked uniformly. This is the shape of Bluesky-like platforms
//! (few accounts with huge audiences, everyone following a modest number).

use super::graph::Network;
use crate::rng::AgentRng;

/// Follower counts `k >= min_degree` with `P(k) ∝ k^-exponent` (a discretised
/// continuous Pareto, capped at `max_degree` and `n - 1`), followers sampled
/// uniformly without replacement. Rows are generated in parallel.
/// The mean degree is about `min_degree·(exponent-1)/(exponent-2)` for
/// `exponent > 2` when the cap does not bind.
pub fn powerlaw_configuration(
    n: usize,
    exponent: f64,
    min_degree: usize,
    max_degree: usize,
    seed: u64,
) -> Network {
    Network::from_rows(
        n,
        seed,
        true,
        powerlaw_row(n, exponent, min_degree, max_degree),
    )
}

/// Row `v` (followers) of [`powerlaw_configuration`].
pub(crate) fn powerlaw_row(
    n: usize,
    exponent: f64,
    min_degree: usize,
    max_degree: usize,
) -> impl Fn(u32, &mut AgentRng, &mut Vec<u32>) + Sync {
    let cap = max_degree.min(n.saturating_sub(1));
    let k_min = min_degree as f64;
    move |v, rng, buf| {
        if cap == 0 {
            return;
        }
        // Inverse-CDF of the continuous Pareto on [k_min - 1/2, ∞), rounded:
        // its discretisation has the requested exponent from k_min upward.
        let x = (k_min - 0.5) * rng.next_f64_open0().powf(-1.0 / (exponent - 1.0));
        let k = (x.round() as usize).clamp(min_degree.min(cap), cap);
        if 2 * k > n {
            // Dense row: pick by rejection from the complement is slower than
            // a partial shuffle, so shuffle.
            let mut all: Vec<u32> = (0..n as u32).filter(|&u| u != v).collect();
            for i in 0..k {
                let j = i + rng.below((all.len() - i) as u64) as usize;
                all.swap(i, j);
            }
            buf.extend_from_slice(&all[..k]);
            return;
        }
        // Sparse row: draw, sort, dedup, top up until k distinct.
        loop {
            while buf.len() < k {
                let u = rng.below(n as u64) as u32;
                if u != v {
                    buf.push(u);
                }
            }
            buf.sort_unstable();
            buf.dedup();
            if buf.len() >= k {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::stats::hill_exponent;

    #[test]
    fn follower_counts_follow_the_requested_exponent() {
        let n = 100_000;
        for exponent in [2.2, 2.6, 3.0] {
            let g = powerlaw_configuration(n, exponent, 5, 10_000, 2);
            let followers: Vec<usize> = (0..n as u32).map(|v| g.follower_count(v)).collect();
            let gamma = hill_exponent(&followers, 5);
            assert!(
                (gamma - exponent).abs() < 0.1,
                "wanted {exponent}, got {gamma}"
            );
            assert!(followers.iter().all(|&k| k >= 5));
        }
    }
}

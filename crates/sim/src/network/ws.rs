//! Watts–Strogatz small world: a ring lattice with a few shortcuts, high
//! clustering and short paths.

use super::graph::Network;
use crate::rng::AgentRng;

/// Each node follows its `k` nearest ring neighbours (`k/2` on each side);
/// each of those links is redirected with probability `beta` to a uniformly
/// random node. Redirects avoid self-loops and duplicates, so every node
/// follows exactly `k` accounts and the mean degree is exactly `k`.
pub fn watts_strogatz(n: usize, k: usize, beta: f64, seed: u64) -> Network {
    Network::from_rows(n, seed, false, ws_row(n, k, beta))
}

/// Row `u` (followees) of [`watts_strogatz`].
pub(crate) fn ws_row(
    n: usize,
    k: usize,
    beta: f64,
) -> impl Fn(u32, &mut AgentRng, &mut Vec<u32>) + Sync {
    let half = (k / 2).min(n.saturating_sub(1) / 2);
    move |u, rng, buf| {
        let u = u as usize;
        let lattice = |j: usize| {
            let d = j / 2 + 1;
            if j.is_multiple_of(2) {
                (u + d) % n
            } else {
                (u + n - d) % n
            }
        };
        let mut keep: Vec<u32> = Vec::with_capacity(2 * half);
        let mut rewired = 0usize;
        for j in 0..2 * half {
            if rng.chance(beta) {
                rewired += 1;
            } else {
                keep.push(lattice(j) as u32);
            }
        }
        buf.extend_from_slice(&keep);
        while rewired > 0 {
            let v = rng.below(n as u64) as u32;
            if v as usize != u && !buf.contains(&v) {
                buf.push(v);
                rewired -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mean local clustering coefficient of the undirected version.
    fn clustering(g: &Network) -> f64 {
        let n = g.len();
        let neighbours: Vec<Vec<u32>> = (0..n as u32)
            .map(|u| {
                let mut v: Vec<u32> = g
                    .followees(u)
                    .iter()
                    .chain(g.followers(u))
                    .copied()
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        let mut total = 0.0;
        for nb in &neighbours {
            let d = nb.len();
            if d < 2 {
                continue;
            }
            let mut links = 0usize;
            for (i, &a) in nb.iter().enumerate() {
                for &b in &nb[i + 1..] {
                    if neighbours[a as usize].binary_search(&b).is_ok() {
                        links += 1;
                    }
                }
            }
            total += links as f64 / (d * (d - 1) / 2) as f64;
        }
        total / n as f64
    }

    #[test]
    fn mean_degree_is_exact_and_clustering_high_at_small_beta() {
        let (n, k) = (5000, 10);
        let lattice_like = watts_strogatz(n, k, 0.05, 1);
        assert_eq!(lattice_like.edge_count(), n * k);
        assert!((0..n as u32).all(|u| lattice_like.following_count(u) == k));
        let random_like = watts_strogatz(n, k, 1.0, 1);
        assert_eq!(random_like.edge_count(), n * k);
        let c_small = clustering(&lattice_like);
        let c_random = clustering(&random_like);
        // Ring lattice with k=10 has C = 3(k-2)/(4(k-1)) = 0.667; β = 0.05
        // keeps roughly (1-β)^3 of that. A random graph has C ≈ 2k/n.
        assert!(c_small > 0.5, "clustering {c_small}");
        assert!(c_random < 0.02, "clustering {c_random}");
    }
}

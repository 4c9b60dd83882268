//! Barabási–Albert preferential attachment: heavy-tailed follower counts with
//! tail exponent 3 (each newcomer follows `m` accounts picked in proportion to
//! their current degree).

use super::graph::Network;
use crate::rng::{AgentRng, purpose};

/// Each new node follows `m` distinct earlier nodes chosen with probability
/// proportional to their total degree. Sequential by nature (each step depends
/// on the last), but O(n·m) with a flat "endpoint list" sampler.
pub fn barabasi_albert(n: usize, m: usize, seed: u64) -> Network {
    let m = m.max(1);
    let seeds = (m + 1).min(n);
    let mut edges: Vec<(u32, u32)> = Vec::with_capacity(n * m);
    // Endpoint list: node k appears once per incident edge, so a uniform pick
    // from it is a degree-proportional pick.
    let mut endpoints: Vec<u32> = Vec::with_capacity(2 * n * m);
    for u in 1..seeds {
        for v in 0..u {
            edges.push((u as u32, v as u32));
            endpoints.push(u as u32);
            endpoints.push(v as u32);
        }
    }
    let mut rng = AgentRng::new(seed, 0, 0, purpose::NETWORK);
    let mut chosen: Vec<u32> = Vec::with_capacity(m);
    for u in seeds..n {
        chosen.clear();
        while chosen.len() < m.min(u) {
            let v = endpoints[rng.below(endpoints.len() as u64) as usize];
            if !chosen.contains(&v) {
                chosen.push(v);
            }
        }
        for &v in &chosen {
            edges.push((u as u32, v));
            endpoints.push(u as u32);
            endpoints.push(v);
        }
    }
    drop(endpoints);
    Network::from_edges(n, edges)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::stats::hill_exponent;

    #[test]
    fn degree_tail_exponent_is_near_three() {
        let (n, m) = (50_000, 4);
        let g = barabasi_albert(n, m, 1);
        assert_eq!(g.edge_count(), (m + 1) * m / 2 + (n - m - 1) * m);
        // Followers = degree - m for every non-seed node, so the in-degree
        // tail shares the degree tail; estimate on total degree.
        let degrees: Vec<usize> = (0..n as u32)
            .map(|u| g.follower_count(u) + g.following_count(u))
            .collect();
        let gamma = hill_exponent(&degrees, 4 * m);
        assert!((gamma - 3.0).abs() < 0.3, "gamma = {gamma}");
        // And it really is heavy-tailed: the largest hub is far above the mean.
        let max_in = (0..n as u32)
            .map(|u| g.follower_count(u))
            .max()
            .unwrap_or(0);
        assert!(max_in > 50 * m, "max in-degree {max_in}");
    }

    #[test]
    fn same_seed_same_graph() {
        assert_eq!(barabasi_albert(2000, 3, 5), barabasi_albert(2000, 3, 5));
        assert_ne!(barabasi_albert(2000, 3, 5), barabasi_albert(2000, 3, 6));
    }
}

//! Herding clusters of the Cont–Bouchaud market: the connected components of a random graph
//! on the agents.
//!
//! Cont & Bouchaud, "Herd behavior and aggregate fluctuations in financial markets",
//! Macroeconomic Dynamics 4, 170–196 (2000), §3: agents i and j are linked with probability
//! c/N (an Erdős–Rényi graph of mean degree c); the clusters (connected components) trade
//! as one. Here the candidate links are the follow graph read undirected (u–v when either
//! follows the other), each kept with probability min(1, c/k̄), k̄ the undirected mean
//! degree: on an Erdős–Rényi follow graph this is again Erdős–Rényi with mean degree c, the
//! paper's graph. On any other follow graph (power law, small world) the percolation
//! threshold is not at c = 1 (Molloy–Reed: it falls where ⟨k²⟩/⟨k⟩ of the kept graph is 2).
//!
//! A cluster is named by its smallest agent id, so labels do not depend on how the
//! components were found nor on a partition of the agents.

use petgraph::unionfind::UnionFind;

use crate::network::Network;
use crate::rng::{AgentRng, purpose};

/// The cluster label (smallest agent id in its component) of every agent of `net` (which
/// must hold every row), for herding-graph mean degree `c`, links drawn with `seed`.
pub fn cluster_labels(net: &Network, c: f64, seed: u64) -> Vec<u32> {
    let n = net.len();
    let links = undirected_links(net);
    let mean_degree = 2.0 * links.len() as f64 / n.max(1) as f64;
    let keep = if mean_degree > 0.0 {
        (c / mean_degree).min(1.0)
    } else {
        0.0
    };
    let mut components = UnionFind::<u32>::new(n);
    for &(u, v) in &links {
        let mut draw = AgentRng::with_extra(seed, u as u64, 0, purpose::HERDING_LINK, v as u64);
        if draw.uniform(0.0, 1.0) < keep {
            components.union(u, v);
        }
    }
    let roots = components.into_labeling();
    let mut smallest = vec![u32::MAX; n];
    for (a, &r) in roots.iter().enumerate() {
        let s = &mut smallest[r as usize];
        if *s == u32::MAX {
            *s = a as u32;
        }
    }
    roots.iter().map(|&r| smallest[r as usize]).collect()
}

/// Each undirected link once, as (smaller, larger) in ascending order.
fn undirected_links(net: &Network) -> Vec<(u32, u32)> {
    let mut links: Vec<(u32, u32)> = (0..net.len() as u32)
        .flat_map(|u| {
            net.followees(u)
                .iter()
                .filter(move |&&v| v != u)
                .map(move |&v| (u.min(v), u.max(v)))
        })
        .collect();
    links.sort_unstable();
    links.dedup();
    links
}

/// Sizes of the clusters given by `labels` (in label order).
pub fn cluster_sizes(labels: &[u32]) -> Vec<usize> {
    let mut count = vec![0usize; labels.len()];
    for &l in labels {
        count[l as usize] += 1;
    }
    count.into_iter().filter(|&s| s > 0).collect()
}

/// What cluster `label` does at `tick`: +1 buy (probability `buy`), −1 sell (probability
/// `sell`), 0 stay out (`buy + sell` ≤ 1). Keyed by (seed, cluster, tick), so every member,
/// on any rank, draws the same.
pub fn cluster_side(seed: u64, label: u32, tick: u32, buy: f64, sell: f64) -> i8 {
    let u =
        AgentRng::new(seed, label as u64, tick as u64, purpose::HERDING_CLUSTER).uniform(0.0, 1.0);
    if u < buy {
        1
    } else if u < buy + sell {
        -1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_named_by_their_smallest_member() {
        // 0→1, 2→1 (one component {0,1,2}); 3 alone; 5→4.
        let net = Network::from_edges(6, vec![(0, 1), (2, 1), (5, 4)]);
        let labels = cluster_labels(&net, 1e9, 7);
        assert_eq!(labels, vec![0, 0, 0, 3, 4, 4]);
        let mut sizes = cluster_sizes(&labels);
        sizes.sort_unstable();
        assert_eq!(sizes, vec![1, 2, 3]);
        // c = 0 keeps no link: every agent is its own cluster.
        assert_eq!(cluster_labels(&net, 0.0, 7), vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn a_cluster_buys_and_sells_with_probability_a_each() {
        let (mut buy, mut sell) = (0, 0);
        for t in 0..20_000 {
            match cluster_side(3, 17, t, 0.1, 0.1) {
                1 => buy += 1,
                -1 => sell += 1,
                _ => {}
            }
        }
        // Binomial(20000, 0.1): sd ≈ 42; 5 sd.
        assert!((buy as i64 - 2000).abs() < 212, "{buy}");
        assert!((sell as i64 - 2000).abs() < 212, "{sell}");
        assert_eq!(cluster_side(3, 17, 5, 0.0, 0.0), 0);
    }
}

//! The directed follow graph (edge `u -> v`: `u` follows `v`) and its generators.
//!
//! Stored twice as CSR with `u32` ids: out-rows (followees) for building feeds
//! and in-rows (followers) for cascades and follower counts. Follow/unfollow
//! edits are batched per tick and applied in place ([`Csr::edit`]). A rank of a
//! partitioned run holds only its own agents' out-rows and in-rows
//! ([`Network::restrict`]): feeds read the deciding agent's followees, follower
//! counts are the counted agent's features, and `u → v` is in u's out-row exactly
//! when it is in v's in-row, so whichever of the two is held answers `follows`.

mod ba;
mod community;
mod csr;
mod edgelist;
mod er;
mod graph;
mod powerlaw;
mod sbm;
mod ws;

pub use ba::barabasi_albert;
pub use community::{community_of, community_start};
pub use csr::Csr;
pub use edgelist::{EdgeListError, parse_edge_list};
pub(crate) use er::er_row;
pub use er::erdos_renyi;
pub use graph::Network;
pub use powerlaw::powerlaw_configuration;
pub(crate) use powerlaw::powerlaw_row;
pub(crate) use sbm::sbm_row;
pub use sbm::stochastic_block_model;
pub use ws::watts_strogatz;
pub(crate) use ws::ws_row;

#[cfg(test)]
pub(crate) mod stats {
    /// Hill / maximum-likelihood estimate of a discrete power-law exponent for
    /// values `>= k_min` (Clauset et al. continuity correction `k_min - 1/2`).
    pub fn hill_exponent(values: &[usize], k_min: usize) -> f64 {
        let tail: Vec<f64> = values
            .iter()
            .filter(|&&k| k >= k_min)
            .map(|&k| k as f64)
            .collect();
        let denom: f64 = tail.iter().map(|&k| (k / (k_min as f64 - 0.5)).ln()).sum();
        1.0 + tail.len() as f64 / denom
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn communities_partition_ids_contiguously() {
        let (n, c) = (10, 3);
        let labels: Vec<u32> = (0..n).map(|i| community_of(i, n, c)).collect();
        assert_eq!(labels, vec![0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
        for k in 0..c {
            assert_eq!(community_of(community_start(k, n, c), n, c), k as u32);
        }
    }

    #[test]
    fn edits_update_both_directions() {
        let mut g = Network::from_edges(4, vec![(0, 1), (1, 2), (2, 0), (0, 0), (0, 1)]);
        assert_eq!(g.edge_count(), 3);
        let wanted: std::collections::BTreeMap<(u32, u32), bool> = [
            ((3, 0), true),
            ((1, 0), true),
            ((0, 1), false),
            ((2, 0), true),  // already there
            ((3, 2), false), // already absent
        ]
        .into_iter()
        .collect();
        let before = g.clone();
        g.apply_wanted(&wanted);
        assert!(g.follows(3, 0) && g.follows(1, 0) && !g.follows(0, 1));
        assert_eq!(g.followers(0), &[1, 2, 3]);
        assert_eq!(g.followers(1), &[] as &[u32]);
        assert_eq!(g.edge_count(), 4);
        assert_eq!(g.to_petgraph().edge_count(), 4);
        // Two halves holding their own rows, given the same edits, hold the same rows.
        for rows in [0..2, 2..4] {
            let mut half = before.clone();
            half.restrict(rows.clone());
            half.apply_wanted(&wanted);
            for a in rows {
                let a = a as u32;
                assert!(half.holds(a));
                assert_eq!(half.followees(a), g.followees(a));
                assert_eq!(half.followers(a), g.followers(a));
            }
        }
    }
}

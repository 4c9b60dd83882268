//! Global sums that feed back into the dynamics, reduced in a fixed order.
//!
//! Floating-point addition is not associative, so "sum over agents" depends on
//! the order of the additions. To make a partitioned (threaded or MPI) run equal
//! the single-process run byte for byte, every such sum is computed as: one
//! partial per fixed block of [`BLOCK`] agent ids (summed in id order inside the
//! block), then the partials summed in block order. Any split of agents into
//! ranks along block boundaries yields the same partials, hence the same total.

use rayon::prelude::*;

use crate::AgentId;

/// Agents per reduction block. Partition boundaries must be multiples of it.
pub const BLOCK: usize = 4096;

/// Per-block partial sums of sparse `(agent, value)` entries sorted by agent.
/// Returns one partial per block of ids in `0..n_agents`.
pub fn block_partials_sparse(entries: &[(AgentId, f64)], n_agents: usize) -> Vec<f64> {
    let mut partials = vec![0.0; n_agents.div_ceil(BLOCK).max(1)];
    for &(agent, value) in entries {
        partials[agent as usize / BLOCK] += value;
    }
    partials
}

/// Per-block partial sums of a dense per-agent array (parallel over blocks).
pub fn block_partials_dense(values: &[f64]) -> Vec<f64> {
    values
        .par_chunks(BLOCK)
        .map(|block| block.iter().sum::<f64>())
        .collect()
}

/// Sum of partials in block order: the only way partials are ever combined.
pub fn combine_partials(partials: &[f64]) -> f64 {
    partials.iter().fold(0.0, |acc, &p| acc + p)
}

/// Block-ordered sum of sparse entries sorted by agent id.
pub fn block_sum_sparse(entries: &[(AgentId, f64)], n_agents: usize) -> f64 {
    combine_partials(&block_partials_sparse(entries, n_agents))
}

/// Block-ordered sum of a dense per-agent array.
pub fn block_sum_dense(values: &[f64]) -> f64 {
    combine_partials(&block_partials_dense(values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::AgentRng;

    fn awkward_values(n: usize) -> Vec<f64> {
        // Magnitudes spread over many orders so that summation order matters.
        (0..n)
            .map(|i| {
                let mut r = AgentRng::new(9, i as u64, 0, 0);
                r.normal() * 10f64.powi(r.below(12) as i32 - 6)
            })
            .collect()
    }

    #[test]
    fn naive_order_would_differ_so_the_test_is_meaningful() {
        let v = awkward_values(50_000);
        let forward: f64 = v.iter().sum();
        let backward: f64 = v.iter().rev().sum();
        assert_ne!(forward.to_bits(), backward.to_bits());
    }

    #[test]
    fn rank_split_along_blocks_gives_identical_bits() {
        let n = 50_000;
        let v = awkward_values(n);
        let whole = block_sum_dense(&v);
        for ranks in [2usize, 3, 5] {
            // Each "rank" owns a contiguous, block-aligned range and reports its
            // partials; the root concatenates them in rank order.
            let blocks = n.div_ceil(BLOCK);
            let mut partials = Vec::new();
            for r in 0..ranks {
                let b0 = blocks * r / ranks;
                let b1 = blocks * (r + 1) / ranks;
                let lo = (b0 * BLOCK).min(n);
                let hi = (b1 * BLOCK).min(n);
                partials.extend(block_partials_dense(&v[lo..hi]));
            }
            assert_eq!(combine_partials(&partials).to_bits(), whole.to_bits());
        }
    }

    #[test]
    fn sparse_and_dense_agree_and_ignore_thread_count() {
        let n = 20_000;
        let v = awkward_values(n);
        let entries: Vec<(AgentId, f64)> = v
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 3 == 0)
            .map(|(i, &x)| (i as AgentId, x))
            .collect();
        let mut dense = vec![0.0; n];
        for &(a, x) in &entries {
            dense[a as usize] = x;
        }
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| block_sum_dense(&dense));
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(|| block_sum_dense(&dense));
        assert_eq!(one.to_bits(), two.to_bits());
        assert_eq!(block_sum_sparse(&entries, n).to_bits(), one.to_bits());
    }
}

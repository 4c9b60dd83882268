//! Contiguous communities of agent ids, shared by the generators and the population.

/// Contiguous equal-sized communities: agent `i` of `n` is in community
/// `i * c / n`. Every generator uses this, so community ids line up with SBM
/// blocks.
#[inline]
pub fn community_of(agent: usize, n: usize, communities: usize) -> u32 {
    ((agent as u128 * communities as u128) / n.max(1) as u128) as u32
}

/// First agent id of community `c`.
pub fn community_start(c: usize, n: usize, communities: usize) -> usize {
    (c * n).div_ceil(communities)
}

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
mod csr;
mod edgelist;
mod powerlaw;
mod sbm;
mod ws;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use ba::barabasi_albert;
pub use csr::Csr;
pub use edgelist::{EdgeListError, parse_edge_list};
pub use powerlaw::powerlaw_configuration;
pub(crate) use powerlaw::powerlaw_row;
pub(crate) use sbm::sbm_row;
pub use sbm::stochastic_block_model;
pub use ws::watts_strogatz;
pub(crate) use ws::ws_row;

use crate::AgentId;
use crate::rng::{AgentRng, purpose};

/// The follow graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    n: usize,
    out: Csr,
    inc: Csr,
}

/// Rows generated per rayon task; big enough to amortise scheduling.
const ROW_CHUNK: usize = 4096;

impl Network {
    /// A graph from arbitrary `(follower, followee)` pairs; self-loops and
    /// duplicates are dropped.
    pub fn from_edges(n: usize, mut edges: Vec<(u32, u32)>) -> Self {
        edges.retain(|&(u, v)| u != v);
        edges.par_sort_unstable();
        edges.dedup();
        let out = Csr::from_sorted_pairs(n, &edges);
        drop(edges);
        let inc = out.transpose(n);
        Self { n, out, inc }
    }

    /// A graph whose row `u` is produced by `row(u, rng, buf)` (pushing
    /// neighbour ids into `buf`), in parallel and deterministically: each row
    /// has its own keyed stream. If `rows_are_followers`, row `u` lists the
    /// followers of `u` instead of its followees.
    pub fn from_rows<F>(n: usize, seed: u64, rows_are_followers: bool, row: F) -> Self
    where
        F: Fn(u32, &mut AgentRng, &mut Vec<u32>) + Sync,
    {
        let rows = Self::generate_rows(n, 0..n, seed, &row);
        let cols = rows.transpose(n);
        Self::oriented(n, rows_are_followers, rows, cols)
    }

    /// The rows of `part`'s agents of the graph [`Network::from_rows`] builds, without building
    /// the rest (a collective call: every rank makes it): each rank generates its own rows from
    /// their keyed streams, and every entry `(u, v)` of those rows is sent, as `(v, u)`, to the
    /// rank owning `v`, in one all-to-all, to make the other direction's rows. A rank's memory
    /// is its share of the edges, never the whole graph.
    pub fn from_rows_in<F>(
        n: usize,
        seed: u64,
        rows_are_followers: bool,
        row: F,
        part: &crate::partition::Partition,
        exchange: &dyn crate::partition::Exchange,
    ) -> Self
    where
        F: Fn(u32, &mut AgentRng, &mut Vec<u32>) + Sync,
    {
        let own = part.owned.clone();
        let rows = Self::generate_rows(n, own.clone(), seed, &row);
        let edges = crate::partition::Partition::edges(n, part.ranks);
        let mut outgoing: Vec<Vec<u8>> = vec![Vec::new(); part.ranks];
        for u in own.clone() {
            for &v in rows.row(u as u32) {
                let owner = edges.partition_point(|&e| e <= v as usize) - 1;
                let out = &mut outgoing[owner];
                out.extend_from_slice(&v.to_le_bytes());
                out.extend_from_slice(&(u as u32).to_le_bytes());
            }
        }
        let word = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut pairs: Vec<(u32, u32)> = exchange
            .all_to_all(outgoing)
            .iter()
            .flat_map(|b| {
                (0..b.len() / 8)
                    .map(move |k| (word(b, 8 * k) - own.start as u32, word(b, 8 * k + 4)))
            })
            .collect();
        pairs.par_sort_unstable();
        let cols = Csr::from_sorted_pairs(own.len(), &pairs).starting_at(own.start);
        Self::oriented(n, rows_are_followers, rows, cols)
    }

    fn oriented(n: usize, rows_are_followers: bool, rows: Csr, cols: Csr) -> Self {
        if rows_are_followers {
            Self {
                n,
                out: cols,
                inc: rows,
            }
        } else {
            Self {
                n,
                out: rows,
                inc: cols,
            }
        }
    }

    /// Rows `range` of a row-generated graph on `n` nodes, in parallel, each from its own stream.
    fn generate_rows<F>(n: usize, range: std::ops::Range<usize>, seed: u64, row: &F) -> Csr
    where
        F: Fn(u32, &mut AgentRng, &mut Vec<u32>) + Sync,
    {
        let chunks: Vec<(Vec<u64>, Vec<u32>)> = (0..range.len().div_ceil(ROW_CHUNK))
            .into_par_iter()
            .map(|c| {
                let lo = range.start + c * ROW_CHUNK;
                let hi = (lo + ROW_CHUNK).min(range.end);
                let mut lens = Vec::with_capacity(hi - lo);
                let mut targets = Vec::new();
                let mut buf = Vec::new();
                for u in lo..hi {
                    buf.clear();
                    let mut rng = AgentRng::new(seed, u as u64, 0, purpose::NETWORK);
                    row(u as u32, &mut rng, &mut buf);
                    buf.sort_unstable();
                    buf.dedup();
                    buf.retain(|&v| v as usize != u && (v as usize) < n);
                    lens.push(buf.len() as u64);
                    targets.extend_from_slice(&buf);
                }
                (lens, targets)
            })
            .collect();
        let total: usize = chunks.iter().map(|c| c.1.len()).sum();
        let mut offsets = Vec::with_capacity(range.len() + 1);
        let mut targets = Vec::with_capacity(total);
        offsets.push(0u64);
        for (lens, t) in chunks {
            for l in lens {
                let last = *offsets.last().unwrap_or(&0);
                offsets.push(last + l);
            }
            targets.extend_from_slice(&t);
        }
        Csr::from_parts(offsets, targets).starting_at(range.start)
    }

    /// Number of agents (nodes).
    pub fn len(&self) -> usize {
        self.n
    }

    /// True if there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Number of follow edges (of the followers held here: all of them in one process).
    pub fn edge_count(&self) -> usize {
        self.out.nnz()
    }

    /// Keep only the rows of `agents` (a rank's own) in both directions.
    pub fn restrict(&mut self, agents: std::ops::Range<usize>) {
        self.out.restrict(agents.clone());
        self.inc.restrict(agents);
    }

    /// Whether agent `a`'s rows are held here.
    #[inline]
    pub fn holds(&self, a: AgentId) -> bool {
        self.out.holds(a)
    }

    /// Whom `u` follows, sorted.
    #[inline]
    pub fn followees(&self, u: AgentId) -> &[u32] {
        self.out.row(u)
    }

    /// Who follows `v`, sorted.
    #[inline]
    pub fn followers(&self, v: AgentId) -> &[u32] {
        self.inc.row(v)
    }

    /// Number of followees of `u`.
    #[inline]
    pub fn following_count(&self, u: AgentId) -> usize {
        self.out.row_len(u)
    }

    /// Number of followers of `v`.
    #[inline]
    pub fn follower_count(&self, v: AgentId) -> usize {
        self.inc.row_len(v)
    }

    /// Whether `u` follows `v` (binary search in `u`'s sorted followees).
    #[inline]
    pub fn follows(&self, u: AgentId, v: AgentId) -> bool {
        self.followees(u).binary_search(&v).is_ok()
    }

    /// Make `u → v` present (`true`) or absent for every `((u, v), want)`, in the rows held
    /// here: u's out-row if u is held, v's in-row if v is held.
    pub fn apply_wanted(&mut self, wanted: &std::collections::BTreeMap<(u32, u32), bool>) {
        let (mut out_adds, mut out_removes) = (Vec::new(), Vec::new());
        let (mut in_adds, mut in_removes) = (Vec::new(), Vec::new());
        for (&(u, v), &want) in wanted {
            if self.out.holds(u) {
                match (want, self.out.row(u).binary_search(&v).is_ok()) {
                    (true, false) => out_adds.push((u, v)),
                    (false, true) => out_removes.push((u, v)),
                    _ => {}
                }
            }
            if self.inc.holds(v) {
                match (want, self.inc.row(v).binary_search(&u).is_ok()) {
                    (true, false) => in_adds.push((v, u)),
                    (false, true) => in_removes.push((v, u)),
                    _ => {}
                }
            }
        }
        // `wanted` is ordered by (u, v): out-edits are sorted, in-edits need a sort.
        self.out.edit(&out_adds, &out_removes);
        in_adds.sort_unstable();
        in_removes.sort_unstable();
        self.inc.edit(&in_adds, &in_removes);
    }

    /// The graph as a petgraph CSR, for analyses with petgraph's algorithms
    /// on small graphs.
    pub fn to_petgraph(&self) -> petgraph::csr::Csr<(), ()> {
        let mut g = petgraph::csr::Csr::with_nodes(self.n);
        for u in 0..self.n as u32 {
            for &v in self.followees(u) {
                g.add_edge(u, v, ());
            }
        }
        g
    }
}

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

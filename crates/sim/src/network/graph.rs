//! The follow graph itself: both CSR directions, built from edges or generated rows, edited
//! in place, and restricted to a rank's rows.

use emergent_collective::Collective;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::csr::Csr;
use crate::AgentId;
use crate::partition::Partition;
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
        part: &Partition,
        exchange: &dyn Collective,
    ) -> Self
    where
        F: Fn(u32, &mut AgentRng, &mut Vec<u32>) + Sync,
    {
        let own = part.owned.clone();
        let rows = Self::generate_rows(n, own.clone(), seed, &row);
        let edges = Partition::edges(n, part.ranks);
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

    /// The same graph with every follow made mutual: each `u → v` comes with `v → u`
    /// (undirected semantics). Built from the rows held here, so a rank holding its own rows
    /// makes its own rows of the whole graph's reciprocal.
    pub fn reciprocal(self) -> Self {
        let both = self.out.union(&self.inc);
        Self {
            n: self.n,
            out: both.clone(),
            inc: both,
        }
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

//! Measures of the follow graph a social run wrote at its start and its end
//! (`follows.parquet`, `follows-final.parquet`), over petgraph: the number of weakly
//! connected components, and the stance assortativity along follows — Newman's (2003,
//! Phys. Rev. E 67, 026126, eq. 21) assortativity coefficient for a scalar vertex value on a
//! directed graph, the Pearson correlation of (stance of the follower, stance of the
//! followee) over the edges. Start uses the stances recorded at tick 0 (`ticks.parquet`),
//! end the final ones (`features.parquet`).

use std::path::Path;

use emergent_io::run_dir::{FEATURES, FollowGraph, TICKS, parquet_name, read_follows};
use emergent_io::{IdColumn, ShardIndex, read_dataset, read_tick_column};
use petgraph::Directed;
use petgraph::graph::Graph;

use crate::error::ReportError;

/// What the report shows of one follow graph.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphMeasures {
    pub agents: usize,
    pub edges: usize,
    /// Weakly connected components (an agent without edges is one).
    pub components: usize,
    /// Stance assortativity along follows; `None` without edges or with a constant stance.
    pub assortativity: Option<f64>,
}

/// The measures at the start and the end of the run, when it wrote its follow graphs.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowMeasures {
    pub start: GraphMeasures,
    pub end: GraphMeasures,
}

/// Measures of the graph on `stance.len()` agents with `edges` (src follows dst).
pub fn measures(edges: &[(u32, u32)], stance: &[f64]) -> GraphMeasures {
    let n = stance.len();
    let mut g: Graph<(), (), Directed, u32> = Graph::with_capacity(n, edges.len());
    for _ in 0..n {
        g.add_node(());
    }
    g.extend_with_edges(
        edges
            .iter()
            .filter(|(a, b)| (*a as usize) < n && (*b as usize) < n),
    );
    // For a directed graph petgraph counts weakly connected components.
    let components = petgraph::algo::connected_components(&g);
    let pairs: Vec<(f64, f64)> = g
        .raw_edges()
        .iter()
        .map(|e| (stance[e.source().index()], stance[e.target().index()]))
        .collect();
    GraphMeasures {
        agents: n,
        edges: g.edge_count(),
        components,
        assortativity: pearson(&pairs),
    }
}

fn pearson(pairs: &[(f64, f64)]) -> Option<f64> {
    let m = pairs.len() as f64;
    if pairs.is_empty() {
        return None;
    }
    let (mx, my) = pairs
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / m, b + y / m));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    let r = sxy / (sxx * syy).sqrt();
    r.is_finite().then_some(r)
}

/// The follow-graph measures of the run in `dir`; `None` when it wrote no follow graphs
/// (an `[econ]` run, or one from before they were written).
pub fn read_follow_measures(dir: &Path) -> Result<Option<FollowMeasures>, ReportError> {
    let (Some(start_edges), Some(end_edges)) = (
        read_follows(dir, FollowGraph::Start).map_err(io)?,
        read_follows(dir, FollowGraph::End).map_err(io)?,
    ) else {
        return Ok(None);
    };
    let features = read_dataset(dir, FEATURES, &IdColumn::Default).map_err(io)?;
    let Some(end_stance) = features.column("stance") else {
        return Ok(None);
    };
    let start_stance = first_tick_stance(dir)?;
    if start_stance.len() != end_stance.len() {
        return Ok(None);
    }
    Ok(Some(FollowMeasures {
        start: measures(&start_edges, &start_stance),
        end: measures(&end_edges, end_stance),
    }))
}

fn io(e: emergent_io::IoError) -> ReportError {
    ReportError::input(e.path, e.message)
}

/// The stance of every agent at tick 0, from `ticks.parquet` or the ranks' shards in order.
fn first_tick_stance(dir: &Path) -> Result<Vec<f64>, ReportError> {
    let files: Vec<String> = match ShardIndex::read(dir).map_err(io)? {
        Some(index) => (0..index.ranks)
            .map(|r| ShardIndex::shard_name(TICKS, r))
            .collect(),
        None => vec![parquet_name(TICKS)],
    };
    let mut out = Vec::new();
    for f in files {
        let p = dir.join(&f);
        out.extend(read_tick_column(&p, 0, "stance").map_err(io)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_and_assortativity_of_a_hand_built_graph() {
        // Two camps that follow only their own (0, 1, 2 at −1; 3, 4 at +1), and agent 5 alone.
        let stance = [-1.0, -1.0, -1.0, 1.0, 1.0, 0.0];
        let edges = [(0, 1), (1, 2), (2, 0), (3, 4), (4, 3)];
        let m = measures(&edges, &stance);
        assert_eq!(m.components, 3);
        assert_eq!(m.edges, 5);
        assert!((m.assortativity.unwrap() - 1.0).abs() < 1e-12);
        // Everyone follows the other camp: perfectly disassortative, one component.
        let cross = [(0, 3), (3, 0), (1, 4), (4, 1), (2, 3), (1, 3)];
        let m = measures(&cross, &stance[..5]);
        assert_eq!(m.components, 1);
        assert!((m.assortativity.unwrap() + 1.0).abs() < 1e-12);
        // No edges: every agent its own component, no assortativity.
        let m = measures(&[], &stance);
        assert_eq!((m.components, m.assortativity), (6, None));
    }
}

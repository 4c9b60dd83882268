//! Renumbering agents so that a graph partition is contiguous id ranges (`[partition]
//! method = "metis"`).
//!
//! A partitioned run gives rank r the ids `Partition::edges(n, P)[r..r + 2]`; everything that
//! makes it equal the single-process run (blocks of ids for every global sum, item blocks in
//! rank order) relies on that. So a METIS partition is applied by renaming agents rather than
//! by owning scattered ids: METIS splits the undirected follow graph into `parts` parts with
//! exactly the contiguous partition's sizes (after a balancing pass), and part k's agents
//! become ids `edges[k]..edges[k + 1]`, in their original order. The renaming is part of
//! building the world, the same in one process and on any number of ranks, so the equality of
//! outputs holds for any P; with P = `parts` each rank holds one METIS part, whose follow
//! edges (and so fetches and deliveries) mostly stay inside it. Outputs use the new ids; the
//! run writes the map back to the scenario's ids (`agents.parquet`).

use crate::network::Network;
use crate::owned::Owned;
use crate::partition::Partition;
use crate::population::Population;

/// Rename agents: new id `j` is old id `old_of[j]`. Returns the renamed graph and population;
/// the population remembers each agent's old id (`original_id`).
pub fn apply(network: &Network, population: &Population, old_of: &[u32]) -> (Network, Population) {
    let n = old_of.len();
    let mut new_of = vec![0u32; n];
    for (j, &a) in old_of.iter().enumerate() {
        new_of[a as usize] = j as u32;
    }
    let mut edges = Vec::with_capacity(network.edge_count());
    for u in 0..n as u32 {
        for &v in network.followees(u) {
            edges.push((new_of[u as usize], new_of[v as usize]));
        }
    }
    let renamed = Network::from_edges(n, edges);
    let t = population.topics;
    let take = |col: &Owned<f64>| Owned::whole(old_of.iter().map(|&a| col[a as usize]).collect());
    let mut silenced: Vec<u32> = population
        .silenced
        .iter()
        .map(|&a| new_of[a as usize])
        .collect();
    silenced.sort_unstable();
    let pop = Population {
        agents: population.agents,
        topics: t,
        community: Owned::whole(
            old_of
                .iter()
                .map(|&a| population.community[a as usize])
                .collect(),
        ),
        stance: Owned::whole(
            old_of
                .iter()
                .flat_map(|&a| (0..t).map(move |k| population.stance[a as usize * t + k]))
                .collect(),
        ),
        activity: take(&population.activity),
        susceptibility: take(&population.susceptibility),
        silenced,
        original_id: Some(Owned::whole(old_of.to_vec())),
    };
    (renamed, pop)
}

/// The undirected, loop-free adjacency of the follow graph (followees ∪ followers), in CSR.
pub fn undirected(network: &Network) -> (Vec<u32>, Vec<u32>) {
    let n = network.len();
    let mut xadj = Vec::with_capacity(n + 1);
    let mut adj = Vec::with_capacity(2 * network.edge_count());
    xadj.push(0u32);
    let mut row = Vec::new();
    for u in 0..n as u32 {
        row.clear();
        row.extend_from_slice(network.followees(u));
        row.extend_from_slice(network.followers(u));
        row.sort_unstable();
        row.dedup();
        row.retain(|&v| v != u);
        adj.extend_from_slice(&row);
        xadj.push(adj.len() as u32);
    }
    (xadj, adj)
}

/// Follow edges whose ends fall in different parts of the contiguous partition of `parts`.
pub fn cut_edges(network: &Network, parts: usize) -> usize {
    let edges = Partition::edges(network.len(), parts);
    let owner = |a: u32| crate::halo::agent_owner(&edges, a);
    (0..network.len() as u32)
        .map(|u| {
            network
                .followees(u)
                .iter()
                .filter(|&&v| owner(u) != owner(v))
                .count()
        })
        .sum()
}

/// Move agents between parts until every part has exactly its target size: first agents with
/// neighbours in a part short of agents (to the one holding most of them), then any agents,
/// lowest id first, to the parts still short. Deterministic.
pub fn balance(part: &mut [usize], target: &[usize], xadj: &[u32], adj: &[u32]) {
    let k = target.len();
    let mut size = vec![0usize; k];
    for &p in part.iter() {
        size[p] += 1;
    }
    let mut counts = vec![0usize; k];
    for v in 0..part.len() {
        let p = part[v];
        if size[p] <= target[p] {
            continue;
        }
        counts.iter_mut().for_each(|c| *c = 0);
        for &w in &adj[xadj[v] as usize..xadj[v + 1] as usize] {
            counts[part[w as usize]] += 1;
        }
        let best = (0..k)
            .filter(|&q| size[q] < target[q] && counts[q] > 0)
            .max_by_key(|&q| (counts[q], std::cmp::Reverse(q)));
        if let Some(q) = best {
            size[p] -= 1;
            size[q] += 1;
            part[v] = q;
        }
    }
    let short: Vec<usize> = (0..k).filter(|&q| size[q] < target[q]).collect();
    let mut short = short.into_iter();
    let mut q = short.next();
    for slot in part.iter_mut() {
        let p = *slot;
        if size[p] <= target[p] {
            continue;
        }
        while let Some(s) = q {
            if size[s] < target[s] {
                break;
            }
            q = short.next();
        }
        if let Some(s) = q {
            size[p] -= 1;
            size[s] += 1;
            *slot = s;
        }
    }
}

/// The renaming that makes a METIS partition of the follow graph into `parts` parts the
/// contiguous partition: `old_of[j]` is the agent that becomes `j`.
#[cfg(feature = "metis")]
pub fn metis_order(network: &Network, parts: usize, seed: u64) -> Result<Vec<u32>, String> {
    let n = network.len();
    let edges = Partition::edges(n, parts);
    let target: Vec<usize> = edges.windows(2).map(|w| w[1] - w[0]).collect();
    let (xadj, adj) = undirected(network);
    let mut part = vec![0usize; n];
    if parts > 1 && n > 0 {
        let to_idx = |v: &[u32]| -> Result<Vec<metis::Idx>, String> {
            v.iter()
                .map(|&x| metis::Idx::try_from(x).map_err(|_| "graph too large for METIS".into()))
                .collect()
        };
        let (xadj_i, adj_i) = (to_idx(&xadj)?, to_idx(&adj)?);
        // Target weights: each part's share of the agents (empty parts get a tiny one: METIS
        // needs positive weights; the balancing pass empties them).
        let tpwgts: Vec<metis::Real> = target
            .iter()
            .map(|&t| (t.max(1) as f64 / (n + parts) as f64) as metis::Real)
            .collect();
        let sum: metis::Real = tpwgts.iter().sum();
        let tpwgts: Vec<metis::Real> = tpwgts.iter().map(|w| w / sum).collect();
        let mut out = vec![0 as metis::Idx; n];
        // libmetis keeps its random state in process globals: two partitions computed at once
        // (ranks run as threads in tests) would disturb each other's. One at a time.
        static METIS: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = METIS.lock().unwrap_or_else(|e| e.into_inner());
        metis::Graph::new(1, parts as metis::Idx, &xadj_i, &adj_i)
            .map_err(|e| format!("METIS: {e}"))?
            .set_tpwgts(&tpwgts)
            .set_option(metis::option::Seed((seed & 0x7fff_ffff) as metis::Idx))
            .part_kway(&mut out)
            .map_err(|e| format!("METIS: {e}"))?;
        for (p, o) in part.iter_mut().zip(out) {
            *p = o as usize;
        }
        balance(&mut part, &target, &xadj, &adj);
    }
    let mut old_of: Vec<u32> = (0..n as u32).collect();
    old_of.sort_by_key(|&a| (part[a as usize], a));
    Ok(old_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balancing_reaches_the_targets_and_prefers_neighbours() {
        // A path 0-1-2-3-4-5; parts [0,0,0,0,1,1] must become sizes [3, 3]: agent 3 (the one
        // next to part 1) moves, not agent 0.
        let (xadj, adj) = (
            vec![0u32, 1, 3, 5, 7, 9, 10],
            vec![1u32, 0, 2, 1, 3, 2, 4, 3, 5, 4],
        );
        let mut part = vec![0, 0, 0, 0, 1, 1];
        balance(&mut part, &[3, 3], &xadj, &adj);
        assert_eq!(part, vec![0, 0, 0, 1, 1, 1]);
        // No neighbours in the short part: lowest ids move.
        let mut part = vec![0, 0, 0, 0, 0, 0];
        balance(&mut part, &[2, 4], &xadj, &adj);
        assert_eq!(part.iter().filter(|&&p| p == 1).count(), 4);
    }

    #[test]
    fn renaming_keeps_the_graph_and_the_attributes_together() {
        let net = Network::from_edges(4, vec![(0, 1), (1, 2), (3, 0)]);
        let cfg = emergent_scenario::PopulationConfig {
            agents: 4,
            ..Default::default()
        };
        let pop = Population::generate(&cfg, 7);
        let old_of = [2u32, 0, 3, 1];
        let (n2, p2) = apply(&net, &pop, &old_of);
        for (j, &a) in old_of.iter().enumerate() {
            assert_eq!(p2.activity[j], pop.activity[a as usize]);
            assert_eq!(p2.stance(j as u32, 0), pop.stance(a, 0));
            assert_eq!(p2.original_id.as_ref().unwrap()[j], a);
        }
        // 0 → 1 became 1 → 3; 3 → 0 became 2 → 1.
        assert!(n2.follows(1, 3) && n2.follows(3, 0) && n2.follows(2, 1));
        assert_eq!(n2.edge_count(), 3);
    }
}

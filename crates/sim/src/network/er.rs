//! Erdős–Rényi random graphs: the substrate of the canonical cascade and epidemic results
//! (Watts 2002's cascade window, Newman 2002's SIR threshold), whose generating functions
//! are those of the Poisson degree distribution.

use super::graph::Network;
use crate::rng::AgentRng;

/// G(n, p) with p = z/(n − 1). Directed (`reciprocal = false`): each ordered pair `u → v`
/// is a follow with probability p, so every agent follows z others on average. Reciprocal:
/// each unordered pair is drawn once (row u draws its partners above u) and the follow made
/// mutual, the undirected G(n, p) of mean degree z. Rows skip over absent edges
/// geometrically: O(n + edges), in parallel from per-row keyed streams.
pub fn erdos_renyi(n: usize, z: f64, reciprocal: bool, seed: u64) -> Network {
    let g = Network::from_rows(n, seed, false, er_row(n, z, reciprocal));
    if reciprocal { g.reciprocal() } else { g }
}

/// Row `u` (followees; with `reciprocal`, only the partners above `u`) of [`erdos_renyi`].
pub(crate) fn er_row(
    n: usize,
    z: f64,
    reciprocal: bool,
) -> impl Fn(u32, &mut AgentRng, &mut Vec<u32>) + Sync {
    let p = match n {
        0 | 1 => 0.0,
        _ => (z / (n - 1) as f64).clamp(0.0, 1.0),
    };
    move |u, rng, buf| {
        let mut v = if reciprocal { u as u64 + 1 } else { 0 };
        loop {
            v = v.saturating_add(rng.geometric_skip(p));
            if v >= n as u64 {
                break;
            }
            buf.push(v as u32); // a self-loop (directed rows) is dropped by from_rows
            v += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mean degree z, Poisson-distributed degrees (variance ≈ mean), and a reciprocal graph
    /// whose follows are all mutual.
    #[test]
    fn degrees_are_poisson_with_mean_z() {
        let (n, z) = (20_000, 4.0);
        for reciprocal in [false, true] {
            let g = erdos_renyi(n, z, reciprocal, 3);
            let k: Vec<f64> = (0..n as u32).map(|u| g.following_count(u) as f64).collect();
            let mean = k.iter().sum::<f64>() / n as f64;
            let var = k.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            // s.e. of the mean ≈ √(z/n) = 0.014; of the variance ≈ z·√(2/n) ≈ 0.04.
            assert!((mean - z).abs() < 0.06, "mean {mean} ({reciprocal})");
            assert!((var - z).abs() < 0.25, "variance {var} ({reciprocal})");
            if reciprocal {
                for u in 0..n as u32 {
                    assert_eq!(g.followees(u), g.followers(u));
                    assert!(g.followees(u).iter().all(|&v| g.follows(v, u)));
                }
            }
        }
    }

    #[test]
    fn independent_of_thread_count() {
        let build = |k| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(k)
                .build()
                .unwrap()
                .install(|| erdos_renyi(20_000, 3.0, true, 9))
        };
        assert_eq!(build(1), build(2));
    }
}

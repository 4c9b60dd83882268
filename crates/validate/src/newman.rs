//! Newman (2002): SIR epidemics on networks are bond percolation. With transmissibility T on
//! an Erdős–Rényi graph of mean degree z, an epidemic (an outbreak reaching a finite fraction
//! of the population) is possible only above T_c = 1/z; its size S solves
//! S = 1 − e^{−zTS} (Newman's eqs. 13 and 27 with G0(x) = G1(x) = e^{z(x−1)}); below T_c the
//! mean outbreak size is ⟨s⟩ = 1 + zT/(1 − zT) (his eq. 26).
//!
//! Ours is the engine's independent-cascade policy: an agent who shares an item gives each
//! follower one chance, with probability p, to share it in turn (the trial is keyed by
//! cascade, sharer and follower, so seeing the item again changes nothing). That is SIR with
//! a unit infectious period and T = p: each edge transmits at most once, independently. The
//! follow graph is a reciprocal (undirected) G(n, z/(n − 1)); the feed shows every share
//! (see `contagion.rs`). Each run starts a few outbreaks from random seeds; outbreaks of
//! different items are independent percolation realisations on the same graph. Every
//! measured outbreak is also checked against the breadth-first percolation cluster of its
//! seed under the same edge trials (`independent_cascade_size`): equal when the feed shows
//! every share.

use rayon::prelude::*;

use emergent_sim::policy::independent_cascade_size;

use crate::contagion::{Experiment, pick_agents};
use crate::stats::mean;
use crate::{Check, Curve, CurveStyle, Figure, Settings};

const CITATION: &str = "M. E. J. Newman, \"Spread of epidemic disease on networks\", Physical \
Review E 66, 016128 (2002)";

/// Mean degree of the graphs: T_c = 1/z = 0.25.
const Z: f64 = 4.0;

/// Newman's epidemic size on an Erdős–Rényi graph: the root of S = 1 − e^{−zTS} in (0, 1]
/// (0 at or below T_c), by fixed-point iteration from S = 1 (monotone convergence).
pub(crate) fn epidemic_size(z: f64, t: f64) -> f64 {
    if z * t <= 1.0 {
        return 0.0;
    }
    let mut s = 1.0;
    for _ in 0..10_000 {
        let next = 1.0 - (-z * t * s).exp();
        if (next - s).abs() < 1e-14 {
            return next;
        }
        s = next;
    }
    s
}

/// Newman's mean outbreak size below threshold on an Erdős–Rényi graph, 1 + zT/(1 − zT).
pub(crate) fn mean_outbreak(z: f64, t: f64) -> f64 {
    1.0 + z * t / (1.0 - z * t)
}

/// Outbreak sizes at transmissibility `t`: `runs` runs of `per_run` seeds each, on graphs of
/// `agents`; and how many outbreaks differed from their seed's percolation cluster.
fn outbreaks(agents: usize, t: f64, runs: u64, per_run: usize, seed: u64) -> (Vec<f64>, usize) {
    let results: Vec<(Vec<f64>, usize)> = (0..runs)
        .into_par_iter()
        .map(|r| {
            let run_seed = seed.wrapping_mul(1_000_003).wrapping_add(r);
            let seeds = pick_agents(agents, per_run, run_seed);
            let exp = Experiment {
                agents,
                z: Z,
                seed: run_seed,
                seeds: &seeds,
                policy: format!("model = \"independent\"\np = {t}"),
            };
            let (log, net) = exp.run();
            let mut sizes = Vec::new();
            let mut differ = 0;
            for (root, rec) in log.iter() {
                let bfs = independent_cascade_size(&net, run_seed, root, rec.origin, t);
                differ += usize::from(bfs as u64 != rec.size);
                sizes.push(rec.size as f64);
            }
            (sizes, differ)
        })
        .collect();
    let differ = results.iter().map(|r| r.1).sum();
    (results.into_iter().flat_map(|r| r.0).collect(), differ)
}

pub fn checks(s: &Settings) -> Vec<Check> {
    let (agents, runs_above, runs_below) = if s.quick {
        (4000, 6, 4)
    } else {
        (20_000, 25, 10)
    };
    let t_c = 1.0 / Z;
    let below: Vec<f64> = vec![0.05, 0.1, 0.15, 0.2];
    let above: Vec<f64> = if s.quick {
        vec![0.3, 0.4, 0.5, 0.7, 1.0]
    } else {
        vec![0.28, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    };
    // An outbreak is an epidemic when it reaches more than N^(2/3) agents: the size of the
    // largest clusters at the percolation point, far above any outbreak below it.
    let epidemic_min = (agents as f64).powf(2.0 / 3.0);
    let mut differ = 0;
    let mut size_pts = Vec::new();
    let mut prob_pts = Vec::new();
    let mut worst_size = 0.0f64;
    let mut below_epidemics = 0;
    let mut above_without = 0;
    let mut lines = Vec::new();
    for (k, &t) in above.iter().enumerate() {
        // Few seeds per run above T_c: each agent shares each item once, and the four items an
        // author's ring keeps must hold all of them (see `RECENT_PER_AUTHOR`).
        let (sizes, d) = outbreaks(agents, t, runs_above, 3, s.seed + k as u64);
        differ += d;
        let big: Vec<f64> = sizes
            .iter()
            .copied()
            .filter(|&x| x > epidemic_min)
            .collect();
        let attack = mean(&big) / agents as f64;
        let prob = big.len() as f64 / sizes.len().max(1) as f64;
        let want = epidemic_size(Z, t);
        above_without += usize::from(big.is_empty());
        if !big.is_empty() {
            size_pts.push((t, attack));
            worst_size = worst_size.max((attack - want).abs());
        }
        prob_pts.push((t, prob));
        lines.push(format!(
            "T = {t}: epidemic size {attack:.3} (S = {want:.3}), P(epidemic) {prob:.2} of {}",
            sizes.len()
        ));
    }
    let mut mean_pts = Vec::new();
    let mut worst_mean = 0.0f64;
    for (k, &t) in below.iter().enumerate() {
        // Below T_c outbreaks are small: many seeds per run.
        let (sizes, d) = outbreaks(agents, t, runs_below, 32, s.seed + 100 + k as u64);
        differ += d;
        below_epidemics += sizes.iter().filter(|&&x| x > epidemic_min).count();
        let m = mean(&sizes);
        let sd = (sizes.iter().map(|x| (x - m).powi(2)).sum::<f64>()
            / (sizes.len().max(2) - 1) as f64)
            .sqrt();
        let se = sd / (sizes.len().max(1) as f64).sqrt();
        let want = mean_outbreak(Z, t);
        // In standard errors, plus 5 %: the finite graph's loops shorten outbreaks slightly.
        worst_mean = worst_mean.max((m - want).abs() / (3.0 * se + 0.05 * want));
        mean_pts.push((t, m));
        lines.push(format!(
            "T = {t}: mean outbreak {m:.2} ± {se:.2} (1 + zT/(1 − zT) = {want:.2}, {} outbreaks)",
            sizes.len()
        ));
    }
    // Pass: every outbreak is its percolation cluster (the engine is the model); above
    // threshold every T gives epidemics and their size is within 0.03 of S (finite-N
    // fluctuations of the giant cluster at N = 4000 are ≈ 0.01–0.02 near T_c); below it none,
    // and the mean outbreak size is within 3 standard errors + 5 % of Newman's.
    let pass = differ == 0
        && above_without == 0
        && worst_size <= 0.03
        && below_epidemics == 0
        && worst_mean <= 1.0;
    let curve_t = |f: &dyn Fn(f64) -> f64, lo: f64, hi: f64| -> Vec<(f64, f64)> {
        (0..=200)
            .map(|i| lo + (hi - lo) * i as f64 / 200.0)
            .map(|t| (t, f(t)))
            .collect()
    };
    let final_size = Figure {
        name: "newman-final-size".into(),
        title: format!("SIR on Erdős–Rényi (z = {Z}): epidemic size vs transmissibility"),
        x_label: "transmissibility T (= the cascade policy's p)".into(),
        y_label: "fraction of agents".into(),
        log_x: false,
        log_y: false,
        curves: vec![
            Curve {
                name: "epidemic size (emergent)".into(),
                points: size_pts,
                style: CurveStyle::Points,
            },
            Curve {
                name: "P(epidemic) (emergent)".into(),
                points: prob_pts,
                style: CurveStyle::Line,
            },
            Curve {
                name: "S = 1 − e^(−zTS) (Newman 2002)".into(),
                points: curve_t(&|t| epidemic_size(Z, t), 0.0, 1.0),
                style: CurveStyle::Dashed,
            },
        ],
    };
    let mean_size = Figure {
        name: "newman-mean-outbreak".into(),
        title: format!("SIR below threshold (z = {Z}, T_c = {t_c}): mean outbreak size"),
        x_label: "transmissibility T".into(),
        y_label: "mean outbreak size ⟨s⟩".into(),
        log_x: false,
        log_y: true,
        curves: vec![
            Curve {
                name: "emergent".into(),
                points: mean_pts,
                style: CurveStyle::Points,
            },
            Curve {
                name: "1 + zT/(1 − zT) (Newman 2002)".into(),
                points: curve_t(&|t| mean_outbreak(Z, t), 0.0, 0.22),
                style: CurveStyle::Dashed,
            },
        ],
    };
    vec![Check {
        id: "newman-sir".into(),
        title: "Newman: SIR epidemic threshold and final size on Erdős–Rényi graphs".into(),
        citation: CITATION.into(),
        published: format!(
            "epidemics only above T_c = 1/z = {t_c}; epidemic size S = 1 − e^(−zTS); mean \
             outbreak size 1 + zT/(1 − zT) below T_c (z = {Z})"
        ),
        ours: format!(
            "{agents} agents; {}; outbreaks differing from their percolation cluster: {differ}; \
             largest |size − S| {worst_size:.3}; epidemics below T_c: {below_epidemics}",
            lines.join("; ")
        ),
        notes: "the engine's independent-cascade policy (T = p, one chance per edge, a unit \
                infectious period) on a reciprocal Erdős–Rényi follow graph, with a feed that \
                shows every share. Several outbreaks per run from random seeds, each an \
                independent percolation realisation on that run's graph. An outbreak counts as \
                an epidemic above N^(2/3) agents."
            .into(),
        pass,
        figures: vec![final_size, mean_size],
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newmans_formulas() {
        // S = 1 − e^(−2S) at zT = 2: S = 0.7968.
        assert!((epidemic_size(4.0, 0.5) - 0.796_812).abs() < 1e-5);
        assert_eq!(epidemic_size(4.0, 0.25), 0.0);
        assert!((mean_outbreak(4.0, 0.2) - 5.0).abs() < 1e-12);
    }

    #[test]
    fn outbreaks_are_percolation_clusters_and_large_above_threshold() {
        let (sizes, differ) = outbreaks(2000, 0.6, 2, 3, 5);
        assert_eq!(differ, 0);
        assert_eq!(sizes.len(), 6);
        // zT = 2.4: S ≈ 0.88; most seeds start an epidemic.
        assert!(
            sizes.iter().filter(|&&x| x > 1500.0).count() >= 3,
            "{sizes:?}"
        );
    }
}

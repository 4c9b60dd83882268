//! Cont & Bouchaud (2000): herding clusters near the percolation threshold give fat-tailed
//! returns.
//!
//! The published model (Cont & Bouchaud, Macroeconomic Dynamics 4, 170–196, 2000, §2–3): N
//! agents, each pair linked with probability c/N (an Erdős–Rényi random graph of mean degree
//! c); the connected components (clusters, sizes W_α) act as one. Each period every cluster
//! buys one unit per member with probability a, sells with probability a, else stays out
//! (φ_α ∈ {+1, −1, 0}); the price change is ΔX = λ⁻¹ Σ_α W_α φ_α. Near the threshold c = 1
//! the cluster-size distribution is n_s ∝ s^−5/2 (cut off at s ~ (1 − c)^−2 below it and at
//! the finite-size scale N^{2/3} at it), and the returns' excess kurtosis, small for c well
//! below 1, grows without bound as c → 1 (their §3.2: κ ∝ 1/(aN) times a factor that
//! diverges at the threshold).
//!
//! Ours is the engine's `panic` policy configured as that model: an Erdős–Rényi follow graph
//! (`sbm` with one community), its undirected reading thinned to mean degree c
//! (`cluster_degree`), clusters trading with probability a (`cluster_trade`), every agent
//! active every tick, no fundamental value (no market maker), no fear, no feed herding, no
//! individual trades, holdings and cash so large that no trade is clipped. Its price move is
//! exp(λ·flow/N), so the log return is exactly λ Σ_α W_α φ_α / N: the paper's linear ΔX.
//!
//! Given the clusters, the expected excess kurtosis of one period's return is exact
//! (independent clusters; E φ² = E φ⁴ = 2a):
//!   κ = (1 − 6a) Σ_α W_α⁴ / (2a (Σ_α W_α²)²),
//! and for N → ∞ on Erdős–Rényi (the cluster of a random agent is Borel(c) distributed,
//! Σ W² = N E[S], Σ W⁴ = N E[S³]) κ = (1 − 6a) E[S³] / (2aN E[S]²), which diverges as
//! (1 − c)^−3 at the threshold.

use rayon::prelude::*;

use crate::engine::scenario;
use crate::{Check, Curve, CurveStyle, Figure, Settings};
use emergent_sim::Simulation;
use emergent_sim::herding_clusters::cluster_sizes;

const CITATION: &str = "R. Cont and J.-P. Bouchaud, \"Herd behavior and aggregate \
fluctuations in financial markets\", Macroeconomic Dynamics 4, 170–196 (2000)";

/// Probability that a cluster buys (and that it sells) in a period. Small, as in the paper's
/// intermittent regime (aN of order the number of agents trading per period / cluster): the
/// excess kurtosis scales as 1/a.
const A: f64 = 0.01;
/// Mean out-degree of the Erdős–Rényi follow graph (undirected ≈ twice this), thinned to c.
const FOLLOW_DEGREE: f64 = 3.0;

/// The engine configured as the Cont–Bouchaud market with herding-graph mean degree `c`.
fn cont_bouchaud_text(c: f64, agents: usize, ticks: u32, seed: u64) -> String {
    format!(
        r#"
[scenario]
name = "cont-bouchaud"
ticks = {ticks}
seed = {seed}

[population]
agents = {agents}

[population.activity]
median = 1.0
sigma = 0.0
min = 1.0
max = 1.0

[network]
generator = "sbm"
p_in = {p_in}

[feed]
size = 1
window = 1

[policy]
kind = "panic"

[policy.panic]
initial_price = 100.0
holdings = 1e9
cash = 1e9
base_sell = 0.0
herding = 0.0
fear = 0.0
buy_prob = 0.0
buy_herding = 0.0
post_prob = 0.0
impact = 1.0
reversion = 0.0
cluster_trade = {A}
cluster_degree = {c}
cluster_amount = 1.0
"#,
        p_in = FOLLOW_DEGREE / agents as f64
    )
}

/// The engine's herding-cluster sizes for mean degree `c` (the world as built, no tick).
fn cluster_sizes_of(c: f64, agents: usize, seed: u64) -> Vec<usize> {
    let s = scenario(&cont_bouchaud_text(c, agents, 1, seed), "cont-bouchaud");
    let sim = Simulation::new(&s, None)
        .unwrap_or_else(|e| panic!("validation scenario cont-bouchaud: {e}"));
    let m = sim.world.market.as_ref().expect("a panic run has a market");
    cluster_sizes(&m.cluster)
}

/// One engine run: the cluster sizes and the one-tick log returns.
fn run_market(c: f64, agents: usize, ticks: u32, seed: u64) -> (Vec<usize>, Vec<f64>) {
    let s = scenario(&cont_bouchaud_text(c, agents, ticks, seed), "cont-bouchaud");
    let mut sim = Simulation::new(&s, None)
        .unwrap_or_else(|e| panic!("validation scenario cont-bouchaud: {e}"));
    while !sim.is_done() {
        sim.step();
    }
    let m = sim.world.market.as_ref().expect("a panic run has a market");
    let returns = m.history.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    (cluster_sizes(&m.cluster), returns)
}

/// Excess kurtosis E[(x − x̄)⁴]/σ⁴ − 3 (0 when σ = 0).
fn excess_kurtosis(x: &[f64]) -> f64 {
    let n = x.len().max(1) as f64;
    let mean = x.iter().sum::<f64>() / n;
    let m2 = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let m4 = x.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
    if m2 > 0.0 { m4 / (m2 * m2) - 3.0 } else { 0.0 }
}

/// The exact expected excess kurtosis of one period's return given the cluster sizes.
fn kurtosis_given_clusters(sizes: &[usize]) -> f64 {
    let s2: f64 = sizes.iter().map(|&s| (s as f64).powi(2)).sum();
    let s4: f64 = sizes.iter().map(|&s| (s as f64).powi(4)).sum();
    (1.0 - 6.0 * A) * s4 / (2.0 * A * s2 * s2)
}

/// ln P(S = s) for the Borel(c) law of the cluster of a random agent on an infinite
/// Erdős–Rényi graph: P(S = s) = e^{−cs} (cs)^{s−1} / s!.
fn ln_borel(c: f64, s: usize) -> f64 {
    let sf = s as f64;
    -c * sf + (sf - 1.0) * (c * sf).ln() - ln_factorial(s)
}

/// ln s!: exact sum up to 20, Stirling's series beyond (error below 1e-12 there).
fn ln_factorial(s: usize) -> f64 {
    if s <= 20 {
        return (2..=s).map(|k| (k as f64).ln()).sum();
    }
    let x = s as f64;
    // Stirling's series to its x^−5 term: the next one is below 1e-12 from x = 21 on.
    x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x.powi(3))
        + 1.0 / (1260.0 * x.powi(5))
}

/// Clusters of size s per agent, n_s = P(S = s)/s, on the infinite Erdős–Rényi graph.
fn cluster_density(c: f64, s: usize) -> f64 {
    ln_borel(c, s).exp() / s as f64
}

/// The N → ∞ Erdős–Rényi excess kurtosis (1 − 6a) E[S³] / (2aN E[S]²) for c < 1 (moments
/// summed until the terms vanish).
fn kurtosis_er(c: f64, agents: usize) -> f64 {
    let (mut m1, mut m3) = (0.0, 0.0);
    for s in 1..200_000usize {
        let p = ln_borel(c, s).exp();
        let sf = s as f64;
        m1 += sf * p;
        m3 += sf.powi(3) * p;
        if s > 100 && sf.powi(3) * p < 1e-14 * m3 {
            break;
        }
    }
    (1.0 - 6.0 * A) * m3 / (2.0 * A * agents as f64 * m1 * m1)
}

/// Log-binned cluster-size density n_s (clusters of size s per agent, per unit s), bins of
/// ratio 2 starting at s = 1: (geometric centre, density).
fn binned_density(sizes: &[usize], agents: usize) -> Vec<(f64, f64)> {
    let max = sizes.iter().copied().max().unwrap_or(1);
    let mut out = Vec::new();
    let mut lo = 1usize;
    while lo <= max {
        let hi = lo * 2;
        let count = sizes.iter().filter(|&&s| s >= lo && s < hi).count();
        if count > 0 {
            let centre = ((lo * (hi - 1)) as f64).sqrt();
            out.push((centre, count as f64 / (agents as f64 * (hi - lo) as f64)));
        }
        lo = hi;
    }
    out
}

/// Least-squares slope of ln y on ln x.
fn log_slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (lx, ly): (Vec<f64>, Vec<f64>) = points.iter().map(|&(x, y)| (x.ln(), y.ln())).unzip();
    let (mx, my) = (lx.iter().sum::<f64>() / n, ly.iter().sum::<f64>() / n);
    let sxy: f64 = lx.iter().zip(&ly).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = lx.iter().map(|x| (x - mx).powi(2)).sum();
    sxy / sxx
}

pub fn checks(s: &Settings) -> Vec<Check> {
    vec![cluster_size_check(s), kurtosis_check(s)]
}

/// n_s ∝ s^−5/2 at c = 1.
fn cluster_size_check(s: &Settings) -> Check {
    let (agents, seeds) = if s.quick { (100_000, 4) } else { (400_000, 8) };
    let sizes: Vec<usize> = (0..seeds)
        .into_par_iter()
        .flat_map(|k| cluster_sizes_of(1.0, agents, s.seed.wrapping_add(k)))
        .collect();
    let total = agents * seeds as usize;
    let binned = binned_density(&sizes, total);
    // Fit over s in [4, N^{1/2}]: above 1–3 the law is not yet asymptotic (n_1 = e^{−1}),
    // and the finite-size cutoff sets in near N^{2/3}.
    let s_max = (agents as f64).sqrt();
    let fit: Vec<(f64, f64)> = binned
        .iter()
        .copied()
        .filter(|&(x, _)| (4.0..=s_max).contains(&x))
        .collect();
    let slope = log_slope(&fit);
    // Pass within 0.2 of −5/2: log binning of a law with a curved prefactor (the exact n_s
    // is s^−5/2/√(2π)·(1 + O(1/s))) and a few hundred clusters in the top bins.
    let pass = (slope + 2.5).abs() <= 0.2;
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let exact: Vec<(f64, f64)> = (1..=largest.max(2))
        .step_by(1)
        .filter(|&k| k < 20 || k % (k / 20).max(1) == 0)
        .map(|k| (k as f64, cluster_density(1.0, k)))
        .collect();
    let power: Vec<(f64, f64)> = [1.0, largest.max(2) as f64]
        .iter()
        .map(|&x| (x, x.powf(-2.5) / (2.0 * std::f64::consts::PI).sqrt()))
        .collect();
    Check {
        id: "cont-bouchaud-clusters".into(),
        title: "Cont–Bouchaud: herding-cluster sizes at the percolation threshold c = 1".into(),
        citation: CITATION.into(),
        published: "at c = 1 the cluster-size distribution of the random graph is n_s ∝ s^−5/2 \
                    (Erdős–Rényi percolation, the paper's §3.1), giving a power-law tail of \
                    the returns"
            .into(),
        ours: format!(
            "fitted exponent {slope:.3} over s ∈ [4, {s_max:.0}] ({seeds} graphs of {agents} \
             agents, {} clusters, largest {largest})",
            sizes.len()
        ),
        notes: "the clusters are the engine's (`cluster_degree = 1`): connected components \
                (petgraph union–find) of the undirected reading of an Erdős–Rényi follow graph \
                (`sbm`, one community, mean out-degree 3) with each link kept with probability \
                c/k̄, itself an Erdős–Rényi graph of mean degree c."
            .into(),
        pass,
        figures: vec![Figure {
            name: "cont-bouchaud-clusters".into(),
            title: "Cont–Bouchaud: cluster-size distribution at c = 1".into(),
            x_label: "cluster size s".into(),
            y_label: "clusters of size s per agent, n_s".into(),
            log_x: true,
            log_y: true,
            curves: vec![
                Curve {
                    name: "emergent (log-binned)".into(),
                    points: binned,
                    style: CurveStyle::Points,
                },
                Curve {
                    name: "Erdős–Rényi exact n_s = s^(s−2) e^(−s) / s!".into(),
                    points: exact,
                    style: CurveStyle::Line,
                },
                Curve {
                    name: "s^(−5/2)/√(2π)".into(),
                    points: power,
                    style: CurveStyle::Dashed,
                },
            ],
        }],
    }
}

/// Excess kurtosis of the returns vs c.
fn kurtosis_check(s: &Settings) -> Check {
    let (agents, ticks) = if s.quick {
        (5_000, 2_000)
    } else {
        (20_000, 8_000)
    };
    let cs = [0.2, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0];
    let runs: Vec<(f64, f64, f64)> = cs
        .par_iter()
        .map(|&c| {
            let (sizes, r) = run_market(c, agents, ticks, s.seed);
            (c, excess_kurtosis(&r), kurtosis_given_clusters(&sizes))
        })
        .collect();
    let ours: Vec<(f64, f64)> = runs.iter().map(|r| (r.0, r.1)).collect();
    let given: Vec<(f64, f64)> = runs.iter().map(|r| (r.0, r.2)).collect();
    let er: Vec<(f64, f64)> = (0..=40)
        .map(|k| 0.2 + 0.78 * k as f64 / 40.0)
        .map(|c| (c, kurtosis_er(c, agents)))
        .collect();
    // Pass: small below the threshold (κ < 0.5 at c = 0.5), large at it (κ > 2 at c = 1),
    // growing with c (each measured κ from c = 0.7 on at least 0.8 × the previous one: the
    // sample kurtosis of a heavy-tailed law is noisy), and every measured κ within a factor
    // 2 of the exact expectation given the engine's clusters where that exceeds 0.5 (where it
    // is below, a sample of T returns has standard error ≈ √(24/T) ≈ 0.1 and only the
    // smallness matters; a factor 2 because the sample kurtosis of a heavy-tailed law
    // converges slowly: at c = 1 a few large clusters dominate Σ W⁴).
    let at = |c: f64| runs.iter().find(|r| r.0 == c).map_or(f64::NAN, |r| r.1);
    let grows = runs
        .windows(2)
        .filter(|w| w[1].0 >= 0.7)
        .all(|w| w[1].1 >= 0.8 * w[0].1);
    let matches = runs
        .iter()
        .filter(|r| r.2 > 0.5)
        .all(|r| r.1 > 0.5 * r.2 && r.1 < 2.0 * r.2);
    let pass = at(0.5) < 0.5 && at(1.0) > 2.0 && grows && matches;
    let table: Vec<String> = runs
        .iter()
        .map(|(c, k, g)| format!("c = {c}: κ = {k:.2} (exact given the clusters {g:.2})"))
        .collect();
    Check {
        id: "cont-bouchaud-kurtosis".into(),
        title: "Cont–Bouchaud: excess kurtosis of returns vs herding-graph degree c".into(),
        citation: CITATION.into(),
        published: "returns are close to Gaussian (small excess kurtosis) for c well below 1 \
                    and their excess kurtosis grows without bound as c → 1, ∝ 1/(aN) at fixed c \
                    (§3.2); for N → ∞ on Erdős–Rényi, κ = (1 − 6a) E[S³]/(2aN E[S]²) ∝ (1 − c)^−3"
            .into(),
        ours: format!(
            "a = {A}, {agents} agents, {ticks} ticks: {}",
            table.join("; ")
        ),
        notes: "the engine's panic policy as the Cont–Bouchaud market (clusters of the thinned \
                Erdős–Rényi follow graph; every agent active; no fundamental value, fear, feed \
                herding or individual trades; nothing clipped). The price moves by \
                exp(λ·flow/N), so the log return is the paper's linear ΔX exactly. At c = 1 the \
                finite-size largest cluster (~N^{2/3}) caps κ, which the N → ∞ curve does not \
                show; from c ≈ 0.7 on that curve lies above one graph's value because E[S³] is \
                dominated by clusters of size ~(1 − c)^−2 that a single graph of N agents holds \
                few of (its Σ W⁴ is usually below the mean over graphs), so the pass compares the \
                sample with the exact value given the run's own clusters."
            .into(),
        pass,
        figures: vec![Figure {
            name: "cont-bouchaud-kurtosis".into(),
            title: "Cont–Bouchaud: excess kurtosis of one-tick returns vs c".into(),
            x_label: "herding-graph mean degree c".into(),
            y_label: "excess kurtosis of r".into(),
            log_x: false,
            log_y: true,
            curves: vec![
                Curve {
                    name: "emergent (sample of the run's returns)".into(),
                    points: ours,
                    style: CurveStyle::Points,
                },
                Curve {
                    name: "exact, given the run's clusters".into(),
                    points: given,
                    style: CurveStyle::Line,
                },
                Curve {
                    name: "Erdős–Rényi N → ∞: (1−6a)E[S³]/(2aN E[S]²)".into(),
                    points: er,
                    style: CurveStyle::Dashed,
                },
            ],
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_borel_law_sums_to_one_below_the_threshold_with_mean_one_over_one_minus_c() {
        let c = 0.6;
        let (p, m): (f64, f64) = (1..2000).fold((0.0, 0.0), |(p, m), s| {
            let q = ln_borel(c, s).exp();
            (p + q, m + s as f64 * q)
        });
        assert!((p - 1.0).abs() < 1e-9 && (m - 1.0 / (1.0 - c)).abs() < 1e-9);
        // E[S³] of Borel(c) is (1 + 2c)/(1 − c)^5, so κ = (1 − 6a)(1 + 2c)/(2aN(1 − c)³).
        let k = kurtosis_er(c, 1000);
        let closed = (1.0 - 6.0 * A) * (1.0 + 2.0 * c) / (2.0 * A * 1000.0 * (1.0 - c).powi(3));
        assert!((k - closed).abs() < 1e-6 * closed, "{k} vs {closed}");
        // Stirling beyond 20 continues the exact sum.
        let exact: f64 = (2..=21).map(|k| (k as f64).ln()).sum();
        assert!((ln_factorial(21) - exact).abs() < 1e-10);
    }

    #[test]
    fn one_cluster_of_everyone_has_the_kurtosis_of_a_three_point_law() {
        // φ ∈ {+1, −1, 0} with P(±1) = a: excess kurtosis 1/(2a) − 3.
        let k = kurtosis_given_clusters(&[100]);
        assert!((k - (1.0 / (2.0 * A) - 3.0)).abs() < 1e-12, "{k}");
    }
}

//! Baumann, Lorenz-Spreen, Sokolov & Starnini (2020): radicalization dynamics on
//! activity-driven temporal networks with homophily give consensus, one-sided radicalization
//! or polarization, and consensus loses stability at a controversialness α_c.
//!
//! The published model (PRL 124, 048301, Eqs. 1–2): dx_i/dt = −x_i + K Σ_j A_ij(t) tanh(α x_j);
//! each step dt every agent is active with probability a_i (F(a) ∝ a^−γ on [ε, 1]) and then
//! contacts m agents chosen with p_ij ∝ |x_i − x_j|^−β, each of which influences it back with
//! probability r. Fig. 1: N = 1000, K = 3, m = 10, ε = 0.01, γ = 2.1, r = 0.5, dt = 0.01,
//! opinions uniform on [−1, 1]; (a) α = 0.05, β = 2: consensus; (b) α = 3, β = 0:
//! radicalization, every opinion on one side; (c) α = 3, β = 3: polarization, two camps of
//! opposite sign whose members interact with their own side (echo chambers).
//!
//! Ours is the engine's `radicalization` policy with those parameters, every agent posting
//! each tick, a one-tick feed window, and a feed of `POOL` uniformly random agents' current
//! opinions (`out_of_network_share = 1`): the homophily draw is made among a uniform sample
//! of the population rather than among all N − 1 (see `emergent_sim::policy` radicalization).
//!
//! α_c: linearising tanh(αx) ≈ αx around consensus, the fast-switching network acts through
//! its mean E[A_ij] = (m/N)(a_i + r a_j) (i contacts j when i is active, or j contacts i and
//! it is reciprocated), a rank-2 matrix whose largest eigenvalue is
//! λ = (m/2)[(1 + r)⟨a⟩ + √((1 − r)²⟨a⟩² + 4r⟨a²⟩)]. Consensus is stable for α < α_c = 1/(Kλ).
//! (Neglecting the activity–opinion correlation, ⟨a_j x_j⟩ ≈ ⟨a⟩⟨x⟩, gives the cruder
//! 1/(K m ⟨a⟩(1 + r)); both are reported.) Measured: the growth rate of the critical mode
//! ψ = Σ_i u_i x_i (u the left eigenvector of E[A]) over a sweep of α, from small initial
//! opinions, with β = 0.

use rayon::prelude::*;

use crate::engine::scenario;
use crate::stats::mean;
use crate::{Check, Curve, CurveStyle, Figure, Settings};
use emergent_scenario::Scenario;
use emergent_sim::{Action, Simulation};

const CITATION: &str = "F. Baumann, P. Lorenz-Spreen, I. M. Sokolov and M. Starnini, \
\"Modeling echo chambers and polarization dynamics in social networks\", Phys. Rev. Lett. \
124, 048301 (2020)";

/// Fig. 1's parameters.
const N: usize = 1000;
const K: f64 = 3.0;
const M: u32 = 10;
const EPS: f64 = 0.01;
const GAMMA: f64 = 2.1;
const R: f64 = 0.5;
const DT: f64 = 0.01;

/// Candidates per homophily draw: a uniform sample of the population (10 % of it).
const POOL: usize = 100;

/// One configuration of the published model in the engine.
struct Config {
    alpha: f64,
    beta: f64,
    ticks: u32,
    seed: u64,
    pool: usize,
    /// Initial opinions: uniform on [−1, 1] (`None`) or N(0, σ²) (`Some(σ)`).
    small_start: Option<f64>,
}

fn scenario_of(c: &Config) -> Scenario {
    let start = match c.small_start {
        None => "initial_stance = \"uniform\"".to_string(),
        Some(s) => format!("initial_stance = \"by_community\"\nstance_noise = {s}"),
    };
    let text = format!(
        r#"
[scenario]
name = "baumann"
ticks = {ticks}
seed = {seed}

[population]
agents = {N}
{start}

[population.activity]
distribution = "powerlaw"
exponent = {GAMMA}
min = {EPS}
max = 1.0

[network]
generator = "ba"
m = 1

[feed]
size = {pool}
out_of_network_share = 1.0
window = 1
ranking = "chronological"

[policy]
kind = "radicalization"

[policy.radicalization]
k = {K}
alpha = {alpha}
beta = {beta}
reciprocity = {R}
contacts = {M}
dt = {DT}
post_prob = 1.0
"#,
        ticks = c.ticks,
        seed = c.seed,
        pool = c.pool,
        alpha = c.alpha,
        beta = c.beta,
    );
    scenario(&text, "baumann")
}

/// What one run ends with.
struct Outcome {
    /// Final opinions.
    x: Vec<f64>,
    /// corr(x_i, mean opinion of the agents i contacted and influenced back), over the last
    /// `ECHO_TICKS` ticks: the interaction-network echo chambers of the paper's Fig. 1 insets.
    echo: f64,
    /// (t, x_i(t)) of a few agents, for the trajectory figure.
    trajectories: Vec<Vec<(f64, f64)>>,
}

/// Ticks at the end of a run over which contacts are collected.
const ECHO_TICKS: u32 = 50;
/// Agents whose trajectories are drawn.
const TRACED: usize = 40;

fn run(c: &Config) -> Outcome {
    let s = scenario_of(c);
    let mut sim = Simulation::new(&s, None).expect("the Baumann scenario builds");
    let mut sums = vec![(0.0, 0u32); N];
    let every = (c.ticks / 100).max(1);
    let mut trajectories = vec![Vec::new(); TRACED];
    while !sim.is_done() {
        let w = &sim.world;
        if w.tick.is_multiple_of(every) {
            let x = w.feature("stance").unwrap_or_default();
            for (k, tr) in trajectories.iter_mut().enumerate() {
                tr.push((w.tick as f64 * DT, x[k * N / TRACED]));
            }
        }
        let d = w.decide(sim.policy.as_ref());
        if w.tick + ECHO_TICKS >= c.ticks {
            // The reciprocated contacts (an unbiased half of all contacts, r = 0.5).
            for (i, dec) in d.decisions.iter().enumerate() {
                let me = d.feeds.agents[i] as usize;
                for a in dec.actions() {
                    if let Action::Influence { item, .. } = a {
                        let y = w.items.stance[*item as usize] as f64;
                        sums[me].0 += y;
                        sums[me].1 += 1;
                    }
                }
            }
        }
        sim.world.apply(&d);
        sim.world.forget_unseen_items();
    }
    let x = sim.world.feature("stance").unwrap_or_default();
    let (own, around): (Vec<f64>, Vec<f64>) = sums
        .iter()
        .enumerate()
        .filter(|(_, s)| s.1 > 0)
        .map(|(i, s)| (x[i], s.0 / s.1 as f64))
        .unzip();
    Outcome {
        echo: pearson(&own, &around),
        x,
        trajectories,
    }
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let (ma, mb) = (mean(a), mean(b));
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    if va > 0.0 && vb > 0.0 {
        cov / (va * vb).sqrt()
    } else {
        0.0
    }
}

/// ⟨a⟩ and ⟨a²⟩ of F(a) = (1 − γ)/(1 − ε^{1−γ}) a^−γ on [ε, 1].
fn activity_moments() -> (f64, f64) {
    let norm = (1.0 - GAMMA) / (1.0 - EPS.powf(1.0 - GAMMA));
    let moment = |k: f64| norm * (1.0 - EPS.powf(k + 1.0 - GAMMA)) / (k + 1.0 - GAMMA);
    (moment(1.0), moment(2.0))
}

/// Largest eigenvalue of E[A] = (m/N)(a_i + r a_j) and its left eigenvector's coefficients
/// (p, q): u_i = p + q a_i, from the activity moments `(a1, a2)`.
fn mean_field(a1: f64, a2: f64) -> (f64, (f64, f64)) {
    let m = M as f64;
    let lambda = 0.5 * m * ((1.0 + R) * a1 + ((1.0 - R).powi(2) * a1 * a1 + 4.0 * R * a2).sqrt());
    // λ q = m r (p + q⟨a⟩) with p = 1.
    let q = m * R / (lambda - m * R * a1);
    (lambda, (1.0, q))
}

/// Growth rate of ψ = Σ (p + q a_i) x_i between t1 and t2 (α sweep, β = 0), and α_c of the
/// run's own population (its sample ⟨a⟩ and ⟨a²⟩).
fn growth_rate(alpha: f64, seed: u64, t1: u32, t2: u32, uq: (f64, f64)) -> (f64, f64) {
    let c = Config {
        alpha,
        beta: 0.0,
        ticks: t2,
        seed,
        pool: 2 * M as usize,
        small_start: Some(0.05),
    };
    let mut sim = Simulation::new(&scenario_of(&c), None).expect("the Baumann scenario builds");
    let psi = |sim: &Simulation| {
        let w = &sim.world;
        let x = w.feature("stance").unwrap_or_default();
        let a = w.feature("activity").unwrap_or_default();
        x.iter()
            .zip(&a)
            .map(|(x, a)| (uq.0 + uq.1 * a) * x)
            .sum::<f64>()
    };
    let a = sim.world.feature("activity").unwrap_or_default();
    let a2: Vec<f64> = a.iter().map(|v| v * v).collect();
    let sample_alpha_c = 1.0 / (K * mean_field(mean(&a), mean(&a2)).0);
    let mut at_t1 = 0.0;
    while !sim.is_done() {
        if sim.world.tick == t1 {
            at_t1 = psi(&sim);
        }
        sim.step();
        sim.world.forget_unseen_items();
    }
    let rate = (psi(&sim).abs().ln() - at_t1.abs().ln()) / ((t2 - t1) as f64 * DT);
    (rate, sample_alpha_c)
}

fn histogram(x: &[f64], lo: f64, hi: f64, bins: usize) -> Vec<(f64, f64)> {
    let width = (hi - lo) / bins as f64;
    let mut h = vec![0.0; bins];
    for &v in x {
        if (lo..hi).contains(&v) {
            h[((v - lo) / width) as usize] += 1.0;
        }
    }
    h.iter()
        .enumerate()
        .map(|(k, c)| (lo + (k as f64 + 0.5) * width, c / (x.len() as f64 * width)))
        .collect()
}

fn share_positive(x: &[f64]) -> f64 {
    x.iter().filter(|&&v| v > 0.0).count() as f64 / x.len() as f64
}

pub fn checks(s: &Settings) -> Vec<Check> {
    let mut out = regimes(s);
    out.push(consensus_boundary(s));
    out
}

/// Fig. 1's three regimes.
fn regimes(s: &Settings) -> Vec<Check> {
    let ticks = if s.quick { 1000 } else { 3000 };
    let cfg = |alpha, beta| Config {
        alpha,
        beta,
        ticks,
        seed: s.seed,
        pool: POOL,
        small_start: None,
    };
    let configs = [cfg(0.05, 2.0), cfg(3.0, 0.0), cfg(3.0, 3.0)];
    let runs: Vec<Outcome> = configs.par_iter().map(run).collect();
    let t_end = ticks as f64 * DT;
    let (cons, rad, pol) = (&runs[0], &runs[1], &runs[2]);

    // (a) Consensus: every opinion decays at least as fast as the critical mode,
    // e^{−(1 − α/α_c) t}; by t = 10 from |x| ≤ 1 that is below 10⁻². Tolerance 10⁻².
    let max_abs = cons.x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let consensus = max_abs < 1e-2;
    // (b) Radicalization: the paper's panel has every opinion on one side; allow 2 % of
    // stragglers (low-activity agents still crossing at the end of a finite run).
    let side = share_positive(&rad.x).max(1.0 - share_positive(&rad.x));
    let one_sided = side >= 0.98 && mean(&rad.x.iter().map(|v| v.abs()).collect::<Vec<_>>()) > 1.0;
    // (c) Polarization: two camps, each at least 30 % (a symmetric split up to finite-size
    // drift), and echo chambers: opinions correlate with those of the agents one interacts
    // with (ρ > 0.5) far more than without homophily.
    let pos = share_positive(&pol.x);
    let polarized = pos.min(1.0 - pos) >= 0.3 && pol.echo > 0.5 && pol.echo > rad.echo + 0.3;

    let hist = |o: &Outcome, name: &str| Curve {
        name: name.into(),
        points: histogram(&o.x, -6.0, 6.0, 60),
        style: CurveStyle::Line,
    };
    let traj = |o: &Outcome, name: &str, id: &str| Figure {
        name: format!("baumann-trajectories-{id}"),
        title: format!("Baumann et al. Fig. 1{id}: opinion trajectories ({name})"),
        x_label: "time t".into(),
        y_label: "opinion x_i(t)".into(),
        log_x: false,
        log_y: false,
        curves: o
            .trajectories
            .iter()
            .enumerate()
            .map(|(k, p)| Curve {
                name: format!("agent {}", k * N / TRACED),
                points: p.clone(),
                style: CurveStyle::Line,
            })
            .collect(),
    };
    let notes = format!(
        "the engine's radicalization policy with Fig. 1's parameters (N = {N}, K = {K}, m = {M}, \
         ε = {EPS}, γ = {GAMMA}, r = {R}, dt = {DT}, t up to {t_end}); one tick is one Euler \
         step. Contacts are drawn with homophily among a uniform sample of {POOL} agents' \
         current opinions (the feed), not among all N − 1, and a contact reads the opinion its \
         author posted after its own step of the previous tick (an O(dt) lag)."
    );
    let dist_figure = Figure {
        name: "baumann-distributions".into(),
        title: "Baumann et al. Fig. 1: final opinion distributions".into(),
        x_label: "opinion x".into(),
        y_label: "density".into(),
        log_x: false,
        log_y: false,
        curves: vec![
            hist(rad, "(b) α = 3, β = 0: radicalization"),
            hist(pol, "(c) α = 3, β = 3: polarization"),
        ],
    };
    vec![
        Check {
            id: "baumann-consensus".into(),
            title: "Baumann et al. (a): consensus for small controversialness".into(),
            citation: CITATION.into(),
            published: "α = 0.05, β = 2: all opinions converge to the neutral consensus x = 0 \
                        (Fig. 1a)"
                .into(),
            ours: format!("max |x_i| at t = {t_end}: {max_abs:.2e} (pass below 1e-2)"),
            notes: notes.clone(),
            pass: consensus,
            figures: vec![traj(cons, "α = 0.05, β = 2", "a")],
        },
        Check {
            id: "baumann-radicalization".into(),
            title: "Baumann et al. (b): one-sided radicalization without homophily".into(),
            citation: CITATION.into(),
            published: "α = 3, β = 0: every opinion radicalizes to the same side (Fig. 1b)".into(),
            ours: format!(
                "{:.1} % of opinions on the majority side, mean |x| = {:.2}, interaction echo \
                 ρ = {:.2} (pass: ≥ 98 % on one side, mean |x| > 1)",
                100.0 * side,
                mean(&rad.x.iter().map(|v| v.abs()).collect::<Vec<_>>()),
                rad.echo
            ),
            notes: notes.clone(),
            pass: one_sided,
            figures: vec![traj(rad, "α = 3, β = 0", "b")],
        },
        Check {
            id: "baumann-polarization".into(),
            title: "Baumann et al. (c): polarization and echo chambers with homophily".into(),
            citation: CITATION.into(),
            published: "α = 3, β = 3: opinions split into two radicalized camps of opposite \
                        sign, whose members interact mostly within their camp (Fig. 1c)"
                .into(),
            ours: format!(
                "{:.1} % positive, {:.1} % negative; correlation of an agent's opinion with the \
                 mean opinion of its contacts over the last {ECHO_TICKS} ticks ρ = {:.2} \
                 (without homophily {:.2}); pass: each camp ≥ 30 %, ρ > 0.5 and ρ exceeds the \
                 β = 0 value by 0.3",
                100.0 * pos,
                100.0 * (1.0 - pos),
                pol.echo,
                rad.echo
            ),
            notes,
            pass: polarized,
            figures: vec![traj(pol, "α = 3, β = 3", "c"), dist_figure],
        },
    ]
}

/// The consensus boundary α_c against a sweep of α.
fn consensus_boundary(s: &Settings) -> Check {
    let (a1, a2) = activity_moments();
    let (lambda, uq) = mean_field(a1, a2);
    let alpha_c = 1.0 / (K * lambda);
    let alpha_c_crude = 1.0 / (K * M as f64 * a1 * (1.0 + R));
    let (alphas, seeds): (Vec<f64>, u64) = if s.quick {
        ((0..9).map(|k| 0.2 + 0.05 * k as f64).collect(), 2)
    } else {
        ((0..21).map(|k| 0.2 + 0.02 * k as f64).collect(), 6)
    };
    let (t1, t2) = (300, 800);
    let runs: Vec<(f64, u64)> = alphas
        .iter()
        .flat_map(|&a| (0..seeds).map(move |k| (a, k)))
        .collect();
    let rates: Vec<(f64, f64, f64)> = runs
        .par_iter()
        .map(|&(a, k)| {
            let (g, c) = growth_rate(a, s.seed.wrapping_add(100 + k), t1, t2, uq);
            (a, g, c)
        })
        .collect();
    // α_c of the populations the sweep ran on (one per seed, the same for every α).
    let sample_alpha_c = mean(&rates.iter().map(|r| r.2).collect::<Vec<_>>());
    let measured: Vec<(f64, f64)> = alphas
        .iter()
        .map(|&a| {
            let g: Vec<f64> = rates.iter().filter(|r| r.0 == a).map(|r| r.1).collect();
            (a, mean(&g))
        })
        .collect();
    // The zero crossing of the measured growth rate, interpolated between sweep points.
    let crossing = measured.windows(2).find_map(|w| {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        (y0 < 0.0 && y1 >= 0.0).then(|| x0 + (x1 - x0) * (-y0) / (y1 - y0))
    });
    // The mean-field α_c of the populations simulated (their sample ⟨a⟩, ⟨a²⟩: ⟨a²⟩ of 1000
    // draws from a^−2.1 is dominated by its few largest and moves α_c by ~10 % from the
    // analytic value) is the exact linear-stability prediction for these runs; 5 % covers the
    // sweep's spacing under linear interpolation, the O(dt) lag of contacts and the noise of
    // the finite temporal network around its mean.
    let pass = crossing.is_some_and(|c| (c - sample_alpha_c).abs() <= 0.05 * sample_alpha_c);
    let analytic: Vec<(f64, f64)> = [alphas[0], alphas[alphas.len() - 1]]
        .iter()
        .map(|&a| (a, K * a * lambda - 1.0))
        .collect();
    Check {
        id: "baumann-alpha-c".into(),
        title: "Baumann et al.: consensus loses stability at α_c".into(),
        citation: CITATION.into(),
        published: format!(
            "consensus turns into radicalization where the mean-field linear stability of x = 0 \
             is lost (α_c; the paper's phase diagram in α and K). That analysis, done here for \
             Fig. 1's K = {K}, m = {M}, r = {R}, ε = {EPS}, γ = {GAMMA} (⟨a⟩ = {a1:.4}, \
             ⟨a²⟩ = {a2:.4}): α_c = 1/(Kλ) = {alpha_c:.3}, λ the largest eigenvalue of \
             E[A_ij] = (m/N)(a_i + r a_j) (the cruder ⟨a x⟩ ≈ ⟨a⟩⟨x⟩ closure gives \
             1/(Km⟨a⟩(1 + r)) = {alpha_c_crude:.3})"
        ),
        ours: format!(
            "growth rate of the critical mode ψ = Σ(1 + {:.2} a_i) x_i over t ∈ [{}, {}], β = 0, \
             {seeds} seeds per α: crosses zero at α = {}; α_c from the runs' own activities (sample ⟨a⟩, ⟨a²⟩): {sample_alpha_c:.3} (pass within \
             5 % of it)",
            uq.1,
            t1 as f64 * DT,
            t2 as f64 * DT,
            crossing.map_or("— (no crossing in the sweep)".into(), |c| format!(
                "{c:.3}"
            ))
        ),
        notes: "β = 0 (at consensus all opinion distances vanish and homophily is undefined); \
                initial opinions N(0, 0.05²) so tanh(αx) is linear; the critical mode's \
                left eigenvector from the analytic activity moments; contacts among a uniform \
                sample of 2m agents (without homophily any uniform pool is the paper's \
                uniform choice)."
            .into(),
        pass,
        figures: vec![Figure {
            name: "baumann-alpha-c".into(),
            title: "Baumann et al.: growth rate of the consensus' critical mode vs α".into(),
            x_label: "controversialness α".into(),
            y_label: "growth rate (1/time)".into(),
            log_x: false,
            log_y: false,
            curves: vec![
                Curve {
                    name: "emergent (mean over seeds)".into(),
                    points: measured,
                    style: CurveStyle::Points,
                },
                Curve {
                    name: "mean field Kαλ − 1".into(),
                    points: analytic,
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
    fn the_activity_moments_match_a_numerical_integral() {
        let (a1, a2) = activity_moments();
        let norm = (1.0 - GAMMA) / (1.0 - EPS.powf(1.0 - GAMMA));
        let steps = 200_000;
        let (mut m1, mut m2) = (0.0, 0.0);
        for k in 0..steps {
            // Midpoint rule on a log grid.
            let (u0, u1) = (k as f64 / steps as f64, (k + 1) as f64 / steps as f64);
            let (x0, x1) = (EPS.powf(1.0 - u0), EPS.powf(1.0 - u1));
            let x = 0.5 * (x0 + x1);
            let f = norm * x.powf(-GAMMA) * (x1 - x0);
            m1 += x * f;
            m2 += x * x * f;
        }
        assert!((m1 - a1).abs() < 1e-6 * a1, "{m1} vs {a1}");
        assert!((m2 - a2).abs() < 1e-6 * a2, "{m2} vs {a2}");
        let (lambda, (p, q)) = mean_field(a1, a2);
        // (p + q a)ᵀ E[A] = λ (p + q a)ᵀ, checked on the 2×2 reduction.
        let m = M as f64;
        assert!((lambda * p - m * (p * a1 + q * a2)).abs() < 1e-9);
        assert!((lambda * q - m * R * (p + q * a1)).abs() < 1e-9);
    }
}

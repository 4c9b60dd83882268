//! The engine's sampling noise in the radicalization twin: each agent's stance is read as a
//! Gaussian N(x_i, v_i) (a moment closure), not as its expected value alone.
//!
//! Why: an active agent contacts m feed items drawn at random, so its drive K Σ tanh(α x_j)
//! is a sum of a few ±1 terms a tick, and its stance, a moving average of the drive over
//! ~1/dt ticks, wanders around its expected path with a variance of the order of
//! dt K² a m / 2. Where homophily feeds that wander back (an agent pushed to one side now
//! contacts that side more), the spread is amplified and acts on the means: a listener away
//! from 0 pushes the speakers it contacts harder (tanh(α x) is steep near 0). Measured on the
//! quickstart's 1–10 % corner (docs/ground-truth.md, "Noise"): the expected-value twin missed
//! 23 % of var(stance), and the miss went away in the engine with a quarter of the noise.
//!
//! The closure (an unscented-Kalman-style statistical linearisation, so no second derivatives
//! of the tick are needed):
//! - as a listener (its contacts, its pull and its reciprocal pushes) agent i is read at the
//!   two sigma points x_i ± σ_i with half weight each; as a speaker (its items) at x_i;
//! - v_i(t + 1) = (1 − dt + b_i)² v_i + c² Var(D_i), with b_i = (P⁺_i − P⁻_i) / (2 s_i) the
//!   slope of i's pull between its sigma points and Var(D_i) the sampling variance of one
//!   tick's drive ([`drive_variance`]);
//! - the twin's `stance` is one draw x_i + z_i σ_i with fixed normal scores z_i (common to
//!   every w, so M stays a deterministic, differentiable function of w): the indicators see a
//!   population with the runs' spread, as they see the runs.
//!
//! σ_i = v_i / √(v_i + ε²) and s_i = √(v_i + ε²): both ≈ √v_i once v_i ≫ ε², σ_i = 0 at
//! v_i = 0 (no contacts, no noise: the twin without noise exactly) and both smooth in v_i.

use emergent_attribution::rng::mix64;

/// ε² of σ = v / √(v + ε²): far below any variance the noise produces.
const EPS2: f64 = 1e-12;

/// σ_i (the sigma points' offset and the draw's scale) and dσ/dv.
pub(crate) fn sigma(v: f64) -> (f64, f64) {
    let v = v.max(0.0);
    let q = v + EPS2;
    let r = q.sqrt();
    (v / r, (0.5 * v + EPS2) / (q * r))
}

/// s_i = √(v_i + ε²), the slope's denominator, and ds/dv.
pub(crate) fn slope_scale(v: f64) -> (f64, f64) {
    let r = (v.max(0.0) + EPS2).sqrt();
    (r, 0.5 / r)
}

/// Var(D) of one tick's drive D = A Σ_{k ≤ μ} s_k, A ~ Bernoulli(a), the contacts' signs s_k
/// with mean s̄ and E[s²] = 1 (the camps' tanh(α x) saturate): a μ + a μ (μ − 1) s̄² − (a μ s̄)²,
/// with its partials in (a μ, μ, s̄).
pub(crate) fn drive_variance(am: f64, mu: f64, sbar: f64) -> (f64, [f64; 3]) {
    let s2 = sbar * sbar;
    let v = am + am * (mu - 1.0) * s2 - am * am * s2;
    let d_am = 1.0 + (mu - 1.0) * s2 - 2.0 * am * s2;
    let d_mu = am * s2;
    let d_s = 2.0 * sbar * (am * (mu - 1.0) - am * am);
    (v, [d_am, d_mu, d_s])
}

/// A fixed standard normal score for agent `i` (Box–Muller on two hashes of i).
pub(crate) fn normal_score(i: usize) -> f64 {
    let h1 = mix64(i as u64 ^ 0x6e6f_6973_655f_7a31);
    let h2 = mix64(h1 ^ 0x6e6f_6973_655f_7a32);
    let unit = |h: u64| ((h >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    (-2.0 * unit(h1).ln()).sqrt() * (std::f64::consts::TAU * unit(h2)).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_are_square_roots_away_from_zero_and_vanish_at_zero() {
        assert_eq!(sigma(0.0).0, 0.0);
        for v in [1e-4, 0.2, 3.0] {
            assert!((sigma(v).0 - v.sqrt()).abs() < 1e-6 * v.sqrt());
            assert!((slope_scale(v).0 - v.sqrt()).abs() < 1e-6 * v.sqrt());
            let e = 1e-7 * v;
            let fd = (sigma(v + e).0 - sigma(v - e).0) / (2.0 * e);
            assert!((fd - sigma(v).1).abs() < 1e-5 * fd.abs());
        }
    }

    #[test]
    fn drive_variance_is_the_bernoulli_sum_of_signs() {
        // All contacts of one sign: only whether i is active varies, a(1 − a) μ².
        let (v, _) = drive_variance(0.6 * 3.0, 3.0, 1.0);
        assert!((v - 0.6 * 0.4 * 9.0).abs() < 1e-12);
        // Balanced signs: a μ.
        assert!((drive_variance(1.8, 3.0, 0.0).0 - 1.8).abs() < 1e-12);
        let (am, mu, s) = (1.3, 2.4, 0.37);
        let (_, d) = drive_variance(am, mu, s);
        let e = 1e-6;
        let fd = [
            (drive_variance(am + e, mu, s).0 - drive_variance(am - e, mu, s).0) / (2.0 * e),
            (drive_variance(am, mu + e, s).0 - drive_variance(am, mu - e, s).0) / (2.0 * e),
            (drive_variance(am, mu, s + e).0 - drive_variance(am, mu, s - e).0) / (2.0 * e),
        ];
        for (a, b) in fd.iter().zip(d) {
            assert!((a - b).abs() < 1e-7, "{a} vs {b}");
        }
    }

    #[test]
    fn normal_scores_look_standard() {
        let z: Vec<f64> = (0..20_000).map(normal_score).collect();
        let m = z.iter().sum::<f64>() / z.len() as f64;
        let v = z.iter().map(|x| (x - m).powi(2)).sum::<f64>() / z.len() as f64;
        assert!(
            m.abs() < 0.03 && (v - 1.0).abs() < 0.05,
            "mean {m}, var {v}"
        );
    }
}

//! Gauss–Legendre quadrature of the Aumann–Shapley path integral.

use crate::error::AttributionError;
use crate::path::Path;
use crate::progress::Progress;

/// K-node Gauss–Legendre rule on [0, 1]: (nodes, weights), nodes ascending.
///
/// Exact for polynomials of degree ≤ 2K − 1. Nodes come from Newton's method on P_K with the
/// three-term recurrence; accurate to a few ulps for K up to several thousand.
pub fn gauss_legendre(k: usize) -> (Vec<f64>, Vec<f64>) {
    assert!(k >= 1, "Gauss–Legendre needs at least one node");
    let mut nodes = vec![0.0; k];
    let mut weights = vec![0.0; k];
    let kf = k as f64;
    for i in 0..k.div_ceil(2) {
        // Tricomi's initial guess for the i-th root (descending on [-1, 1]).
        let theta = std::f64::consts::PI * (i as f64 + 0.75) / (kf + 0.5);
        let mut x = theta.cos();
        let mut dp = 0.0;
        for _ in 0..100 {
            let (p, d) = legendre(k, x);
            dp = d;
            let dx = p / d;
            x -= dx;
            if dx.abs() < 1e-16 {
                break;
            }
        }
        let (_, d) = legendre(k, x);
        if d != 0.0 {
            dp = d;
        }
        let w = 2.0 / ((1.0 - x * x) * dp * dp);
        // Map [-1, 1] → [0, 1]; root x and its mirror −x.
        nodes[i] = 0.5 * (1.0 - x);
        nodes[k - 1 - i] = 0.5 * (1.0 + x);
        weights[i] = 0.5 * w;
        weights[k - 1 - i] = 0.5 * w;
    }
    (nodes, weights)
}

/// P_k(x) and P_k'(x).
fn legendre(k: usize, x: f64) -> (f64, f64) {
    let (mut p0, mut p1) = (1.0, x);
    if k == 0 {
        return (1.0, 0.0);
    }
    for j in 2..=k {
        let jf = j as f64;
        let p2 = ((2.0 * jf - 1.0) * x * p1 - (jf - 1.0) * p0) / jf;
        p0 = p1;
        p1 = p2;
    }
    let d = k as f64 * (x * p1 - p0) / (x * x - 1.0);
    (p1, d)
}

/// ∫₀¹ ∂f/∂x_ik(x(α)) dα for every agent and column, with a K-node rule.
pub(crate) fn integrate_gradient(
    path: &Path,
    k: usize,
    progress: &dyn Progress,
) -> Result<Vec<Vec<f64>>, AttributionError> {
    let (nodes, weights) = gauss_legendre(k);
    let mut acc: Vec<Vec<f64>> = (0..path.x.len())
        .map(|_| crate::buf::zeroed(path.n))
        .collect();
    for (a, w) in nodes.iter().zip(&weights) {
        path.accumulate_gradient(*a, *w, &mut acc)?;
        progress.advance(1);
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_polynomials_exactly_to_degree_2k_minus_1() {
        for k in [1, 2, 3, 5, 8, 32, 100] {
            let (x, w) = gauss_legendre(k);
            assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-14, "k={k}");
            for deg in 0..(2 * k).min(40) {
                let got: f64 = x.iter().zip(&w).map(|(x, w)| w * x.powi(deg as i32)).sum();
                let want = 1.0 / (deg as f64 + 1.0);
                assert!(
                    (got - want).abs() < 1e-13,
                    "k={k} deg={deg}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn nodes_are_ascending_and_inside() {
        let (x, _) = gauss_legendre(1024);
        assert!(x.windows(2).all(|p| p[0] < p[1]));
        assert!(x[0] > 0.0 && x[1023] < 1.0);
    }
}

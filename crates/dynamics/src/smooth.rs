//! Smooth stand-ins for the surrogates' hard rules. Each → its hard rule as its width → 0.

/// Logistic σ(z).
#[inline]
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Smoothed |d| (C¹ at 0).
const ETA: f64 = 1e-6;

/// Bounded-confidence kernel K(d) = σ((ε − |d|)/δ): ≈ 1 inside the bound, ≈ 0 outside.
/// Returns (K, dK/dd).
#[inline]
pub(crate) fn confidence(d: f64, eps: f64, delta: f64) -> (f64, f64) {
    let r = (d * d + ETA * ETA).sqrt();
    let k = sigmoid((eps - (r - ETA)) / delta);
    (k, -k * (1.0 - k) / delta * d / r)
}

/// h(n) = (1 − e^{−n})/n, the probability of seeing at least one of a Poisson(n) number of
/// items, per expected item; h(0) = 1. Returns (h, h').
#[inline]
pub(crate) fn at_least_one(n: f64) -> (f64, f64) {
    if n.abs() < 1e-4 {
        (1.0 - n / 2.0 + n * n / 6.0, -0.5 + n / 3.0)
    } else {
        let e = (-n).exp();
        ((1.0 - e) / n, (e * (n + 1.0) - 1.0) / (n * n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_finite_differences() {
        for d in [-0.7, -0.2, 0.0001, 0.3, 0.45] {
            let (_, dk) = confidence(d, 0.4, 0.05);
            let fd = (confidence(d + 1e-7, 0.4, 0.05).0 - confidence(d - 1e-7, 0.4, 0.05).0) / 2e-7;
            assert!((dk - fd).abs() < 1e-5 * (1.0 + fd.abs()), "{d}: {dk} {fd}");
        }
        for n in [0.0, 1e-5, 0.3, 2.0, 10.0] {
            let (_, dh) = at_least_one(n);
            let fd = (at_least_one(n + 1e-6).0 - at_least_one((n - 1e-6f64).max(-1e-6)).0)
                / (n + 1e-6 - (n - 1e-6f64).max(-1e-6));
            assert!((dh - fd).abs() < 1e-4, "{n}: {dh} {fd}");
        }
        assert!(confidence(0.0, 0.4, 0.01).0 > 0.999 && confidence(0.8, 0.4, 0.01).0 < 1e-6);
    }
}

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

/// Softplus with corner width `width`: width·ln(1 + e^{z/width}) → max(z, 0) as width → 0.
/// Its derivative is σ(z/width).
#[inline]
pub(crate) fn softplus(z: f64, width: f64) -> f64 {
    let u = z / width;
    if u > 0.0 {
        z + width * (-u).exp().ln_1p()
    } else {
        width * u.exp().ln_1p()
    }
}

/// Smoothed |d| (C¹ at 0).
const ETA: f64 = 1e-6;

/// Cody–Waite split of ln 2 (the high part has trailing zero bits, so n·LN2_HI is exact).
const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// 1.5·2^52: adding and subtracting it rounds to the nearest integer (no SSE4.1 needed), and
/// the sum's low bits are that integer.
const ROUND: f64 = 6_755_399_441_055_744.0;
/// 1/k! for k = 0..=12.
const INV_FACT: [f64; 13] = {
    let mut c = [1.0; 13];
    let mut k = 1;
    while k < 13 {
        c[k] = c[k - 1] / k as f64;
        k += 1;
    }
    c
};

/// e^x: [`exp_normal`] with libm outside its range (and for NaN); what the tests compare
/// with libm.
#[cfg(test)]
fn exp(x: f64) -> f64 {
    if !(-708.0..=709.0).contains(&x) {
        return x.exp();
    }
    exp_normal(x)
}

/// e^x for x ∈ [−708, 709] to within a few ulp (tested against libm below), inlined and
/// branch-free: the per-edge loops call it ~10^9 times per pass at 10^6 agents, and a libm
/// call there spills every live register and cannot be vectorised. Cody–Waite reduction
/// x = n·ln2 + r with |r| ≤ ln2/2, a degree-12 Taylor polynomial in Estrin's form
/// (truncation ≤ 2e-16 relative; short dependency chains) and 2^n from the exponent bits.
#[inline(always)]
fn exp_normal(x: f64) -> f64 {
    let c = &INV_FACT;
    let t = x * std::f64::consts::LOG2_E + ROUND;
    let n = t - ROUND;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let q0 = (c[0] + c[1] * r) + (c[2] + c[3] * r) * r2;
    let q1 = (c[4] + c[5] * r) + (c[6] + c[7] * r) * r2;
    let q2 = (c[8] + c[9] * r) + (c[10] + c[11] * r) * r2;
    let p = (q0 + q1 * r4) + (q2 + c[12] * r4) * r8;
    let biased = t.to_bits().wrapping_sub(ROUND.to_bits()).wrapping_add(1023);
    p * f64::from_bits(biased << 52)
}

/// Bounded-confidence kernel K(d) = σ((ε − |d|)/δ): ≈ 1 inside the bound, ≈ 0 outside.
/// Returns (K, dK/dd).
#[cfg(test)]
pub(crate) fn confidence(d: f64, eps: f64, delta: f64) -> (f64, f64) {
    Confidence::new(eps, delta).with_slope(d)
}

/// The bounded-confidence kernel with its constants folded, for the per-edge loops (the
/// models' hottest code at 10^6 agents): one sqrt, one exp, no branch (a mispredicted sign
/// branch per edge cost more than the exp), no division for K itself.
#[derive(Clone, Copy)]
pub(crate) struct Confidence {
    /// ε + η: the bound on the smoothed |d| − η.
    bound: f64,
    inv_delta: f64,
}

impl Confidence {
    pub(crate) fn new(eps: f64, delta: f64) -> Self {
        Confidence {
            bound: eps + ETA,
            inv_delta: 1.0 / delta,
        }
    }

    /// K(d) = 1 / (1 + e^{(r − ε − η)/δ}) with r = √(d² + η²). The exponent is clamped to
    /// [−708, 709]: beyond it K is 1 to the last bit, or below 1e-307.
    #[inline(always)]
    pub(crate) fn value(&self, d: f64) -> f64 {
        let r = (d * d + ETA * ETA).sqrt();
        1.0 / (1.0 + exp_normal(((r - self.bound) * self.inv_delta).clamp(-708.0, 709.0)))
    }

    /// (K, dK/dd).
    #[inline(always)]
    pub(crate) fn with_slope(&self, d: f64) -> (f64, f64) {
        let r = (d * d + ETA * ETA).sqrt();
        let k = 1.0 / (1.0 + exp_normal(((r - self.bound) * self.inv_delta).clamp(-708.0, 709.0)));
        (k, -k * (1.0 - k) * self.inv_delta * d / r)
    }

    /// K(d) for every d of a row, vectorised where the CPU allows (the lanes compute exactly
    /// what the scalar code does: no fused or reordered operations).
    pub(crate) fn values(&self, d: &[f64], k: &mut Vec<f64>) {
        k.resize(d.len(), 0.0);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { self.values_avx2(d, k) };
        }
        self.values_into(d, k);
    }

    /// (K, dK/dd) for every d of a row.
    pub(crate) fn values_slopes(&self, d: &[f64], k: &mut Vec<f64>, dk: &mut Vec<f64>) {
        k.resize(d.len(), 0.0);
        dk.resize(d.len(), 0.0);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { self.values_slopes_avx2(d, k, dk) };
        }
        self.values_slopes_into(d, k, dk);
    }

    #[inline(always)]
    fn values_into(&self, d: &[f64], k: &mut [f64]) {
        for (k, &d) in k.iter_mut().zip(d) {
            *k = self.value(d);
        }
    }

    #[inline(always)]
    fn values_slopes_into(&self, d: &[f64], k: &mut [f64], dk: &mut [f64]) {
        for ((k, dk), &d) in k.iter_mut().zip(dk.iter_mut()).zip(d) {
            (*k, *dk) = self.with_slope(d);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn values_avx2(&self, d: &[f64], k: &mut [f64]) {
        self.values_into(d, k);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn values_slopes_avx2(&self, d: &[f64], k: &mut [f64], dk: &mut [f64]) {
        self.values_slopes_into(d, k, dk);
    }
}

/// Backfire's rejection kernel R(d) = σ((|d| − ρ)/δ): ≈ 0 within the latitude of rejection
/// ρ, ≈ 1 beyond it (the engine's `|d| > rejection_distance`). The same smoothed |d| and
/// clamped exponent as [`Confidence`], mirrored.
#[derive(Clone, Copy)]
pub(crate) struct Rejection {
    /// ρ + η: the bound on the smoothed |d|.
    bound: f64,
    inv_delta: f64,
}

impl Rejection {
    pub(crate) fn new(rho: f64, delta: f64) -> Self {
        Rejection {
            bound: rho + ETA,
            inv_delta: 1.0 / delta,
        }
    }

    /// R(d) = 1 / (1 + e^{(ρ + η − r)/δ}) with r = √(d² + η²).
    #[inline(always)]
    pub(crate) fn value(&self, d: f64) -> f64 {
        let r = (d * d + ETA * ETA).sqrt();
        1.0 / (1.0 + exp_normal(((self.bound - r) * self.inv_delta).clamp(-708.0, 709.0)))
    }

    /// (R, dR/dd).
    #[inline(always)]
    pub(crate) fn with_slope(&self, d: f64) -> (f64, f64) {
        let r = (d * d + ETA * ETA).sqrt();
        let k = 1.0 / (1.0 + exp_normal(((self.bound - r) * self.inv_delta).clamp(-708.0, 709.0)));
        (k, k * (1.0 - k) * self.inv_delta * d / r)
    }
}

/// The engine's clamp of a stance to [−1, 1], smoothed only outside it: the identity on
/// [−1, 1] (a stance nothing moves stays exactly where it is, and an update that stays inside
/// is the hard rule's), and 1 + w·tanh((y − 1)/w) beyond (mirrored below −1), so a stance
/// pushed out ends within `width` of the bound, with a continuous first and second derivative
/// at ±1. Returns (value, slope).
#[inline]
pub(crate) fn stance_clamp(y: f64, width: f64) -> (f64, f64) {
    let beyond = y.abs() - 1.0;
    if beyond <= 0.0 {
        return (y, 1.0);
    }
    let t = (beyond / width).tanh();
    ((1.0 + width * t).copysign(y), 1.0 - t * t)
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
    fn the_inlined_exp_is_within_a_few_ulp_of_libm() {
        let mut worst = 0.0f64;
        for i in 0..=2_000_000 {
            let x = -720.0 + 1440.0 * i as f64 / 2_000_000.0;
            let (a, b) = (exp(x), x.exp());
            if b > 0.0 && b.is_finite() {
                worst = worst.max((a - b).abs() / b);
            } else {
                assert_eq!(a, b, "{x}");
            }
        }
        for x in [-1e-300, 0.0, 1e-300, 0.5 * std::f64::consts::LN_2, 1.0] {
            assert!(
                (exp(x) - x.exp()).abs() <= 4.0 * f64::EPSILON * x.exp(),
                "{x}"
            );
        }
        assert!(
            worst <= 4.0 * f64::EPSILON,
            "worst relative error {worst:e}"
        );
        assert!(exp(f64::NAN).is_nan() && exp(f64::INFINITY).is_infinite());
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
    }

    #[test]
    fn row_kernels_equal_the_scalar_kernel_bit_for_bit() {
        let c = Confidence::new(0.3, 0.03);
        let d: Vec<f64> = (0..1001).map(|i| -2.0 + 4.0 * i as f64 / 1000.0).collect();
        let (mut k, mut k2, mut dk) = (Vec::new(), Vec::new(), Vec::new());
        c.values(&d, &mut k);
        c.values_slopes(&d, &mut k2, &mut dk);
        for (i, &x) in d.iter().enumerate() {
            let (a, b) = c.with_slope(x);
            assert_eq!(k[i].to_bits(), c.value(x).to_bits(), "{x}");
            assert_eq!(
                (k2[i].to_bits(), dk[i].to_bits()),
                (a.to_bits(), b.to_bits()),
                "{x}"
            );
        }
        // Far outside the bound the clamped exponent still gives K ≈ 0, never NaN.
        assert!(c.value(1e6) < 1e-300 && c.with_slope(-1e6).1.abs() < 1e-290);
        assert!((c.value(0.0) - 1.0 / (1.0 + (-10.0f64).exp())).abs() < 1e-15);
    }

    #[test]
    fn rejection_and_clamp_slopes_match_finite_differences() {
        let r = Rejection::new(0.8, 0.08);
        for d in [-1.5, -0.81, -0.3, 0.0001, 0.79, 0.85, 2.0] {
            let (_, dr) = r.with_slope(d);
            let fd = (r.value(d + 1e-7) - r.value(d - 1e-7)) / 2e-7;
            assert!((dr - fd).abs() < 1e-5 * (1.0 + fd.abs()), "{d}: {dr} {fd}");
        }
        // R is K mirrored: 1 − K for the same bound and width.
        let k = Confidence::new(0.8, 0.08);
        for d in [-1.0, 0.5, 0.8, 1.2] {
            assert!((r.value(d) + k.value(d) - 1.0).abs() < 1e-15, "{d}");
        }
        assert!(r.value(0.0) < 1e-4 && r.value(1.6) > 1.0 - 1e-4);
        for y in [-1.3, -1.0001, -0.5, 0.999, 1.0, 1.02, 1.5] {
            let (_, slope) = stance_clamp(y, 0.02);
            let fd = (stance_clamp(y + 1e-7, 0.02).0 - stance_clamp(y - 1e-7, 0.02).0) / 2e-7;
            assert!((slope - fd).abs() < 1e-5, "{y}: {slope} {fd}");
        }
        // The identity inside, within the width of the bound outside, monotone.
        assert_eq!(stance_clamp(0.73, 0.02).0, 0.73);
        assert_eq!(stance_clamp(-1.0, 0.02).0, -1.0);
        assert!(stance_clamp(5.0, 0.02).0 <= 1.02 && stance_clamp(-5.0, 0.02).0 >= -1.02);
        assert!(stance_clamp(1.1, 0.02).0 > stance_clamp(1.05, 0.02).0);
    }

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

//! A path of the grouped attribution whose quadrature missed the change between its corners,
//! anchored to them (docs/dynamic-attribution.md, "Paths the quadrature cannot integrate").
//!
//! Along the path w = 1_S + α·1_g the moving group's φ must sum to M(1_{S∪g}) − M(1_S), two
//! corner values computed exactly (one forward pass each). On the radicalization twin some
//! paths — a group joining a world where a few accounts speak — are not integrable by any
//! rule: the twin's competition among few speakers is chaotic, dM/dα reaches 10¹² where M stays
//! in [1, 3] (the adjoint is exact: finite differences converge to it as the step shrinks),
//! and Gauss–Legendre sums of it are noise (Σφ = −1.9·10⁸ for a change of 2.8). There the
//! group's change is taken from the corners instead:
//!
//! - a path within its tolerance is kept as integrated;
//! - a path off by less than its own change gets the residual in proportion to |φ_i| (the
//!   quadrature's split, corrected);
//! - a path off by more than its own change (or not finite) carries no information about the
//!   split: the change is shared equally among the group's agents.
//!
//! Group totals and efficiency are then exact whatever the integrand; what is lost on a
//! replaced path is the split inside the group, which the output reports (`anchored_paths`,
//! `replaced_paths`, and the gap before anchoring, `quadrature_gap`).

/// What anchoring did to one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchoring {
    Kept,
    /// The residual spread in proportion to |φ_i|.
    Corrected,
    /// The change shared equally.
    Replaced,
}

/// Anchor the moving group's φ over one path to `change` = M(1_{S∪g}) − M(1_S). `tol`: the
/// path's absolute tolerance (None with a fixed rule: only a path off by more than its change
/// is touched).
pub(crate) fn anchor(phi: &mut [f64], change: f64, tol: Option<f64>) -> Anchoring {
    let sum: f64 = phi.iter().sum();
    let residual = change - sum;
    let off = residual.abs();
    let lost = !sum.is_finite() || phi.iter().any(|v| !v.is_finite());
    if !lost && off <= tol.unwrap_or(change.abs()) {
        return Anchoring::Kept;
    }
    let mass: f64 = phi.iter().map(|v| v.abs()).sum();
    if lost || off > change.abs() || mass == 0.0 || phi.is_empty() {
        let each = change / phi.len().max(1) as f64;
        phi.fill(each);
        return Anchoring::Replaced;
    }
    for v in phi.iter_mut() {
        *v += residual * v.abs() / mass;
    }
    Anchoring::Corrected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_corrected_or_replaced_and_always_summing_to_the_change() {
        let mut within = vec![0.5, 0.25];
        assert_eq!(
            anchor(&mut within, 0.75 + 1e-9, Some(1e-8)),
            Anchoring::Kept
        );
        assert_eq!(within, vec![0.5, 0.25]);
        let mut near = vec![0.6, -0.2];
        assert_eq!(anchor(&mut near, 0.5, Some(1e-8)), Anchoring::Corrected);
        assert!((near.iter().sum::<f64>() - 0.5).abs() < 1e-15);
        // The residual 0.1 goes 3:1 by |φ|: the signs and the ranking stay.
        assert!((near[0] - 0.675).abs() < 1e-15 && (near[1] + 0.175).abs() < 1e-15);
        let mut noise = vec![3e8, -5e8, 1.0];
        assert_eq!(anchor(&mut noise, 0.9, Some(1e-8)), Anchoring::Replaced);
        assert!(noise.iter().all(|v| *v == 0.9 / 3.0), "{noise:?}");
        let mut nan = vec![f64::NAN, 1.0];
        assert_eq!(anchor(&mut nan, 1.0, None), Anchoring::Replaced);
        // A fixed rule (no tolerance) keeps a moderate error: only noise is replaced.
        let mut fixed = vec![0.6, 0.2];
        assert_eq!(anchor(&mut fixed, 1.0, None), Anchoring::Kept);
    }
}

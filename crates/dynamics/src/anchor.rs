//! A stretch of a path whose quadrature missed the change between its ends, anchored to them
//! (docs/dynamic-attribution.md, "Paths the quadrature cannot integrate").
//!
//! Over any stretch [a, b] of a path (a panel of the adaptive quadrature, or a whole path of
//! the grouped attribution) the moving agents' φ must sum to M(b) − M(a): two values computed
//! exactly, one forward pass each. Where the quadrature cannot integrate the stretch, the
//! change is taken from its ends instead:
//!
//! - on the radicalization twin, a group joining a world where a few accounts speak is chaotic:
//!   dM/dα reaches 10¹² where M stays in [1, 3] (the adjoint is exact: finite differences
//!   converge to it as the step shrinks), and Gauss–Legendre sums of it are noise (Σφ =
//!   −1.9·10⁸ for a change of 2.8);
//! - along the diagonal, single agents whose final side flips with α put steps into M(α·1)
//!   narrower than any panel a budget affords (quickstart, 2,000 agents: after 500 gradient
//!   passes the panels still miss 6·10⁻⁴ of a change of 2.78).
//!
//! So, per stretch:
//!
//! - a stretch within its tolerance is kept as integrated;
//! - a stretch off by less than its own change gets the residual in proportion to |φ_i| (the
//!   quadrature's split, corrected);
//! - a stretch off by more than its own change (or not finite) carries no information about
//!   the split: the change is shared equally among the moving agents.
//!
//! Totals and efficiency are then exact whatever the integrand; what is lost is the split
//! inside an anchored stretch, which the output reports ([`Anchoring`]: how many panels and
//! paths, and the gap before anchoring, `quadrature_gap`).

use serde::Serialize;

/// What anchoring did over one attribution (absent from the output when nothing was anchored).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Anchoring {
    /// Panels of the adaptive quadrature anchored to the change between their ends, and of
    /// those, the ones whose change was shared equally.
    pub anchored_panels: usize,
    pub replaced_panels: usize,
    /// Whole paths of the grouped attribution anchored to their corners (a fixed rule, or a
    /// path the panels left off), and of those, the ones shared equally.
    pub anchored_paths: usize,
    pub replaced_paths: usize,
    /// |Σφ − (M(1) − M(0))| / |M(1) − M(0)| of the quadratures before anchoring
    /// (`completeness_gap` is after).
    pub quadrature_gap: f64,
}

impl Anchoring {
    /// Whether anything was anchored.
    pub fn any(&self) -> bool {
        self.anchored_panels + self.anchored_paths > 0
    }
}

/// What anchoring did to one stretch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchored {
    Kept,
    /// The residual spread in proportion to |φ_i|.
    Corrected,
    /// The change shared equally.
    Replaced,
}

impl Anchored {
    /// (anchored, replaced): what this adds to the counts of [`Anchoring`].
    pub(crate) fn counts(self) -> (usize, usize) {
        match self {
            Anchored::Kept => (0, 0),
            Anchored::Corrected => (1, 0),
            Anchored::Replaced => (1, 1),
        }
    }
}

/// Anchor the moving agents' φ over one stretch to `change` = M(b) − M(a). `tol`: the
/// stretch's absolute tolerance (None with a fixed rule: only a stretch off by more than its
/// change is touched).
pub(crate) fn anchor(phi: &mut [f64], change: f64, tol: Option<f64>) -> Anchored {
    let sum: f64 = phi.iter().sum();
    let residual = change - sum;
    let off = residual.abs();
    let lost = !sum.is_finite() || phi.iter().any(|v| !v.is_finite());
    if !lost && off <= tol.unwrap_or(change.abs()) {
        return Anchored::Kept;
    }
    let mass: f64 = phi.iter().map(|v| v.abs()).sum();
    if lost || off > change.abs() || mass == 0.0 || phi.is_empty() {
        let each = change / phi.len().max(1) as f64;
        phi.fill(each);
        return Anchored::Replaced;
    }
    for v in phi.iter_mut() {
        *v += residual * v.abs() / mass;
    }
    Anchored::Corrected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_corrected_or_replaced_and_always_summing_to_the_change() {
        let mut within = vec![0.5, 0.25];
        assert_eq!(anchor(&mut within, 0.75 + 1e-9, Some(1e-8)), Anchored::Kept);
        assert_eq!(within, vec![0.5, 0.25]);
        let mut near = vec![0.6, -0.2];
        assert_eq!(anchor(&mut near, 0.5, Some(1e-8)), Anchored::Corrected);
        assert!((near.iter().sum::<f64>() - 0.5).abs() < 1e-15);
        // The residual 0.1 goes 3:1 by |φ|: the signs and the ranking stay.
        assert!((near[0] - 0.675).abs() < 1e-15 && (near[1] + 0.175).abs() < 1e-15);
        let mut noise = vec![3e8, -5e8, 1.0];
        assert_eq!(anchor(&mut noise, 0.9, Some(1e-8)), Anchored::Replaced);
        assert!(noise.iter().all(|v| *v == 0.9 / 3.0), "{noise:?}");
        let mut nan = vec![f64::NAN, 1.0];
        assert_eq!(anchor(&mut nan, 1.0, None), Anchored::Replaced);
        // A fixed rule (no tolerance) keeps a moderate error: only noise is replaced.
        let mut fixed = vec![0.6, 0.2];
        assert_eq!(anchor(&mut fixed, 1.0, None), Anchored::Kept);
    }
}

//! Quadrature of φ = ∫₀¹ ∇M(α·1) dα over panels of α, refined where the integrand needs it.
//!
//! The integrand is not smooth everywhere: a twin that radicalizes has a bifurcation in α (M is
//! flat until participation is strong enough, then rises steeply), and single agents that end
//! on one side or the other of an unstable point give narrow spikes. One Gauss–Legendre rule
//! over [0, 1] converges slowly or not at all there (quickstart: gap 10⁻¹ at K = 64). Each
//! panel [a, b] carries its own check, the panel's completeness: Σ_i φ_i over the panel must
//! equal M(b) − M(a), which costs one forward pass at the new end point. A panel whose
//! check fails by more than its share of the tolerance, tol·(b − a), is halved; panels are
//! refined level by level, the worst first, until every panel passes, the budget of
//! gradient evaluations is spent, or three levels of halving did not halve the summed panel
//! error (the integrand has steps narrower than any panel the budget affords: refining
//! further spends passes without closing the gap). When every panel passes, the whole gap is at most tol.

use emergent_attribution::gauss_legendre;

use crate::error::DynamicsError;

/// What a quadrature produced.
pub(crate) struct Quadrature {
    pub phi: Vec<f64>,
    /// Gradient evaluations.
    pub evaluations: usize,
    pub panels: usize,
    /// Refinement stopped because three halvings did not halve the error.
    pub stalled: bool,
}

/// M at the ends of the path (M(0) may be the limit from inside it).
#[derive(Clone, Copy)]
pub(crate) struct Ends {
    pub value: f64,
    pub baseline_value: f64,
}

/// Deepest halving: a panel of width 2⁻⁴⁰ is below what α's rounding resolves.
const MAX_DEPTH: u32 = 40;

/// One panel: its φ and its completeness error.
struct Panel {
    a: f64,
    b: f64,
    m_a: f64,
    m_b: f64,
    depth: u32,
    phi: Vec<f64>,
    /// Σφ over the panel − (M(b) − M(a)).
    error: f64,
}

/// The K-node Gauss–Legendre contribution of [a, b] to φ.
fn rule_on(
    n: usize,
    a: f64,
    b: f64,
    nodes: usize,
    gradient: &mut dyn FnMut(f64) -> Result<Vec<f64>, DynamicsError>,
) -> Result<Vec<f64>, DynamicsError> {
    let (alphas, weights) = gauss_legendre(nodes);
    let mut phi = vec![0.0; n];
    for (x, wt) in alphas.iter().zip(&weights) {
        let g = gradient(a + (b - a) * x)?;
        let wt = (b - a) * wt;
        for (p, gi) in phi.iter_mut().zip(&g) {
            *p += wt * gi;
        }
    }
    Ok(phi)
}

/// One K-node rule over [0, 1] (what `--nodes K` asks for).
pub(crate) fn fixed(
    n: usize,
    nodes: usize,
    gradient: &mut dyn FnMut(f64) -> Result<Vec<f64>, DynamicsError>,
) -> Result<Quadrature, DynamicsError> {
    Ok(Quadrature {
        phi: rule_on(n, 0.0, 1.0, nodes, gradient)?,
        evaluations: nodes,
        panels: 1,
        stalled: false,
    })
}

/// Adaptive panels of K nodes each until Σ over panels of |panel error| ≤ `abs_tol` (every
/// panel within abs_tol·(b − a)) or `max_evaluations` gradient evaluations are spent.
/// Deterministic: the order of refinement and of summation depends on the values only.
pub(crate) fn adaptive(
    n: usize,
    nodes: usize,
    abs_tol: f64,
    max_evaluations: usize,
    ends: Ends,
    gradient: &mut dyn FnMut(f64) -> Result<Vec<f64>, DynamicsError>,
    value: &mut dyn FnMut(f64) -> Result<f64, DynamicsError>,
) -> Result<Quadrature, DynamicsError> {
    let mut panel = |a: f64, b: f64, m_a: f64, m_b: f64, depth: u32| {
        let phi = rule_on(n, a, b, nodes, gradient)?;
        let error = phi.iter().sum::<f64>() - (m_b - m_a);
        Ok::<_, DynamicsError>(Panel {
            a,
            b,
            m_a,
            m_b,
            depth,
            phi,
            error,
        })
    };
    let mut level = vec![panel(0.0, 1.0, ends.baseline_value, ends.value, 0)?];
    let mut evaluations = nodes;
    let mut phi = vec![0.0; n];
    let mut panels = 0;
    // Σ|panel error| of the accepted panels, and of the whole estimate after each level.
    let mut accepted_error = 0.0;
    let mut history: Vec<f64> = Vec::new();
    let mut stalled = false;
    while !level.is_empty() {
        let total = accepted_error + level.iter().map(|p| p.error.abs()).sum::<f64>();
        history.push(total);
        // Three halvings that did not halve the error: the integrand has features finer than
        // the panels (steps where single agents change sides) and more levels only spend.
        // (Two were too few: a kink is only bracketed after a level or two.)
        if let [.., before, _, _, now] = history[..]
            && now > 0.5 * before
        {
            stalled = true;
        }
        // The worst panels first, so that a short budget goes where the error is.
        level.sort_by(|p, q| {
            q.error
                .abs()
                .total_cmp(&p.error.abs())
                .then(p.a.total_cmp(&q.a))
        });
        let mut next = Vec::new();
        for p in level {
            let passes = p.error.abs() <= abs_tol * (p.b - p.a);
            if passes
                || stalled
                || p.depth >= MAX_DEPTH
                || evaluations + 2 * nodes > max_evaluations
            {
                for (t, v) in phi.iter_mut().zip(&p.phi) {
                    *t += v;
                }
                accepted_error += p.error.abs();
                panels += 1;
                continue;
            }
            let mid = 0.5 * (p.a + p.b);
            let m_mid = value(mid)?;
            next.push(panel(p.a, mid, p.m_a, m_mid, p.depth + 1)?);
            next.push(panel(mid, p.b, m_mid, p.m_b, p.depth + 1)?);
            evaluations += 2 * nodes;
        }
        level = next;
    }
    Ok(Quadrature {
        phi,
        evaluations,
        panels,
        stalled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// M(α) = max(α − 1/3, 0)²: a kink in the integrand at 1/3, which one rule cannot fit.
    fn m(a: f64) -> f64 {
        (a - 1.0 / 3.0).max(0.0).powi(2)
    }

    fn dm(a: f64) -> Result<Vec<f64>, DynamicsError> {
        Ok(vec![2.0 * (a - 1.0 / 3.0).max(0.0)])
    }

    #[test]
    fn panels_meet_the_tolerance_where_one_rule_cannot() {
        let exact = m(1.0);
        let one = fixed(1, 8, &mut dm).unwrap();
        assert!((one.phi[0] - exact).abs() > 1e-5 * exact, "{}", one.phi[0]);
        let ends = Ends {
            value: m(1.0),
            baseline_value: 0.0,
        };
        let q = adaptive(1, 8, 1e-9 * exact, 4096, ends, &mut dm, &mut |a| Ok(m(a))).unwrap();
        assert!((q.phi[0] - exact).abs() <= 1e-9 * exact, "{}", q.phi[0]);
        assert!(
            !q.stalled && q.panels > 2 && q.evaluations < 1000,
            "{}",
            q.evaluations
        );
        // A budget of one rule is one rule.
        let q = adaptive(1, 8, 1e-9 * exact, 8, ends, &mut dm, &mut |a| Ok(m(a))).unwrap();
        assert_eq!((q.evaluations, q.panels, q.phi[0]), (8, 1, one.phi[0]));
    }

    #[test]
    fn a_smooth_integrand_passes_on_the_first_panel() {
        let ends = Ends {
            value: 1.0 / 3.0,
            baseline_value: 0.0,
        };
        let mut g = |a: f64| Ok(vec![a * a]);
        let q = adaptive(1, 8, 1e-12, 512, ends, &mut g, &mut |a| Ok(a * a * a / 3.0)).unwrap();
        assert_eq!((q.evaluations, q.panels), (8, 1));
    }
}

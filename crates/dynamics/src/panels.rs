//! Quadrature of φ = ∫₀¹ ∇M(α·1) dα over panels of α, refined where the integrand needs it.
//!
//! The integrand is not smooth everywhere: a twin that radicalizes has a bifurcation in α (M is
//! flat until participation is strong enough, then rises steeply), and single agents that end
//! on one side or the other of an unstable point give narrow spikes. One Gauss–Legendre rule
//! over [0, 1] converges slowly or not at all there (quickstart: gap 10⁻¹ at K = 64). Each
//! panel [a, b] carries its own check, the panel's completeness: Σ_i φ_i over the panel must
//! equal M(b) − M(a), which costs one forward pass at the new end point. The panel with the
//! largest error is halved first (a global adaptive rule, as QUADPACK's QAG), so the budget
//! goes to the steep stretch wherever it is (halving every failing panel level by level spent
//! it on the flat stretches' small errors: quickstart at 2,000 agents, gap 0.21 at 120 passes,
//! against 5.7·10⁻⁵ at 504 now). Refinement stops when Σ|panel error| ≤ tol, the budget of
//! gradient evaluations is spent, or the error stopped falling (it did not halve from 2^(k−2)
//! to 2^k halvings: steps narrower than any panel the budget affords, or chaos).
//!
//! A quadrature that stops short of its tolerance is anchored panel by panel
//! ([`crate::anchor`]): every panel still off by more than its share of the tolerance gets the
//! change between its ends, M(b) − M(a), the residual spread over its φ in proportion to
//! |φ_i|. The panels' changes telescope to M(1) − M(0), so Σφ is exact; what the anchoring
//! moves (the gap before it) is reported.

use emergent_attribution::gauss_legendre;

use crate::anchor::anchor;
use crate::error::DynamicsError;

/// What a quadrature produced.
pub(crate) struct Quadrature {
    pub phi: Vec<f64>,
    /// Gradient evaluations.
    pub evaluations: usize,
    pub panels: usize,
    /// Refinement stopped because the error stopped falling.
    pub stalled: bool,
    /// Σφ before any panel was anchored.
    pub unanchored_sum: f64,
    /// Panels anchored to the change between their ends, and of those the ones whose change
    /// was shared equally (the quadrature off by more than the change itself).
    pub anchored: usize,
    pub replaced: usize,
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
    let phi = rule_on(n, 0.0, 1.0, nodes, gradient)?;
    Ok(Quadrature {
        unanchored_sum: phi.iter().sum(),
        phi,
        evaluations: nodes,
        panels: 1,
        stalled: false,
        anchored: 0,
        replaced: 0,
    })
}

/// Adaptive panels of K nodes each, the worst panel halved first, until Σ over panels of
/// |panel error| ≤ `abs_tol`, `max_evaluations` gradient evaluations are spent, or refinement
/// stalls; then, if the tolerance was missed, every panel off by more than abs_tol·(b − a) is
/// anchored to M(b) − M(a). Deterministic: the order of refinement and of summation depends on
/// the values only.
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
    let mut live = vec![panel(0.0, 1.0, ends.baseline_value, ends.value, 0)?];
    let mut evaluations = nodes;
    let mut halvings = 0usize;
    // Σ|panel error| after 0, 1, 2, 4, 8, … halvings.
    let mut checkpoints: Vec<f64> = Vec::new();
    let mut stalled = false;
    loop {
        let total: f64 = live.iter().map(|p| p.error.abs()).sum();
        if total <= abs_tol || evaluations + 2 * nodes > max_evaluations {
            break;
        }
        if halvings == 0 || halvings.is_power_of_two() {
            checkpoints.push(total);
            // From 16 halvings on (a narrow feature is only bracketed after a few): the
            // error did not halve while the halvings quadrupled.
            if halvings >= 16
                && let [.., before, _, now] = checkpoints[..]
                && (now > 0.5 * before || now.is_nan())
            {
                stalled = true;
                break;
            }
        }
        // The worst panel that may still be halved (ties: the leftmost).
        let Some(worst) = live
            .iter()
            .enumerate()
            .filter(|(_, p)| p.depth < MAX_DEPTH)
            .max_by(|(_, p), (_, q)| {
                p.error
                    .abs()
                    .total_cmp(&q.error.abs())
                    .then(q.a.total_cmp(&p.a))
            })
            .map(|(i, _)| i)
        else {
            break;
        };
        let p = live.swap_remove(worst);
        let mid = 0.5 * (p.a + p.b);
        let m_mid = value(mid)?;
        live.push(panel(p.a, mid, p.m_a, m_mid, p.depth + 1)?);
        live.push(panel(mid, p.b, m_mid, p.m_b, p.depth + 1)?);
        evaluations += 2 * nodes;
        halvings += 1;
    }
    // Sum in the order of α, whatever the order of refinement.
    live.sort_by(|p, q| p.a.total_cmp(&q.a));
    let unanchored_sum = live.iter().flat_map(|p| &p.phi).sum();
    let met = live.iter().map(|p| p.error.abs()).sum::<f64>() <= abs_tol;
    let (mut anchored, mut replaced) = (0, 0);
    let mut phi = vec![0.0; n];
    for p in &mut live {
        if !met {
            let (a, r) = anchor(&mut p.phi, p.m_b - p.m_a, Some(abs_tol * (p.b - p.a))).counts();
            anchored += a;
            replaced += r;
        }
        for (t, v) in phi.iter_mut().zip(&p.phi) {
            *t += v;
        }
    }
    Ok(Quadrature {
        phi,
        evaluations,
        panels: live.len(),
        stalled,
        unanchored_sum,
        anchored,
        replaced,
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
        assert_eq!((q.anchored, q.unanchored_sum), (0, q.phi[0]));
        // A budget of one rule is one rule, anchored to the change between its ends.
        let q = adaptive(1, 8, 1e-9 * exact, 8, ends, &mut dm, &mut |a| Ok(m(a))).unwrap();
        assert_eq!(
            (q.evaluations, q.panels, q.unanchored_sum),
            (8, 1, one.phi[0])
        );
        assert_eq!((q.anchored, q.replaced), (1, 0));
        assert!((q.phi[0] - exact).abs() <= 1e-15, "{}", q.phi[0]);
    }

    /// Two agents; M rises by 1 in a logistic step of width 10⁻³ at α = 0.7, carried 3:1.
    #[test]
    fn the_worst_panel_first_finds_a_narrow_step() {
        let step = |a: f64| 1.0 / (1.0 + (-(a - 0.7) / 1e-3).exp());
        let mut g = |a: f64| {
            let s = step(a);
            let d = s * (1.0 - s) / 1e-3;
            Ok(vec![0.75 * d, 0.25 * d])
        };
        let ends = Ends {
            value: step(1.0),
            baseline_value: step(0.0),
        };
        let change = ends.value - ends.baseline_value;
        let q = adaptive(2, 8, 1e-9, 512, ends, &mut g, &mut |a| Ok(step(a))).unwrap();
        assert!(
            !q.stalled && q.anchored == 0,
            "{} {}",
            q.stalled,
            q.anchored
        );
        assert!((q.phi[0] + q.phi[1] - change).abs() <= 1e-9);
        assert!((q.phi[0] - 0.75 * change).abs() <= 1e-9, "{:?}", q.phi);
        // The budget went to the step: a few panels far from it, many narrow ones on it.
        assert!(
            q.evaluations <= 512 && q.panels < 40,
            "{} {}",
            q.evaluations,
            q.panels
        );
    }

    /// An integrand that is noise (a chaotic path): refinement stalls well before the budget,
    /// and the panels are anchored, the noisiest ones replaced by an equal share.
    #[test]
    fn noise_stalls_and_is_anchored_to_the_ends() {
        let m = |a: f64| a;
        let mut g = |a: f64| {
            let noise = (a * 1e9).sin() * 1e6;
            Ok(vec![noise, 1.0])
        };
        let ends = Ends {
            value: 1.0,
            baseline_value: 0.0,
        };
        let q = adaptive(2, 8, 1e-9, 100_000, ends, &mut g, &mut |a| Ok(m(a))).unwrap();
        assert!(q.stalled && q.evaluations < 1000, "{}", q.evaluations);
        assert!(q.replaced >= 1 && q.anchored >= q.replaced);
        assert!((q.phi[0] + q.phi[1] - 1.0).abs() <= 1e-12, "{:?}", q.phi);
        assert!((q.unanchored_sum - 1.0).abs() > 1.0);
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

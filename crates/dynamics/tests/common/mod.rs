//! What the dynamics test files share: a small deterministic generator, small random worlds,
//! feature contexts, and the adjoint-vs-finite-differences check.
#![allow(dead_code)]

use emergent_attribution::{FeatureTable, Indicator};
use emergent_dynamics::{DynamicAttribution, Dynamics, Outcome, attribute_dynamic};

/// A 64-bit LCG: reproducible inputs without a dependency.
pub struct Lcg(pub u64);

impl Lcg {
    /// Uniform in (0, 1).
    pub fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

/// The adjoint gradient of `expr` at random weights in `[w_lo, w_lo + 0.8)` equals central
/// finite differences (h = 1e-5) to 1e-6 of the largest gradient entry, plus `abs_floor` for
/// entries that are zero up to round-off.
pub fn check_gradient(
    model: &dyn Dynamics,
    ctx: &FeatureTable,
    expr: &str,
    seed: u64,
    w_lo: f64,
    abs_floor: f64,
) {
    check_gradient_step(model, ctx, expr, seed, w_lo, abs_floor, 1e-5);
}

/// [`check_gradient`] with central differences of step `h`: a model whose outcome has a large
/// curvature (the radicalization twin's squared kernel, whose second derivative jumps where a
/// stance crosses a grid node) needs h = 1e-6 for the differences to reach 1e-6.
pub fn check_gradient_step(
    model: &dyn Dynamics,
    ctx: &FeatureTable,
    expr: &str,
    seed: u64,
    w_lo: f64,
    abs_floor: f64,
    h: f64,
) {
    let n = model.agents();
    let ind = Indicator::parse(expr).unwrap();
    let out = Outcome {
        indicator: &ind,
        context: ctx,
    };
    let mut r = Lcg(seed);
    let w: Vec<f64> = (0..n).map(|_| w_lo + 0.8 * r.unit()).collect();
    let (_, g) = out.gradient(model, &w).unwrap();
    let scale = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(scale > 0.0, "{expr}: zero gradient");
    for j in 0..n {
        let (mut p, mut m) = (w.clone(), w.clone());
        p[j] += h;
        m[j] -= h;
        let fd = (out.value(model, &p).unwrap() - out.value(model, &m).unwrap()) / (2.0 * h);
        assert!(
            (fd - g[j]).abs() <= 1e-6 * scale.max(fd.abs()) + abs_floor,
            "{expr}, agent {j}: adjoint {} vs FD {fd}",
            g[j]
        );
    }
}

/// Dynamic attribution of `expr` at the default K = 8 (fixed: no tolerance search).
pub fn attribute_at_k8(model: &dyn Dynamics, ctx: &FeatureTable, expr: &str) -> DynamicAttribution {
    let ind = Indicator::parse(expr).unwrap();
    let out = Outcome {
        indicator: &ind,
        context: ctx,
    };
    attribute_dynamic(model, &out, 8, None, 8).unwrap()
}

/// A small random follow graph: each agent follows ~k others drawn by `Lcg(seed)` (no self
/// follows, no duplicates).
pub fn random_follows(n: usize, k: usize, seed: u64) -> emergent_sim::network::Network {
    let mut r = Lcg(seed);
    let mut edges = Vec::new();
    for u in 0..n {
        for _ in 0..k {
            let v = (r.unit() * n as f64) as usize % n;
            if v != u {
                edges.push((u as u32, v as u32));
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    emergent_sim::network::Network::from_edges(n, edges)
}

/// A feature table of `n` agents with `posts` = 1 + (i mod 5): a context for indicators
/// that read a run's feature besides the twin's outputs.
pub fn posts_context(n: usize) -> FeatureTable {
    FeatureTable::new(
        emergent_attribution::AgentIds::sequential(n),
        vec![(
            "posts".into(),
            (0..n).map(|i| 1.0 + (i % 5) as f64).collect(),
        )],
    )
    .unwrap()
}

/// The same with `posts` = 1 for everyone.
pub fn flat_posts_context(n: usize) -> FeatureTable {
    FeatureTable::new(
        emergent_attribution::AgentIds::sequential(n),
        vec![("posts".into(), vec![1.0; n])],
    )
    .unwrap()
}

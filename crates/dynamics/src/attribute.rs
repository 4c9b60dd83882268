//! Aumann–Shapley over participation: φ_i = ∫₀¹ ∂M/∂w_i(α·1) dα, by Gauss–Legendre in α
//! (on adaptive panels when a tolerance is given) and one adjoint pass per node.

use emergent_attribution::{AgentIds, FeatureTable, Indicator, gradient};
use serde::Serialize;

use crate::anchor::Anchoring;
use crate::error::DynamicsError;
use crate::model::Dynamics;
use crate::panels;

/// The outcome M(w): an indicator evaluated on the model's outputs, the other columns it
/// reads taken from `context` (the run's final features, which participation does not move).
pub struct Outcome<'a> {
    pub indicator: &'a Indicator,
    pub context: &'a FeatureTable,
}

impl Outcome<'_> {
    /// The table the indicator reads at participation w, given the model's outputs.
    fn table(
        &self,
        model: &dyn Dynamics,
        outputs: &[Vec<f64>],
    ) -> Result<FeatureTable, DynamicsError> {
        let names = model.outputs();
        let cols = self
            .indicator
            .columns()
            .iter()
            .map(|c| {
                let v = match names.iter().position(|o| o == c) {
                    Some(k) => outputs[k].clone(),
                    None => self.context.require(c)?.to_vec(),
                };
                Ok((c.clone(), v))
            })
            .collect::<Result<Vec<_>, DynamicsError>>()?;
        Ok(FeatureTable::new(
            AgentIds::sequential(model.agents()),
            cols,
        )?)
    }

    /// Which of the model's outputs the indicator reads.
    pub fn needed(&self, model: &dyn Dynamics) -> Vec<bool> {
        model
            .outputs()
            .iter()
            .map(|o| self.indicator.columns().iter().any(|c| c == o))
            .collect()
    }

    /// M(w).
    pub fn value(&self, model: &dyn Dynamics, w: &[f64]) -> Result<f64, DynamicsError> {
        let f = model.forward(w, &self.needed(model));
        self.value_of(model, &f.outputs)
    }

    /// The indicator over a forward pass's outputs (one pass can serve several indicators).
    pub fn value_of(
        &self,
        model: &dyn Dynamics,
        outputs: &[Vec<f64>],
    ) -> Result<f64, DynamicsError> {
        Ok(emergent_attribution::evaluate(
            &self.table(model, outputs)?,
            self.indicator,
        )?)
    }

    /// M(w) and ∂M/∂w by one forward and one adjoint pass.
    pub fn gradient(
        &self,
        model: &dyn Dynamics,
        w: &[f64],
    ) -> Result<(f64, Vec<f64>), DynamicsError> {
        let f = model.forward(w, &self.needed(model));
        let table = self.table(model, &f.outputs)?;
        let (value, grads) = gradient(&table, self.indicator)?;
        let d_out: Vec<Option<Vec<f64>>> = model
            .outputs()
            .iter()
            .map(|o| {
                self.indicator
                    .columns()
                    .iter()
                    .position(|c| c == o)
                    .map(|k| grads[k].clone())
            })
            .collect();
        Ok((value, model.backward(w, &f, &d_out)))
    }
}

/// φ per agent, with the completeness check.
#[derive(Debug, Clone, Serialize)]
pub struct DynamicAttribution {
    pub indicator: String,
    /// M(1): the outcome of the (expected-value) run.
    pub value: f64,
    /// M(0): the outcome when nobody influences anybody.
    pub baseline_value: f64,
    /// Set when M(0) itself is undefined (e.g. a Gini of all-zero wealth when nobody works)
    /// and `baseline_value` is the limit of M(α·1) as α → 0⁺, which is what Σφ sums to.
    pub baseline_is_limit: bool,
    pub sum_phi: f64,
    pub completeness_gap: f64,
    /// Gradient evaluations (quadrature nodes in all panels).
    pub nodes: usize,
    /// Panels of α the nodes were spread over (1: one rule over [0, 1]).
    pub panels: usize,
    /// Whether the gap met the requested tolerance (always true without one).
    pub target_met: bool,
    /// The refinement stopped early: halving panels no longer reduced the error.
    pub stalled: bool,
    /// Seconds of one forward pass, and of the adjoint pass alone (gradient minus forward).
    pub forward_seconds: f64,
    pub backward_seconds: f64,
    /// Set when the indicator reads nothing the model moves: every φ is then 0.
    pub note: Option<String>,
    /// Set when the quadrature missed its tolerance and panels (or, with `--groups`, paths)
    /// were anchored to the change between their ends ([`crate::anchor`]).
    pub anchoring: Option<Anchoring>,
    #[serde(skip)]
    pub phi: Vec<f64>,
}

/// Dynamic attribution. Without `tol`: one K-node Gauss–Legendre rule over α ∈ [0, 1]. With
/// `tol`: adaptive panels of K nodes each ([`crate::panels`]) until the completeness gap is at
/// most `tol` or `max_nodes` gradient evaluations are spent.
pub fn attribute_dynamic(
    model: &dyn Dynamics,
    outcome: &Outcome,
    nodes: usize,
    tol: Option<f64>,
    max_nodes: usize,
) -> Result<DynamicAttribution, DynamicsError> {
    if nodes == 0 {
        return Err(DynamicsError::Invalid("--nodes must be at least 1".into()));
    }
    let n = model.agents();
    let t0 = std::time::Instant::now();
    let value = outcome.value(model, &vec![1.0; n])?;
    let forward_seconds = t0.elapsed().as_secs_f64();
    if !outcome.needed(model).contains(&true) {
        return Ok(nothing_to_attribute(model, outcome, value, forward_seconds));
    }
    let (baseline_value, baseline_is_limit) = baseline(model, outcome)?;
    let delta = value - baseline_value;
    let scale = delta
        .abs()
        .max(1e-12 * (value.abs() + baseline_value.abs()));
    let mut gradient_seconds = f64::INFINITY;
    let mut gradient = |a: f64| {
        let t = std::time::Instant::now();
        let g = outcome.gradient(model, &vec![a; n]).map(|(_, g)| g);
        gradient_seconds = gradient_seconds.min(t.elapsed().as_secs_f64());
        g
    };
    let q = match tol {
        None => panels::fixed(n, nodes, &mut gradient)?,
        Some(tol) => {
            let ends = panels::Ends {
                value,
                baseline_value,
            };
            panels::adaptive(
                n,
                nodes,
                tol * scale,
                max_nodes.max(nodes),
                ends,
                &mut gradient,
                &mut |a| outcome.value(model, &vec![a; n]),
            )?
        }
    };
    let sum: f64 = q.phi.iter().sum();
    let relative = |s: f64| relative_gap(s, delta, scale);
    let gap = relative(sum);
    let anchoring = (q.anchored > 0).then(|| Anchoring {
        anchored_panels: q.anchored,
        replaced_panels: q.replaced,
        quadrature_gap: relative(q.unanchored_sum),
        ..Anchoring::default()
    });
    Ok(DynamicAttribution {
        indicator: outcome.indicator.text().to_string(),
        value,
        baseline_value,
        baseline_is_limit,
        sum_phi: sum,
        completeness_gap: gap,
        nodes: q.evaluations,
        panels: q.panels,
        target_met: tol.is_none_or(|t| gap <= t),
        stalled: q.stalled,
        forward_seconds,
        backward_seconds: (gradient_seconds - forward_seconds).max(0.0),
        note: None,
        anchoring,
        phi: q.phi,
    })
}

/// |Σφ − Δ| relative to `scale` (|Δ|, floored), or |Σφ| when there is no change to compare with.
pub(crate) fn relative_gap(sum: f64, delta: f64, scale: f64) -> f64 {
    if scale > 0.0 {
        (sum - delta).abs() / scale
    } else {
        sum.abs()
    }
}

/// The attribution of an indicator that reads none of the model's outputs: every φ is 0 and
/// the note says why.
pub(crate) fn nothing_to_attribute(
    model: &dyn Dynamics,
    outcome: &Outcome,
    value: f64,
    forward_seconds: f64,
) -> DynamicAttribution {
    DynamicAttribution {
        indicator: outcome.indicator.text().to_string(),
        value,
        baseline_value: value,
        baseline_is_limit: false,
        sum_phi: 0.0,
        completeness_gap: 0.0,
        nodes: 0,
        panels: 0,
        target_met: true,
        stalled: false,
        forward_seconds,
        backward_seconds: 0.0,
        note: Some(format!(
            "reads none of the features the expected-value model moves ({}): participation cannot change it",
            model.outputs().join(", ")
        )),
        anchoring: None,
        phi: vec![0.0; model.agents()],
    }
}

/// Step of the one-sided limit M(0⁺) = 2·M(ε) − M(2ε) + O(ε²).
const LIMIT_STEP: f64 = 1e-6;

/// M(0), or its limit from inside the path when the indicator is undefined at w = 0 (a
/// ratio or a Gini of outputs that participation alone creates). The quadrature never
/// evaluates α = 0, so φ is unaffected; only the completeness check needs the endpoint.
fn baseline(model: &dyn Dynamics, outcome: &Outcome) -> Result<(f64, bool), DynamicsError> {
    let n = model.agents();
    let at_zero = outcome.value(model, &vec![0.0; n]);
    if let Ok(v) = &at_zero
        && v.is_finite()
    {
        return Ok((*v, false));
    }
    let near = |a: f64| outcome.value(model, &vec![a; n]);
    match (near(LIMIT_STEP), near(2.0 * LIMIT_STEP)) {
        (Ok(a), Ok(b)) if a.is_finite() && b.is_finite() => Ok((2.0 * a - b, true)),
        _ => at_zero.map(|v| (v, false)),
    }
}

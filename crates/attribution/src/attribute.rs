//! The entry point: pick a method, run it, check completeness.

use serde::Serialize;

use crate::baseline::Baseline;
use crate::closed_form;
use crate::error::AttributionError;
use crate::indicator::Indicator;
use crate::path::{AggValue, Path};
use crate::progress::{NoProgress, Progress};
use crate::quadrature::integrate_gradient;
use crate::separable;
use crate::shapley;
use crate::shard::{Rows, Shard};
use crate::table::FeatureTable;

/// How to compute the attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// Closed form when the indicator has one, else quadrature.
    #[default]
    Auto,
    ClosedForm,
    Quadrature,
    ExactShapley,
    SampledShapley,
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "auto" => Method::Auto,
            "closed-form" => Method::ClosedForm,
            "quadrature" | "aumann-shapley" => Method::Quadrature,
            "exact-shapley" => Method::ExactShapley,
            "sampled-shapley" => Method::SampledShapley,
            _ => {
                return Err(format!(
                    "unknown method `{s}`; use auto, closed-form, quadrature, exact-shapley or sampled-shapley"
                ));
            }
        })
    }
}

/// The method that actually ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MethodUsed {
    ClosedForm,
    Quadrature,
    ExactShapley,
    SampledShapley,
}

impl MethodUsed {
    pub fn name(self) -> &'static str {
        match self {
            MethodUsed::ClosedForm => "closed-form",
            MethodUsed::Quadrature => "quadrature",
            MethodUsed::ExactShapley => "exact-shapley",
            MethodUsed::SampledShapley => "sampled-shapley",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub method: Method,
    /// Gauss–Legendre nodes K for quadrature.
    pub steps: usize,
    /// When set, K doubles until the completeness gap is at most this (up to `max_steps`).
    pub tol: Option<f64>,
    pub max_steps: usize,
    /// Permutations for sampled Shapley.
    pub permutations: usize,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            method: Method::Auto,
            steps: 32,
            tol: None,
            max_steps: 4096,
            permutations: 1000,
            seed: 0,
        }
    }
}

/// The result: φ per agent (and per agent × column where the method defines it).
#[derive(Debug, Clone)]
pub struct Attribution {
    pub indicator: String,
    pub method: MethodUsed,
    /// Quadrature nodes used (quadrature only).
    pub steps: Option<usize>,
    /// Permutations drawn (sampled Shapley only).
    pub permutations: Option<usize>,
    /// f(x).
    pub value: f64,
    /// f(x').
    pub baseline_value: f64,
    /// φ_i, in table row order.
    pub phi: Vec<f64>,
    pub sum_phi: f64,
    /// The columns the indicator reads, in the order of `phi_by_column`.
    pub columns: Vec<String>,
    /// φ_ik, one vector per column. Empty for the Shapley methods, whose players are agents.
    pub phi_by_column: Vec<Vec<f64>>,
    /// |Σφ − Δf| / max(|Δf|, 1e-12·(|f(x)| + |f(x')|)), Δf = f(x) − f(x'); absolute when both are 0.
    pub completeness_gap: f64,
}

/// The indicator's value on a table: f(x).
pub fn evaluate(table: &FeatureTable, indicator: &Indicator) -> Result<f64, AttributionError> {
    evaluate_on(table, indicator, Rows::local(table.len()))
}

/// f of the whole table, evaluated by every rank holding a shard of it (a collective call:
/// every rank gets the same value, bit for bit what [`evaluate`] gives on the whole table).
pub fn evaluate_sharded(
    table: &FeatureTable,
    indicator: &Indicator,
    shard: &Shard,
) -> Result<f64, AttributionError> {
    evaluate_on(table, indicator, Rows::sharded(table.len(), shard)?)
}

fn evaluate_on(
    table: &FeatureTable,
    indicator: &Indicator,
    rows: Rows,
) -> Result<f64, AttributionError> {
    let columns = indicator.columns();
    let x = columns
        .iter()
        .map(|c| table.require(c))
        .collect::<Result<Vec<_>, _>>()?;
    let base = Baseline::Zero.resolve(table, columns, &rows)?;
    Path::new(indicator, x, base, rows).value_at(1.0, "table")
}

/// f(x) and its gradient ∂f/∂x_ik, one vector per column of `indicator.columns()`: what a
/// caller differentiating *through* a model (dynamic attribution) chains onto.
pub fn gradient(
    table: &FeatureTable,
    indicator: &Indicator,
) -> Result<(f64, Vec<Vec<f64>>), AttributionError> {
    let columns = indicator.columns();
    let x = columns
        .iter()
        .map(|c| table.require(c))
        .collect::<Result<Vec<_>, _>>()?;
    let n = table.len();
    let rows = Rows::local(n);
    let base = Baseline::Zero.resolve(table, columns, &rows)?;
    let mut acc = vec![vec![0.0; n]; columns.len()];
    if columns.is_empty() {
        return Ok((evaluate(table, indicator)?, acc));
    }
    let value = Path::new(indicator, x, base, rows).accumulate_gradient(1.0, 1.0, &mut acc)?;
    Ok((value, acc))
}

pub fn attribute(
    table: &FeatureTable,
    indicator: &Indicator,
    baseline: &Baseline,
    opts: &Options,
) -> Result<Attribution, AttributionError> {
    attribute_with_progress(table, indicator, baseline, opts, &NoProgress)
}

pub fn attribute_with_progress(
    table: &FeatureTable,
    indicator: &Indicator,
    baseline: &Baseline,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<Attribution, AttributionError> {
    attribute_on(
        table,
        indicator,
        baseline,
        opts,
        progress,
        Rows::local(table.len()),
    )
}

/// [`attribute`] of a table split by rows over ranks, called by every rank with its shard (a
/// collective call). φ and `phi_by_column` are this rank's rows; the value, Σφ and the gap are
/// the whole table's, bit for bit what one process computes on the whole table. The Shapley
/// methods, which enumerate or sample coalitions of all agents, run in one process only.
pub fn attribute_sharded(
    table: &FeatureTable,
    indicator: &Indicator,
    baseline: &Baseline,
    opts: &Options,
    shard: &Shard,
) -> Result<Attribution, AttributionError> {
    if matches!(opts.method, Method::ExactShapley | Method::SampledShapley) {
        return Err(AttributionError::InvalidOption(
            "the Shapley methods run in one process; use quadrature, closed-form or auto on a \
             partitioned table"
                .into(),
        ));
    }
    let rows = Rows::sharded(table.len(), shard)?;
    attribute_on(table, indicator, baseline, opts, &NoProgress, rows)
}

fn attribute_on(
    table: &FeatureTable,
    indicator: &Indicator,
    baseline: &Baseline,
    opts: &Options,
    progress: &dyn Progress,
    rows: Rows,
) -> Result<Attribution, AttributionError> {
    check_options(opts)?;
    let columns = indicator.columns().to_vec();
    let x = columns
        .iter()
        .map(|c| table.require(c))
        .collect::<Result<Vec<_>, _>>()?;
    let base = baseline.resolve(table, &columns, &rows)?;
    let n = table.len();
    if opts.method == Method::ExactShapley && n > shapley::EXACT_LIMIT {
        return Err(AttributionError::TooManyForExact {
            n,
            limit: shapley::EXACT_LIMIT,
        });
    }
    let equal_share = matches!(baseline, Baseline::Mean);
    let mut path = Path::new(indicator, x, base, rows);
    let closed_plan = closed_form::plan(indicator, equal_share);
    // A separable indicator without a closed form of the usual kind (a mean of a non-affine
    // term, a step): exact per agent, see `separable.rs`.
    let separable = match (opts.method, &closed_plan) {
        (Method::Auto | Method::ClosedForm, Err(_)) if !indicator.columns().is_empty() => {
            separable::plan(indicator)
        }
        _ => None,
    };
    let use_closed = !indicator.columns().is_empty()
        && separable.is_none()
        && match opts.method {
            Method::ClosedForm => true,
            Method::Auto => closed_plan.is_ok(),
            _ => false,
        };
    // The closed forms reuse the aggregates at x (gini's ranks above all), so keep them; they
    // start from the column means (the equal-share baseline is made of them: no second pass).
    let aggs_x = aggregates_at_x(&mut path, use_closed, equal_share)?;
    let value = path.value_of(&aggs_x, "table")?;
    let baseline_value = path.value_at(0.0, "baseline")?;
    let gap_of = |s: f64| relative_gap(s, value, baseline_value);
    let gap = |phi: &[f64]| -> (f64, f64) {
        let s = path.rows.sum_by(|i| phi[i]);
        (s, gap_of(s))
    };
    let mut out = Attribution {
        indicator: indicator.text().to_string(),
        method: MethodUsed::ClosedForm,
        steps: None,
        permutations: None,
        value,
        baseline_value,
        phi: Vec::new(),
        sum_phi: 0.0,
        columns,
        phi_by_column: Vec::new(),
        completeness_gap: 0.0,
    };
    // Σφ when the method already has it (the same deterministic block sum as `sum_by`).
    let mut known_sum = None;
    match opts.method {
        Method::ExactShapley | Method::SampledShapley => {
            shapley_phi(&mut out, &path, indicator, opts, progress)?
        }
        _ if out.columns.is_empty() => {
            // A constant indicator: nobody contributes anything.
            out.phi = vec![0.0; n];
        }
        _ if separable.is_some() => {
            let cf = separable::attribute(&path, separable.as_deref().unwrap_or_default())?;
            out.phi_by_column = cf.phi_by_column;
            out.phi = cf.phi;
            known_sum = Some(cf.sum);
        }
        _ if use_closed => {
            let cf = closed_form::attribute(&path, equal_share, &aggs_x)?;
            out.phi_by_column = cf.phi_by_column;
            out.phi = cf.phi;
            known_sum = Some(cf.sum);
        }
        _ => quadrature_phi(&mut out, &path, n, opts, progress, &gap)?,
    }
    if out.phi.is_empty() {
        out.phi = row_sums(&out.phi_by_column, n);
    }
    let (s, g) = match known_sum {
        Some(s) => (s, gap_of(s)),
        None => gap(&out.phi),
    };
    out.sum_phi = s;
    out.completeness_gap = g;
    Ok(out)
}

/// Refuses quadrature settings that cannot give an answer (no nodes, a tolerance that is not
/// a positive number) before any column is read.
fn check_options(opts: &Options) -> Result<(), AttributionError> {
    if opts.steps == 0 {
        return Err(AttributionError::InvalidOption(
            "--steps must be at least 1".into(),
        ));
    }
    if let Some(t) = opts.tol
        && !(t > 0.0 && t.is_finite())
    {
        return Err(AttributionError::InvalidOption(format!(
            "--tol must be a positive number, got {t}"
        )));
    }
    Ok(())
}

/// The aggregates at x. The closed forms reuse them (gini's ranks above all), so they are
/// kept; on that route they start from the column means, stored in `path` (the equal-share
/// baseline is made of them: no second pass).
fn aggregates_at_x(
    path: &mut Path,
    use_closed: bool,
    equal_share: bool,
) -> Result<Vec<AggValue>, AttributionError> {
    Ok(if use_closed {
        let means = if equal_share {
            path.base.iter().map(|b| b.get(0)).collect()
        } else {
            closed_form::column_means(path)
        };
        path.column_means = Some(means);
        closed_form::aggregates_at_x(path, path.column_means.as_deref().unwrap_or_default())?
    } else {
        path.aggregates_at(1.0, "table", false)?
    })
}

/// φ by exact or sampled Shapley values over coalitions of agents (no per-column split).
fn shapley_phi(
    out: &mut Attribution,
    path: &Path,
    indicator: &Indicator,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<(), AttributionError> {
    let on = path.terms_at(1.0);
    let off = path.terms_at(0.0);
    out.phi = if opts.method == Method::ExactShapley {
        out.method = MethodUsed::ExactShapley;
        shapley::exact(indicator, &on, &off, progress)?
    } else {
        out.method = MethodUsed::SampledShapley;
        out.permutations = Some(opts.permutations);
        shapley::sampled(indicator, &on, &off, opts.permutations, opts.seed, progress)?
    };
    Ok(())
}

/// φ by Gauss–Legendre quadrature of the gradient along the path, doubling the node count
/// (up to `max_steps`) while the completeness gap (`gap` of φ) exceeds `tol`.
fn quadrature_phi(
    out: &mut Attribution,
    path: &Path,
    n: usize,
    opts: &Options,
    progress: &dyn Progress,
    gap: &dyn Fn(&[f64]) -> (f64, f64),
) -> Result<(), AttributionError> {
    out.method = MethodUsed::Quadrature;
    let mut k = opts.steps;
    loop {
        progress.start(k as u64, "quadrature nodes");
        let acc = integrate_gradient(path, k, progress)?;
        let phi_by_column = scale_by_delta(path, acc);
        let phi = row_sums(&phi_by_column, n);
        let (_, g) = gap(&phi);
        out.steps = Some(k);
        out.phi_by_column = phi_by_column;
        out.phi = phi;
        match opts.tol {
            Some(t) if g > t && k < opts.max_steps => k = (k * 2).min(opts.max_steps),
            _ => break,
        }
    }
    Ok(())
}

/// |Σφ − Δf| / max(|Δf|, 1e-12·(|f(x)| + |f(x')|)), Δf = f(x) − f(x'): relative to Δf, but
/// never to a Δf that is only rounding noise of f itself; absolute when both are 0.
pub(crate) fn relative_gap(sum_phi: f64, value: f64, baseline_value: f64) -> f64 {
    let delta = value - baseline_value;
    let denom = delta
        .abs()
        .max(1e-12 * (value.abs() + baseline_value.abs()));
    if denom > 0.0 {
        (sum_phi - delta).abs() / denom
    } else {
        sum_phi.abs()
    }
}

/// The completeness gap quadrature would report with each of `steps` Gauss–Legendre node
/// counts, without computing any per-agent φ.
///
/// Σ_ik φ_ik = Σ_q w_q Σ_ik Δ_ik ∂f/∂x_ik(α_q) = Σ_q w_q f'(α_q): the gap needs only the
/// derivative of f along the path at each node, one forward-mode pass, instead of an N × d
/// gradient. A study's K = 1, 2, …, 128 sweep (255 nodes) costs a few full attributions.
pub fn completeness_gaps(
    table: &FeatureTable,
    indicator: &Indicator,
    baseline: &Baseline,
    steps: &[usize],
) -> Result<Vec<f64>, AttributionError> {
    if steps.contains(&0) {
        return Err(AttributionError::InvalidOption(
            "quadrature needs at least 1 node".into(),
        ));
    }
    let columns = indicator.columns().to_vec();
    let x = columns
        .iter()
        .map(|c| table.require(c))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = Rows::local(table.len());
    let base = baseline.resolve(table, &columns, &rows)?;
    let path = Path::new(indicator, x, base, rows);
    let value = path.value_at(1.0, "table")?;
    let baseline_value = path.value_at(0.0, "baseline")?;
    if columns.is_empty() {
        return Ok(vec![relative_gap(0.0, value, baseline_value); steps.len()]);
    }
    let rules: Vec<(Vec<f64>, Vec<f64>)> = steps
        .iter()
        .map(|&k| crate::quadrature::gauss_legendre(k))
        .collect();
    let alphas: Vec<f64> = rules.iter().flat_map(|(a, _)| a.iter().copied()).collect();
    let slopes = path.slopes(&alphas)?;
    let mut at = 0;
    Ok(rules
        .iter()
        .map(|(_, weights)| {
            let sum: f64 = weights
                .iter()
                .zip(&slopes[at..at + weights.len()])
                .map(|(w, s)| w * s)
                .sum();
            at += weights.len();
            relative_gap(sum, value, baseline_value)
        })
        .collect())
}

/// φ_ik = Δ_ik · ∫ ∂f/∂x_ik dα.
fn scale_by_delta(path: &Path, mut acc: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    use rayon::prelude::*;
    acc.par_iter_mut().enumerate().for_each(|(k, col)| {
        let x = path.x[k];
        for (i, v) in col.iter_mut().enumerate() {
            *v *= x[i] - path.base[k].get(i);
        }
    });
    acc
}

fn row_sums(by_col: &[Vec<f64>], n: usize) -> Vec<f64> {
    let mut phi = vec![0.0; n];
    for col in by_col {
        for (p, v) in phi.iter_mut().zip(col) {
            *p += v;
        }
    }
    phi
}

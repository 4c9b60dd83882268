//! Exact closed forms for the indicators whose path integral can be done by hand.
//!
//! The outer expression is expanded into a polynomial in the aggregates, Σ c · Π a_j. Each
//! monomial is closed-form when it is
//! - a product of `mean`/`sum`s of affine scores (covers `mean` and the "heat" indicator): along
//!   the path every factor is linear in α, so the integrand is a polynomial in α integrated
//!   exactly from its coefficients;
//! - `var` of an affine score: φ_i = Δs_i [(s_i − s̄) + (s'_i − s̄')] / N;
//! - `gini` of an affine score under the equal-share (`mean`) baseline:
//!   φ_i = (s_i − s̄) [(2 r_i − N − 1)/(N S) − G/(2 S)].
//!
//! By linearity of Aumann–Shapley, a sum of such monomials is the sum of their attributions.
//! Anything else (`std`, `ln`, ratios of aggregates, …) goes to quadrature.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use crate::baseline::BaseColumn;
use crate::error::AttributionError;
use crate::indicator::Indicator;
use crate::linear::{Affine, affine, monomials};
use crate::path::{AggValue, Path};
use crate::reduce::{BLOCK, Compensated, PARALLEL_MIN, block_len};
use crate::tape::AggKind;

/// Why a closed form is not available, or the plan that computes it.
/// A closed-form term: coefficient, aggregate indices, and each aggregate's affine score.
pub(crate) type Term = (f64, Vec<usize>, Vec<Affine>);

pub(crate) fn plan(ind: &Indicator, equal_share_baseline: bool) -> Result<Vec<Term>, String> {
    let d = ind.columns().len();
    let mono =
        monomials(&ind.outer).ok_or("the expression is not a polynomial in its aggregates")?;
    let mut out = Vec::new();
    for (c, factors) in mono {
        if factors.is_empty() {
            continue;
        }
        let mut scores = Vec::new();
        for &j in &factors {
            let a = &ind.aggregates[j];
            let s = affine(&a.term, d)
                .ok_or_else(|| format!("`{}` is not an affine score of the columns", a.text))?;
            scores.push(s);
        }
        let kinds: Vec<AggKind> = factors.iter().map(|&j| ind.aggregates[j].kind).collect();
        let ok = if kinds
            .iter()
            .all(|k| matches!(k, AggKind::Mean | AggKind::Sum))
            || (kinds.len() == 1 && kinds[0] == AggKind::Var)
        {
            true
        } else if kinds.len() == 1 && kinds[0] == AggKind::Gini {
            if !equal_share_baseline {
                return Err(
                    "gini has a closed form only under the equal-share (mean) baseline".into(),
                );
            }
            true
        } else {
            false
        };
        if !ok {
            return Err(
                "only products of means/sums, var and gini of affine scores have closed forms"
                    .into(),
            );
        }
        out.push((c, factors, scores));
    }
    Ok(out)
}

/// The aggregates at x for a closed-form indicator, from the column means where they suffice:
/// a mean or sum of an affine score is that score of the column means, so only var (one pass,
/// the score computed inline) and gini (its sort) read the agents again. Aggregates outside
/// the plan (a zero coefficient) take the general path.
pub(crate) fn aggregates_at_x(
    path: &Path,
    xbar: &[f64],
) -> Result<Vec<AggValue>, AttributionError> {
    let ind = path.ind;
    let nf = path.rows.total as f64;
    let d = path.x.len();
    ind.aggregates
        .iter()
        .enumerate()
        .map(|(j, agg)| {
            let Some(s) = affine(&agg.term, d) else {
                return path.aggregate_at(j, 1.0, "table", true);
            };
            let mean = s.at(xbar);
            Ok(match agg.kind {
                AggKind::Mean => AggValue::new(mean, mean, 0.0),
                AggKind::Sum => AggValue::new(mean * nf, mean, 0.0),
                AggKind::Var | AggKind::Std => {
                    let ss = path.rows.sum_by(|i| {
                        let mut v = s.b - mean;
                        for (w, x) in s.w.iter().zip(&path.x) {
                            v += w * x[i];
                        }
                        v * v
                    });
                    AggValue::spread(agg.kind, mean, ss / nf)
                }
                AggKind::Gini | AggKind::Central3 | AggKind::Central4 => {
                    path.aggregate_at(j, 1.0, "table", true)?
                }
            })
        })
        .collect()
}

/// Each column's mean over the agents.
pub(crate) fn column_means(path: &Path) -> Vec<f64> {
    let nf = path.rows.total as f64;
    path.x
        .iter()
        .map(|x| path.rows.sum_by(|i| x[i]) / nf)
        .collect()
}

/// What [`attribute`] returns.
pub(crate) struct ClosedForm {
    /// φ_ik, one vector per column.
    pub(crate) phi_by_column: Vec<Vec<f64>>,
    /// φ_i, the row sums of `phi_by_column` in column order.
    pub(crate) phi: Vec<f64>,
    /// Σ_i φ_i, the same deterministic block sum as `reduce::sum_by(φ)`.
    pub(crate) sum: f64,
}

/// A per-agent multiplier m_i of a var or gini monomial (φ_ik gains c · w_k · m_i · Δ_ik).
enum PerAgent<'a> {
    /// m_i = ((s_i − s̄) + (s'_i − s̄')) / N, computed on the fly from the columns.
    Var {
        s: &'a Affine,
        sbar: f64,
        sbar0: f64,
    },
    /// m_i = coef_i / (N S) − G / (2 S).
    Gini { coef: &'a [f64], total: f64, g: f64 },
}

/// The closed-form attribution: φ per column (column-major, N each), φ per agent (their row
/// sums, in column order), and Σφ (the same deterministic block sum as `reduce::sum_by(φ)`),
/// all from one fused pass over the agents.
///
/// `aggs_x` are the aggregates at x as `Path::aggregates_at(1.0, _, true)` returns them: gini
/// monomials reuse their value and rank coefficients instead of sorting the scores again.
pub(crate) fn attribute(
    path: &Path,
    equal_share_baseline: bool,
    aggs_x: &[AggValue],
) -> Result<ClosedForm, AttributionError> {
    let ind = path.ind;
    let plan =
        plan(ind, equal_share_baseline).map_err(|reason| AttributionError::NoClosedForm {
            indicator: ind.text_for_messages(),
            reason,
        })?;
    let nf = path.rows.total as f64;
    let xbar: Vec<f64> = match &path.column_means {
        Some(m) => m.clone(),
        None => column_means(path),
    };
    let bbar = baseline_means(path, nf);
    let coefficients = Coefficients::of(path, &plan, aggs_x, &xbar, &bbar);
    Ok(coefficients.fused_pass(path))
}

/// Each baseline column's mean over the agents: the path's start point, where the mean/sum
/// factors and the var multiplier's s̄' are evaluated.
fn baseline_means(path: &Path, nf: f64) -> Vec<f64> {
    path.base
        .iter()
        .map(|b| match b {
            BaseColumn::Const(c) => *c,
            BaseColumn::Values(v) => path.rows.sum_by(|i| v[i]) / nf,
        })
        .collect()
}

/// The plan reduced to per-column constants and per-agent multipliers:
/// φ_ik = Δ_ik · (C_k + D_k(i)), where C_k collects the per-column constants of mean/sum
/// products and var and gini add per-agent multipliers D_k(i) = Σ_p c_p w_pk m_p(i).
/// Kept separate from the pass over the agents so that pass reads only these numbers.
struct Coefficients<'a> {
    /// C_k, one per column.
    konst: Vec<f64>,
    /// (c, w, multiplier) per var or gini monomial, in plan order.
    per_agent: Vec<(f64, &'a [f64], PerAgent<'a>)>,
    /// The agent count as a float (N).
    nf: f64,
}

impl<'a> Coefficients<'a> {
    /// Folds every monomial of `plan` into the constants or the multiplier list, in plan order.
    fn of(
        path: &Path,
        plan: &'a [Term],
        aggs_x: &'a [AggValue],
        xbar: &[f64],
        bbar: &[f64],
    ) -> Self {
        let ind = path.ind;
        let n = path.n;
        let nf = path.rows.total as f64;
        let d = path.x.len();
        let mut konst = vec![0.0; d];
        let mut per_agent: Vec<(f64, &[f64], PerAgent)> = Vec::new(); // (c, w, multiplier)
        for (c, factors, scores) in plan {
            let kind = ind.aggregates[factors[0]].kind;
            match kind {
                AggKind::Mean | AggKind::Sum => {
                    add_product_constants(ind, *c, factors, scores, xbar, bbar, nf, &mut konst)
                }
                AggKind::Var => {
                    let s = &scores[0];
                    per_agent.push((
                        *c,
                        &s.w,
                        PerAgent::Var {
                            s,
                            sbar: s.at(xbar),
                            sbar0: s.at(bbar),
                        },
                    ));
                }
                AggKind::Gini => {
                    let s = &scores[0];
                    let a = &aggs_x[factors[0]];
                    debug_assert_eq!(
                        a.gini_coef.len(),
                        n,
                        "aggregates_at(1.0, _, true) gives gini coefficients"
                    );
                    per_agent.push((
                        *c,
                        &s.w,
                        PerAgent::Gini {
                            coef: &a.gini_coef,
                            total: a.scale,
                            g: a.value,
                        },
                    ));
                }
                AggKind::Std | AggKind::Central3 | AggKind::Central4 => {
                    unreachable!("plan refuses std and the central moments")
                }
            }
        }
        Coefficients {
            konst,
            per_agent,
            nf,
        }
    }

    /// The one pass over the agents, block by block (in parallel above `PARALLEL_MIN`): each
    /// block writes its slice of every φ column and of φ, and returns its compensated Σφ piece,
    /// combined in block order so the sum does not depend on the thread count.
    fn fused_pass(&self, path: &Path) -> ClosedForm {
        let n = path.n;
        let d = path.x.len();
        let mut phi_by_column: Vec<Vec<MaybeUninit<f64>>> =
            (0..d).map(|_| crate::buf::uninit(n)).collect();
        let mut phi = crate::buf::uninit(n);
        // Per-block output pieces: the d column chunks, then the φ chunk. Each block computes
        // in scratch and writes every slot of its pieces once.
        let mut pieces: Vec<Vec<&mut [MaybeUninit<f64>]>> = (0..n.div_ceil(BLOCK))
            .map(|_| Vec::with_capacity(d + 1))
            .collect();
        for col in phi_by_column.iter_mut().chain(std::iter::once(&mut phi)) {
            for (b, chunk) in col.chunks_mut(BLOCK).enumerate() {
                pieces[b].push(chunk);
            }
        }
        let m_len = block_len(n);
        // Scores at x and x' are scratch for var multipliers only.
        let s_len = if self
            .per_agent
            .iter()
            .any(|p| matches!(p.2, PerAgent::Var { .. }))
        {
            m_len
        } else {
            0
        };
        let init = || Scratch {
            m: vec![vec![0.0; m_len]; self.per_agent.len()],
            sx: vec![0.0; s_len],
            sb: vec![0.0; s_len],
            o: vec![0.0; m_len],
            phi: vec![0.0; m_len],
        };
        let body = |scratch: &mut Scratch, (b, out): (usize, Vec<&mut [MaybeUninit<f64>]>)| {
            self.block(path, scratch, b, out)
        };
        let blocks: Vec<[Compensated; 1]> = if n <= PARALLEL_MIN {
            let mut scratch = init();
            pieces
                .into_iter()
                .enumerate()
                .map(|p| body(&mut scratch, p))
                .collect()
        } else {
            pieces
                .into_par_iter()
                .enumerate()
                .map_init(init, body)
                .collect()
        };
        let [sum] = path.rows.combine(&blocks);
        // SAFETY: the blocks cover 0..n and each wrote every slot of its column and φ pieces.
        let (phi_by_column, phi) = unsafe {
            (
                phi_by_column
                    .into_iter()
                    .map(|c| crate::buf::assume_init(c))
                    .collect(),
                crate::buf::assume_init(phi),
            )
        };
        ClosedForm {
            phi_by_column,
            phi,
            sum,
        }
    }

    /// One block of agents starting at `b · BLOCK`: its multipliers, then per column
    /// φ_ik = Δ_ik (C_k + Σ_p c_p w_pk m_p(i)) written to `out[k]`, their row sums to `out[d]`,
    /// and the block's compensated Σφ.
    fn block(
        &self,
        path: &Path,
        scratch: &mut Scratch,
        b: usize,
        mut out: Vec<&mut [MaybeUninit<f64>]>,
    ) -> [Compensated; 1] {
        let d = path.x.len();
        let lo = b * BLOCK;
        let len = out[0].len();
        self.multipliers(path, scratch, lo, len);
        let Scratch { m, o, phi, .. } = scratch;
        let (cols, rest) = out.split_at_mut(d);
        let (o, phi) = (&mut o[..len], &mut phi[..len]);
        phi.fill(0.0);
        for (k, dst) in cols.iter_mut().enumerate() {
            let x = &path.x[k][lo..lo + len];
            // o = C_k + Σ_p (c_p w_pk) m_p, one vectorisable sweep per multiplier.
            o.fill(self.konst[k]);
            for ((c, w, _), m) in self.per_agent.iter().zip(m.iter()) {
                let a = c * w[k];
                for (o, m) in o.iter_mut().zip(&m[..len]) {
                    *o += a * m;
                }
            }
            match &path.base[k] {
                BaseColumn::Const(c) => {
                    for r in 0..len {
                        o[r] *= x[r] - c;
                    }
                }
                BaseColumn::Values(v) => {
                    let v = &v[lo..lo + len];
                    for r in 0..len {
                        o[r] *= x[r] - v[r];
                    }
                }
            }
            for ((p, d), v) in phi.iter_mut().zip(dst.iter_mut()).zip(o.iter()) {
                *p += v;
                d.write(*v);
            }
        }
        for (dst, v) in rest[0].iter_mut().zip(phi.iter()) {
            dst.write(*v);
        }
        let mut acc = [Compensated::default()];
        acc[0].add_slice(phi);
        acc
    }

    /// The per-agent multipliers m_p of agents `lo..lo + len` into `scratch.m` (same
    /// arithmetic as `score`).
    fn multipliers(&self, path: &Path, scratch: &mut Scratch, lo: usize, len: usize) {
        let nf = self.nf;
        let Scratch { m, sx, sb, .. } = scratch;
        for ((_, _, kind), m) in self.per_agent.iter().zip(m.iter_mut()) {
            let m = &mut m[..len];
            match kind {
                PerAgent::Var { s, sbar, sbar0 } => {
                    let (sx, sb) = (&mut sx[..len], &mut sb[..len]);
                    sx.fill(s.b);
                    sb.fill(s.b);
                    for (k, w) in s.w.iter().enumerate() {
                        let x = &path.x[k][lo..lo + len];
                        for r in 0..len {
                            sx[r] += w * x[r];
                        }
                        match &path.base[k] {
                            BaseColumn::Const(c) => sb.iter_mut().for_each(|v| *v += w * c),
                            BaseColumn::Values(v) => {
                                let v = &v[lo..lo + len];
                                for r in 0..len {
                                    sb[r] += w * v[r];
                                }
                            }
                        }
                    }
                    for r in 0..len {
                        m[r] = ((sx[r] - sbar) + (sb[r] - sbar0)) / nf;
                    }
                }
                PerAgent::Gini { coef, total, g } => {
                    let coef = &coef[lo..lo + len];
                    for r in 0..len {
                        m[r] = coef[r] / (nf * total) - g / (2.0 * total);
                    }
                }
            }
        }
    }
}

/// One block's scratch buffers, reused across the blocks a thread runs.
struct Scratch {
    /// The per-agent multipliers, one buffer per var or gini monomial.
    m: Vec<Vec<f64>>,
    /// Var scores at x (empty without var monomials).
    sx: Vec<f64>,
    /// Var scores at the baseline (empty without var monomials).
    sb: Vec<f64>,
    /// One column's φ before it is written out.
    o: Vec<f64>,
    /// The running row sums φ_i.
    phi: Vec<f64>,
}

/// Adds a product of means/sums monomial's share to the per-column constants C_k: with
/// a_j(α) = A_j + α B_j and ∂a_j/∂x_ik = scale_j w_jk / N, factor j contributes
/// c · scale_j w_jk / N · ∫ Π_{l≠j} a_l(α) dα.
#[allow(clippy::too_many_arguments)]
fn add_product_constants(
    ind: &Indicator,
    c: f64,
    factors: &[usize],
    scores: &[Affine],
    xbar: &[f64],
    bbar: &[f64],
    nf: f64,
    konst: &mut [f64],
) {
    let lines: Vec<(f64, f64, f64)> = factors
        .iter()
        .zip(scores)
        .map(|(&j, s)| {
            let scale = if ind.aggregates[j].kind == AggKind::Sum {
                nf
            } else {
                1.0
            };
            let a = scale * s.at(bbar);
            let b = scale * (s.at(xbar) - s.at(bbar));
            (a, b, scale)
        })
        .collect();
    for j in 0..lines.len() {
        let others: Vec<(f64, f64)> = lines
            .iter()
            .enumerate()
            .filter(|(l, _)| *l != j)
            .map(|(_, (a, b, _))| (*a, *b))
            .collect();
        let integral = integrate_product(&others);
        for (k, kk) in konst.iter_mut().enumerate() {
            *kk += c * lines[j].2 * scores[j].w[k] / nf * integral;
        }
    }
}

/// ∫₀¹ Π_l (a_l + α b_l) dα, exactly, from the product's coefficients.
fn integrate_product(lines: &[(f64, f64)]) -> f64 {
    let mut coef = vec![1.0];
    for (a, b) in lines {
        let mut next = vec![0.0; coef.len() + 1];
        for (p, c) in coef.iter().enumerate() {
            next[p] += c * a;
            next[p + 1] += c * b;
        }
        coef = next;
    }
    coef.iter()
        .enumerate()
        .map(|(p, c)| c / (p as f64 + 1.0))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_shapes() {
        let p = |e: &str| Indicator::parse(e).unwrap();
        let is_linear = |i: &Indicator| i.is_linear();
        assert!(is_linear(&p("mean(posts + 2 * replies) / 3 - 1")));
        assert!(is_linear(&p("sum(x) + mean(y - x)")));
        assert!(!is_linear(&p("var(x)")));
        assert!(!is_linear(&p("mean(x) * mean(y)")));
        assert!(!is_linear(&p("mean(x * y)")));
        assert!(plan(&p("mean(a)*mean(b)*mean(c)"), false).is_ok());
        assert!(plan(&p("3 * var(a + b) - mean(a) ^ 2"), false).is_ok());
        assert!(plan(&p("gini(a + b)"), false).is_err());
        assert!(plan(&p("gini(a + b)"), true).is_ok());
        assert!(plan(&p("std(a)"), true).is_err());
        assert!(plan(&p("mean(log1p(a))"), true).is_err());
        assert!(plan(&p("mean(a) / mean(b)"), true).is_err());
        assert!(plan(&p("var(a) * mean(b)"), true).is_err());
        assert!(plan(&p("mean(a * log1p(2))"), true).is_ok());
    }

    /// The fused closed-form pass, the streamed aggregates and the radix-sorted gini give the
    /// same bits on one thread and on several.
    #[test]
    fn closed_forms_are_identical_on_any_thread_count() {
        use crate::{AgentIds, Baseline, FeatureTable, Method, Options};
        let n = 50_000; // several BLOCKs
        let col = |a: u64, m: u64| {
            (0..n as u64)
                .map(|i| ((i * a + 17) % m) as f64 * 0.5)
                .collect::<Vec<f64>>()
        };
        let t = FeatureTable::new(
            AgentIds::sequential(n),
            vec![
                ("f".into(), col(7919, 1009)),
                ("p".into(), col(104_729, 97)),
                ("r".into(), col(31, 13)),
            ],
        )
        .unwrap();
        let cases = [
            ("mean(p + r)", Baseline::Zero),
            ("mean(f) * mean(p) * mean(r)", Baseline::Zero),
            ("var(p + 2 * r) - mean(f)", Baseline::Min),
            ("gini(p + r)", Baseline::Mean),
        ];
        for (expr, base) in &cases {
            let ind = Indicator::parse(expr).unwrap();
            let go = |threads: usize| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| {
                        let opts = Options {
                            method: Method::ClosedForm,
                            ..Options::default()
                        };
                        crate::attribute(&t, &ind, base, &opts).unwrap()
                    })
            };
            let (a, b) = (go(1), go(3));
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a.phi), bits(&b.phi), "{expr}");
            for (x, y) in a.phi_by_column.iter().zip(&b.phi_by_column) {
                assert_eq!(bits(x), bits(y), "{expr}");
            }
            assert_eq!(a.sum_phi.to_bits(), b.sum_phi.to_bits(), "{expr}");
            assert_eq!(a.value.to_bits(), b.value.to_bits(), "{expr}");
            assert!(a.completeness_gap < 1e-9, "{expr}: {}", a.completeness_gap);
        }
    }

    #[test]
    fn product_integral() {
        // ∫ (1 + 2α)(3 − α) dα = ∫ 3 + 5α − 2α² = 3 + 5/2 − 2/3
        assert!(
            (integrate_product(&[(1.0, 2.0), (3.0, -1.0)]) - (3.0 + 2.5 - 2.0 / 3.0)).abs() < 1e-15
        );
        assert_eq!(integrate_product(&[]), 1.0);
    }
}

//! The exact attribution of a separable indicator: an affine combination of means and sums
//! of any per-agent terms, f = b + Σ_j c_j A_j, A_j = mean_i g_j(x_i) or sum_i g_j(x_i).
//!
//! Agent i is the only one whose features reach its own terms, so its Aumann–Shapley value
//! (and its exact Shapley value) is φ_i = Σ_j c_j s_j (g_j(x_i) − g_j(x'_i)), s_j = 1/N for a
//! mean and 1 for a sum: no integral, exact whatever g is. This matters where the path
//! integral fails: a step such as `abs(stance) > 0.8` has zero gradient almost everywhere,
//! and quadrature would attribute nothing.
//!
//! The split of φ_i over agent i's features is the exact Shapley value of the game whose
//! players are the d columns the term reads, v(S) = g(x_i on S, x'_i elsewhere): it sums to
//! φ_i, equals Aumann–Shapley when g is multilinear or quadratic in the features (the
//! diagonal-path argument of Owen 1972), and sees steps. It costs 2^d evaluations of the term
//! per agent, so a term over more than [`MAX_TERM_COLUMNS`] columns goes to quadrature.

use rayon::prelude::*;

use crate::closed_form::ClosedForm;
use crate::error::AttributionError;
use crate::eval::{ChunkEval, SomeLeaves};
use crate::indicator::Indicator;
use crate::linear::monomials;
use crate::path::Path;
use crate::reduce::{BLOCK, block_len};
use crate::tape::AggKind;

/// The most columns one term may read for the exact per-feature split (2^d evaluations).
pub(crate) const MAX_TERM_COLUMNS: usize = 10;

/// Each aggregate's coefficient c_j in f = b + Σ c_j A_j, when f is that and every A_j with
/// c_j ≠ 0 is a mean or sum whose term reads at most [`MAX_TERM_COLUMNS`] columns.
pub(crate) fn plan(ind: &Indicator) -> Option<Vec<f64>> {
    let mut coef = vec![0.0; ind.aggregates.len()];
    for (c, factors) in monomials(&ind.outer)? {
        match factors.as_slice() {
            [] => {}
            [j] => {
                let agg = &ind.aggregates[*j];
                if !matches!(agg.kind, AggKind::Mean | AggKind::Sum)
                    || agg.columns.len() > MAX_TERM_COLUMNS
                {
                    return None;
                }
                coef[*j] += c;
            }
            _ => return None,
        }
    }
    Some(coef)
}

/// Shapley weights |S|! (d − |S| − 1)! / d! of a coalition of size |S| among d players.
fn weights(d: usize) -> Vec<f64> {
    let mut w = vec![0.0; d.max(1)];
    if d > 0 {
        w[0] = 1.0 / d as f64;
        for s in 1..d {
            w[s] = w[s - 1] * s as f64 / (d - s) as f64;
        }
    }
    w
}

/// φ per column and per agent for a separable indicator with coefficients `coef` (from
/// [`plan`]); this rank's rows; Σφ over all ranks.
pub(crate) fn attribute(path: &Path, coef: &[f64]) -> Result<ClosedForm, AttributionError> {
    let ind = path.ind;
    let d = path.x.len();
    let n = path.n;
    let nf = path.rows.total as f64;
    let mut phi_by_column = vec![crate::buf::zeroed(n); d];
    let mut pieces: Vec<Vec<&mut [f64]>> = (0..n.div_ceil(BLOCK))
        .map(|_| Vec::with_capacity(d))
        .collect();
    for col in phi_by_column.iter_mut() {
        for (b, chunk) in col.chunks_mut(BLOCK).enumerate() {
            pieces[b].push(chunk);
        }
    }
    let longest = ind
        .aggregates
        .iter()
        .map(|a| a.term.nodes.len())
        .max()
        .unwrap_or(1);
    let bad = pieces
        .into_par_iter()
        .enumerate()
        .map_init(
            || {
                let m = block_len(n);
                (
                    ChunkEval::for_nodes(longest, m),
                    Vec::<Vec<f64>>::new(),
                    Vec::<Vec<f64>>::new(),
                )
            },
            |(ev, base, values), (b, mut out)| {
                let lo = b * BLOCK;
                let len = out.first().map_or(0, |c| c.len());
                let mut bad = false;
                for (j, agg) in ind.aggregates.iter().enumerate() {
                    if coef[j] == 0.0 {
                        continue;
                    }
                    let scale = coef[j]
                        * if agg.kind == AggKind::Mean {
                            1.0 / nf
                        } else {
                            1.0
                        };
                    let cols = &agg.columns;
                    path.baseline_block(cols, lo, len, base);
                    // v(S) for every coalition S of the term's columns (bit p = column cols[p]).
                    let masks = 1usize << cols.len();
                    values.resize(masks, Vec::new());
                    for (mask, v) in values.iter_mut().enumerate() {
                        let leaves = SomeLeaves {
                            columns: cols,
                            values: cols
                                .iter()
                                .enumerate()
                                .map(|(p, &k)| {
                                    if mask >> p & 1 == 1 {
                                        &path.x[k][lo..lo + len]
                                    } else {
                                        &base[p][..len]
                                    }
                                })
                                .collect(),
                        };
                        v.clear();
                        v.extend_from_slice(ev.forward(&agg.term, &leaves, len));
                    }
                    let w = weights(cols.len());
                    for (p, &k) in cols.iter().enumerate() {
                        let bit = 1usize << p;
                        let dst = &mut out[k];
                        for mask in (0..masks).filter(|m| m & bit == 0) {
                            let c = scale * w[mask.count_ones() as usize];
                            let (with, without) = (&values[mask | bit], &values[mask]);
                            for r in 0..len {
                                dst[r] += c * (with[r] - without[r]);
                            }
                        }
                    }
                }
                for col in out.iter() {
                    bad |= col.iter().any(|v| !v.is_finite());
                }
                bad
            },
        )
        .reduce(|| false, |a, b| a || b);
    if path.rows.any(bad) {
        return Err(AttributionError::NotFinite {
            indicator: ind.text_for_messages(),
            value: f64::NAN,
            which: "an agent's term at its features or its baseline".into(),
        });
    }
    let mut phi = vec![0.0; n];
    for col in &phi_by_column {
        for (p, v) in phi.iter_mut().zip(col) {
            *p += v;
        }
    }
    let sum = path.rows.sum_by(|i| phi[i]);
    Ok(ClosedForm {
        phi_by_column,
        phi,
        sum,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapley_weights_sum_to_one_per_player() {
        // Σ over coalitions without the player: Σ_s C(d−1, s) w(s) = 1.
        for d in 1..8usize {
            let w = weights(d);
            let mut total = 0.0;
            let mut binom = 1.0;
            for (s, ws) in w.iter().enumerate() {
                total += binom * ws;
                binom = binom * (d - 1 - s) as f64 / (s + 1) as f64;
            }
            assert!((total - 1.0).abs() < 1e-12, "d={d}: {total}");
        }
    }

    #[test]
    fn plan_accepts_affine_combinations_of_means_and_sums_only() {
        let ok = |e: &str| plan(&Indicator::parse(e).unwrap()).is_some();
        assert!(ok("mean(abs(stance) > 0.8)"));
        assert!(ok("2 * mean(exp(x) * y) - sum(ln(1 + z)) / 3 + 1"));
        assert!(!ok("mean(x) * mean(y)"));
        assert!(!ok("var(x)"));
        assert!(!ok("ln(mean(x))"));
    }
}

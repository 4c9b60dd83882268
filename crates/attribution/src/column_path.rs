//! Attribution along a staircase path that moves one feature column at a time.
//!
//! The diagonal path is the one Aumann–Shapley prescribes (it is what makes the attribution
//! symmetric). A study compares it with the staircase x' → (x₁, x'₂, …) → (x₁, x₂, x'₃, …) → x
//! to show how much an agent ranking depends on the path. Each stair is a straight segment on
//! which only column j moves, so it is integrated like the diagonal, with the segment's start
//! as the baseline; the stairs telescope, so Σφ = f(x) − f(x') still holds.

use crate::attribute::{Attribution, MethodUsed};
use crate::baseline::{BaseColumn, Baseline};
use crate::closed_form;
use crate::error::AttributionError;
use crate::indicator::Indicator;
use crate::path::Path;
use crate::progress::NoProgress;
use crate::quadrature::integrate_gradient;
use crate::reduce::sum_by;
use crate::shard::Rows;
use crate::table::FeatureTable;

/// φ along the staircase that moves `order`'s columns one after another: closed form on each
/// stair where the indicator has one from an arbitrary start, else K quadrature nodes per stair.
pub fn attribute_column_path(
    table: &FeatureTable,
    indicator: &Indicator,
    baseline: &Baseline,
    order: &[String],
    steps: usize,
) -> Result<Attribution, AttributionError> {
    let columns = indicator.columns().to_vec();
    let mut sorted_order = order.to_vec();
    sorted_order.sort();
    let mut sorted_cols = columns.clone();
    sorted_cols.sort();
    if sorted_order != sorted_cols {
        return Err(AttributionError::InvalidOption(format!(
            "the column order must list each column of the indicator once: {}",
            columns.join(", ")
        )));
    }
    let n = table.len();
    let x = columns
        .iter()
        .map(|c| table.require(c))
        .collect::<Result<Vec<_>, _>>()?;
    let base = baseline.resolve(table, &columns, &Rows::local(table.len()))?;
    let base_values: Vec<Vec<f64>> = base
        .iter()
        .map(|b| (0..n).map(|i| b.get(i)).collect())
        .collect();
    let full = Path::new(indicator, x.clone(), base.clone(), Rows::local(n));
    let value = full.value_at(1.0, "table")?;
    let baseline_value = full.value_at(0.0, "baseline")?;
    let mut phi_by_column: Vec<Vec<f64>> = vec![Vec::new(); columns.len()];
    let mut moved = vec![false; columns.len()];
    // Closed forms that hold from any start (not gini's, which needs the equal-share one).
    let closed = closed_form::plan(indicator, false).is_ok();
    for name in order {
        let j = columns
            .iter()
            .position(|c| c == name)
            .expect("checked above");
        // Segment start: moved columns at x, the rest at x'. End: column j moved too.
        let seg_x: Vec<&[f64]> = (0..columns.len())
            .map(|k| {
                if moved[k] || k == j {
                    x[k]
                } else {
                    base_values[k].as_slice()
                }
            })
            .collect();
        let seg_base: Vec<BaseColumn> = (0..columns.len())
            .map(|k| {
                if moved[k] {
                    BaseColumn::Values(x[k].to_vec())
                } else {
                    base[k].clone()
                }
            })
            .collect();
        let path = Path::new(indicator, seg_x, seg_base, Rows::local(n));
        phi_by_column[j] = if closed {
            // Exact, in one pass: the stair is a straight segment from an arbitrary start.
            let aggs = path.aggregates_at(1.0, "table", false)?;
            closed_form::attribute(&path, false, &aggs)?
                .phi_by_column
                .swap_remove(j)
        } else {
            let acc = integrate_gradient(&path, steps, &NoProgress)?;
            acc[j]
                .iter()
                .enumerate()
                .map(|(i, g)| g * (x[j][i] - base[j].get(i)))
                .collect()
        };
        moved[j] = true;
    }
    let mut phi = vec![0.0; n];
    for col in &phi_by_column {
        for (p, v) in phi.iter_mut().zip(col) {
            *p += v;
        }
    }
    let sum_phi = sum_by(n, |i| phi[i]);
    let delta = value - baseline_value;
    let denom = delta
        .abs()
        .max(1e-12 * (value.abs() + baseline_value.abs()));
    Ok(Attribution {
        indicator: indicator.text().to_string(),
        method: if closed {
            MethodUsed::ClosedForm
        } else {
            MethodUsed::Quadrature
        },
        steps: (!closed).then_some(steps),
        permutations: None,
        value,
        baseline_value,
        phi,
        sum_phi,
        columns,
        phi_by_column,
        completeness_gap: if denom > 0.0 {
            (sum_phi - delta).abs() / denom
        } else {
            sum_phi.abs()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::AgentIds;

    #[test]
    fn staircase_is_complete_and_differs_from_the_diagonal_for_interactions() {
        let t = FeatureTable::new(
            AgentIds::sequential(4),
            vec![
                ("a".into(), vec![1.0, 2.0, 3.0, 5.0]),
                ("b".into(), vec![4.0, 1.0, 0.5, 2.0]),
            ],
        )
        .unwrap();
        let ind = Indicator::parse("mean(a) * mean(b) + var(a - b)").unwrap();
        let stair = attribute_column_path(&t, &ind, &Baseline::Zero, &["a".into(), "b".into()], 16)
            .unwrap();
        assert!(stair.completeness_gap < 1e-12, "{}", stair.completeness_gap);
        let diag = crate::attribute(&t, &ind, &Baseline::Zero, &crate::Options::default()).unwrap();
        let differs = stair
            .phi
            .iter()
            .zip(&diag.phi)
            .any(|(s, d)| (s - d).abs() > 1e-6);
        assert!(differs, "the interaction term should split differently");
        // For an additive indicator the path does not matter.
        let add = Indicator::parse("mean(a) + var(b)").unwrap();
        let s = attribute_column_path(&t, &add, &Baseline::Mean, &["b".into(), "a".into()], 16)
            .unwrap();
        let d = crate::attribute(&t, &add, &Baseline::Mean, &crate::Options::default()).unwrap();
        assert!(s.phi.iter().zip(&d.phi).all(|(x, y)| (x - y).abs() < 1e-12));
        assert!(attribute_column_path(&t, &ind, &Baseline::Zero, &["a".into()], 8).is_err());
        // The closed-form stairs equal quadrature stairs (mean products and var are
        // polynomials of degree ≤ 3 in α along a stair: exact with K = 2).
        assert_eq!(stair.method, MethodUsed::ClosedForm);
        let cols = ["b".to_string(), "a".to_string()];
        let quad_ind =
            Indicator::parse("mean(a) * mean(b) + var(a - b) + 0 * ln(1 + mean(a))").unwrap();
        let q = attribute_column_path(&t, &quad_ind, &Baseline::Min, &cols, 4).unwrap();
        let c = attribute_column_path(&t, &ind, &Baseline::Min, &cols, 4).unwrap();
        assert_eq!(q.method, MethodUsed::Quadrature);
        for (a, b) in q.phi.iter().zip(&c.phi) {
            assert!((a - b).abs() < 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }
}

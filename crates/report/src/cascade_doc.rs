//! The cascades section of a cascade run's report: the cascade-size distribution as a
//! log-log CCDF against the critical slope, and the largest cascade.

use crate::doc::{Block, Figure, strong, text};
use crate::error::ReportError;
use crate::fmt::{num, pct};
use crate::plot::{Curve, CurveStyle, XyChart, render};
use crate::run_dir::{CascadeData, PLOT_DIR};

/// (s, P(S ≥ s)) at every distinct value s ≥ 1 of `values`, ascending.
pub(crate) fn ccdf(values: &[f64]) -> Vec<(f64, f64)> {
    let mut v: Vec<f64> = values
        .iter()
        .copied()
        .filter(|x| x.is_finite() && *x >= 1.0)
        .collect();
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (i, &x) in v.iter().enumerate() {
        if out.last().is_none_or(|p| p.0 != x) {
            out.push((x, (v.len() - i) as f64 / n));
        }
    }
    out
}

/// The section's blocks, and how many figures they hold.
pub(crate) fn cascade_blocks(
    c: &CascadeData,
    name: &str,
) -> Result<(Vec<Block>, usize), ReportError> {
    let n = c.sizes.len();
    if n == 0 {
        return Ok((
            vec![Block::text("Nobody posted: there are no cascades.")],
            0,
        ));
    }
    let mean = c.sizes.iter().sum::<f64>() / n as f64;
    let ones = c.sizes.iter().filter(|&&s| s <= 1.0).count();
    let mut line = vec![text(format!(
        "{n} cascades (cascades.parquet): mean size {}, {} of size 1",
        num(Some(mean)),
        pct(Some(ones as f64 / n as f64))
    ))];
    if let Some([root, origin, start, size]) = c.largest {
        line.push(text("; the largest reached "));
        line.push(strong(format!("{size:.0} agents")));
        line.push(text(format!(
            " (item {root:.0}, posted by agent {origin:.0} at tick {start:.0})"
        )));
    }
    line.push(text(format!(
        ". {} were still shared within the feed window of the run's end and may have grown \
         further.",
        c.still_spreading
    )));
    let points = ccdf(&c.sizes);
    // The critical slope drawn through the measured CCDF at its first point.
    let reference = match (points.first(), points.last()) {
        (Some(&(s0, p0)), Some(&(s1, _))) if s1 > s0 => {
            vec![(s0, p0), (s1, p0 * (s1 / s0).powf(-0.5))]
        }
        _ => Vec::new(),
    };
    let chart = XyChart {
        title: format!("{name}: cascade sizes"),
        x_label: "cascade size s (agents reached)".into(),
        y_label: "P(S ≥ s)".into(),
        log_x: true,
        log_y: true,
        curves: vec![
            Curve {
                name: "measured".into(),
                points,
                style: CurveStyle::Points,
            },
            Curve {
                name: "s^−1/2: critical, P(S = s) ∝ s^−3/2".into(),
                points: reference,
                style: CurveStyle::Dashed,
            },
        ],
    };
    let png_path = format!("{PLOT_DIR}/cascade_sizes.png");
    let image = render(&png_path, &chart)?;
    let figure = Block::Figure(Figure {
        png_path,
        caption: "Complementary cumulative distribution of cascade sizes (log-log); a critical \
                  cascade follows the dashed s^−1/2 line up to its finite-size cut-off"
            .into(),
        image,
    });
    Ok((vec![Block::para(line), figure], 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ccdf_steps_down_at_each_distinct_value() {
        let p = ccdf(&[1.0, 1.0, 2.0, 5.0, 0.0, f64::NAN]);
        assert_eq!(p, vec![(1.0, 1.0), (2.0, 0.5), (5.0, 0.25)]);
        assert!(ccdf(&[]).is_empty());
    }

    #[test]
    fn the_section_draws_and_names_the_largest_cascade() {
        let c = CascadeData {
            sizes: vec![1.0, 1.0, 3.0, 40.0],
            largest: Some([12.0, 7.0, 3.0, 40.0]),
            still_spreading: 1,
        };
        let (blocks, figures) = cascade_blocks(&c, "t").expect("draws");
        assert_eq!((blocks.len(), figures), (2, 1));
        let empty = CascadeData {
            sizes: Vec::new(),
            largest: None,
            still_spreading: 0,
        };
        assert_eq!(cascade_blocks(&empty, "t").expect("no figure").1, 0);
    }
}

//! How the opinion distribution changed: stances at the first and at the last recorded tick
//! (from `ticks.parquet`), as overlaid histograms and a table of the polarization measures —
//! variance, Sarle's bimodality coefficient and the share of extreme stances. A scenario named
//! after polarization should show the distribution spreading and splitting here.

use emergent_attribution::{AgentIds, FeatureTable, Indicator, evaluate};
use emergent_io::FirstAndLast;

use crate::doc::{Block, Figure, Table};
use crate::error::ReportError;
use crate::fmt::num;
use crate::plot::{Curve, CurveStyle, XyChart, render};
use crate::run_dir::PLOT_DIR;

/// Histogram bins across the common range of both ticks.
const BINS: usize = 40;

/// |stance| above this counts as extreme (stances of the bounded policies lie in [−1, 1]).
pub const EXTREME: f64 = 0.8;

/// Moments of a sample: what the polarization measures are made of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Polarization {
    pub variance: f64,
    /// Sarle's bimodality coefficient (the indicator language's `bimodality`); above 5/9 ≈
    /// 0.555 suggests two modes. NaN for fewer than 4 values or no spread.
    pub bimodality: f64,
    /// Share of values with |x| > [`EXTREME`].
    pub extreme_share: f64,
}

impl Polarization {
    /// The three measures of `x`, each evaluated as the indicator a scenario would write
    /// (`var(stance)`, `bimodality(stance)`, `mean(abs(stance) > 0.8)`), so the report and
    /// `indicators.csv` use one implementation. NaN where a measure is undefined.
    pub fn of(x: &[f64]) -> Polarization {
        let v: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
        let ids = AgentIds::Int((0..v.len() as i64).collect());
        let Ok(table) = FeatureTable::new(ids, vec![("stance".into(), v)]) else {
            return Polarization {
                variance: f64::NAN,
                bimodality: f64::NAN,
                extreme_share: f64::NAN,
            };
        };
        let measure = |expr: &str| {
            Indicator::parse(expr)
                .ok()
                .and_then(|ind| evaluate(&table, &ind).ok())
                .unwrap_or(f64::NAN)
        };
        Polarization {
            variance: measure("var(stance)"),
            bimodality: measure("bimodality(stance)"),
            extreme_share: measure(&format!("mean(abs(stance) > {EXTREME})")),
        }
    }
}

/// A density histogram of `x` over `lo..hi` drawn as steps.
fn histogram(x: &[f64], lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let width = (hi - lo) / BINS as f64;
    let mut counts = [0usize; BINS];
    let mut n = 0usize;
    for &v in x.iter().filter(|v| v.is_finite()) {
        let b = (((v - lo) / width) as usize).min(BINS - 1);
        counts[b] += 1;
        n += 1;
    }
    let scale = 1.0 / (n.max(1) as f64 * width);
    counts
        .iter()
        .enumerate()
        .flat_map(|(b, &c)| {
            let left = lo + b as f64 * width;
            let d = c as f64 * scale;
            [(left, d), (left + width, d)]
        })
        .collect()
}

/// The report's opinion section: a figure and a table.
pub fn opinion_blocks(o: &FirstAndLast, name: &str) -> Result<Vec<Block>, ReportError> {
    let finite = o.first.iter().chain(&o.last).filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
        (a.min(v), b.max(v))
    });
    if !lo.is_finite() || hi <= lo {
        return Ok(Vec::new());
    }
    // Bounded stances get the whole [−1, 1]; unbounded opinions their own range.
    let (lo, hi) = if lo >= -1.0 && hi <= 1.0 {
        (-1.0, 1.0)
    } else {
        (lo, hi)
    };
    let chart = XyChart {
        title: format!("{name}: opinions at the first and last recorded tick"),
        x_label: "stance".into(),
        y_label: "density".into(),
        log_x: false,
        log_y: false,
        curves: vec![
            Curve {
                name: format!("tick {}", o.first_tick),
                points: histogram(&o.first, lo, hi),
                style: CurveStyle::Dashed,
            },
            Curve {
                name: format!("tick {}", o.last_tick),
                points: histogram(&o.last, lo, hi),
                style: CurveStyle::Line,
            },
        ],
    };
    let png_path = format!("{PLOT_DIR}/opinions.png");
    let image = render(&png_path, &chart)?;
    let (a, b) = (Polarization::of(&o.first), Polarization::of(&o.last));
    let mut t = Table::new(&[
        "",
        &format!("tick {}", o.first_tick),
        &format!("tick {}", o.last_tick),
    ]);
    t.row([
        "variance of stance".into(),
        num(Some(a.variance)),
        num(Some(b.variance)),
    ]);
    t.row([
        "bimodality coefficient (> 0.555: two modes)".into(),
        num(Some(a.bimodality)),
        num(Some(b.bimodality)),
    ]);
    t.row([
        format!("share with |stance| > {EXTREME}"),
        num(Some(a.extreme_share)),
        num(Some(b.extreme_share)),
    ]);
    Ok(vec![
        Block::heading(2, "Opinions"),
        Block::Figure(Figure {
            png_path,
            caption: "Density of the agents' stance (topic 0) at the first and the last \
                      recorded tick"
                .into(),
            image,
        }),
        Block::Table(t),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bimodality_tells_two_modes_from_one() {
        let two: Vec<f64> = (0..1000)
            .map(|i| if i % 2 == 0 { -0.9 } else { 0.9 })
            .collect();
        let uniform: Vec<f64> = (0..1000).map(|i| -1.0 + 2.0 * i as f64 / 999.0).collect();
        let peaked: Vec<f64> = (0..1000)
            .map(|i| ((i as f64 + 0.5) / 1000.0 - 0.5).powi(3) * 4.0)
            .collect();
        let b = |x: &[f64]| Polarization::of(x).bimodality;
        assert!(b(&two) > 0.99, "two point masses: {}", b(&two));
        // A uniform distribution sits at 5/9 (its excess kurtosis is −1.2).
        assert!((b(&uniform) - 5.0 / 9.0).abs() < 0.01, "{}", b(&uniform));
        assert!(b(&peaked) < 0.5, "one sharp mode: {}", b(&peaked));
        assert_eq!(Polarization::of(&two).extreme_share, 1.0);
        assert!(Polarization::of(&[1.0, 1.0, 1.0, 1.0]).bimodality.is_nan());
    }

    #[test]
    fn histogram_is_a_density() {
        let x: Vec<f64> = (0..400).map(|i| -1.0 + i as f64 / 200.0).collect();
        let h = histogram(&x, -1.0, 1.0);
        let area: f64 = h.chunks(2).map(|p| (p[1].0 - p[0].0) * p[0].1).sum();
        assert!((area - 1.0).abs() < 1e-12, "{area}");
    }
}

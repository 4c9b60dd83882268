//! A general x–y figure: several named curves (lines, dashed reference curves, points) on
//! linear or logarithmic axes. The validation suite draws ours against the published or
//! analytic result with it.
//!
//! A logarithmic axis is drawn as log10 of the values on a linear scale, labelled in decades
//! (as [`super::GapVsSteps`] does): plotters' own log axis drops labels far from 1. Values that
//! have no logarithm (≤ 0) are left out of a log axis.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{FONT, LABEL_SIZE, PLOT_SIZE, TITLE_SIZE, colour};
use super::{Chart, PlotError, axis_label, padded_range};

/// How a curve is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurveStyle {
    /// A solid line through the points (a measured curve).
    Line,
    /// Markers only (measurements, scattered).
    Points,
    /// A dashed line (a published or analytic reference).
    Dashed,
    /// A thin dashed line in the colour of the curve before it, without a legend entry: a
    /// bound of that curve's band (an interval over replicates).
    Band,
}

/// One named curve.
#[derive(Debug, Clone)]
pub struct Curve {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub style: CurveStyle,
}

/// A figure of several curves sharing two axes.
#[derive(Debug, Clone)]
pub struct XyChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub log_x: bool,
    pub log_y: bool,
    pub curves: Vec<Curve>,
}

/// `v` on an axis: log10 when the axis is logarithmic (None when v has no logarithm).
fn on_axis(v: f64, log: bool) -> Option<f64> {
    match log {
        true if v > 0.0 && v.is_finite() => Some(v.log10()),
        true => None,
        false => v.is_finite().then_some(v),
    }
}

/// An axis label: the value, or 10^v on a log axis (decades only, else blank).
fn label(v: f64, log: bool, range: &std::ops::Range<f64>) -> String {
    if !log {
        return axis_label(v, range);
    }
    if (v - v.round()).abs() > 1e-6 {
        return String::new();
    }
    let e = v.round() as i32;
    match e {
        -2..=4 => axis_label(10f64.powi(e), &(0.0..10f64.powi(e))),
        _ => format!("1e{e}"),
    }
}

impl XyChart {
    /// Every curve's points in axis coordinates.
    fn projected(&self) -> Vec<Vec<(f64, f64)>> {
        self.curves
            .iter()
            .map(|c| {
                c.points
                    .iter()
                    .filter_map(|&(x, y)| Some((on_axis(x, self.log_x)?, on_axis(y, self.log_y)?)))
                    .collect()
            })
            .collect()
    }
}

impl Chart for XyChart {
    fn size(&self) -> (u32, u32) {
        PLOT_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE)?;
        let curves = self.projected();
        let xs = padded_range(curves.iter().flatten().map(|p| p.0));
        let ys = padded_range(curves.iter().flatten().map(|p| p.1));
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, TITLE_SIZE))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d(xs.clone(), ys.clone())?;
        let decades =
            |r: &std::ops::Range<f64>| ((r.end - r.start).ceil() as usize + 1).clamp(2, 24);
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_labels(if self.log_x { decades(&xs) } else { 8 })
            .y_labels(if self.log_y { decades(&ys) } else { 6 })
            .x_label_formatter(&|v| label(*v, self.log_x, &xs))
            .y_label_formatter(&|v| label(*v, self.log_y, &ys))
            .label_style((FONT, LABEL_SIZE))
            .draw()?;
        // Bands take the colour of the curve they bound, and no colour of their own.
        let mut k = 0;
        for (curve, pts) in self.curves.iter().zip(&curves) {
            if curve.style == CurveStyle::Band {
                let c = colour(k.max(1) - 1);
                chart.draw_series(DashedLineSeries::new(
                    pts.iter().copied(),
                    4,
                    4,
                    c.stroke_width(1),
                ))?;
                continue;
            }
            let c = colour(k);
            k += 1;
            let name = curve.name.clone();
            match curve.style {
                // (Band: drawn above.)
                CurveStyle::Line | CurveStyle::Band => chart
                    .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))?
                    .label(name)
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 20, y)], c.stroke_width(2))
                    }),
                CurveStyle::Points => chart
                    .draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled())))?
                    .label(name)
                    .legend(move |(x, y)| Circle::new((x + 10, y), 4, c.filled())),
                CurveStyle::Dashed => chart
                    .draw_series(DashedLineSeries::new(
                        pts.iter().copied(),
                        8,
                        5,
                        c.stroke_width(2),
                    ))?
                    .label(name)
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 8, y)], c.stroke_width(2))
                    }),
            };
        }
        if !self.curves.is_empty() {
            chart
                .configure_series_labels()
                .label_font((FONT, LABEL_SIZE))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .position(SeriesLabelPosition::UpperRight)
                .draw()?;
        }
        root.present()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::render;

    #[test]
    fn log_axes_drop_what_has_no_logarithm_and_render() {
        let chart = XyChart {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            log_x: true,
            log_y: true,
            curves: vec![
                Curve {
                    name: "ours".into(),
                    points: vec![(0.0, 1.0), (1.0, 1.0), (10.0, 0.1), (100.0, 0.0)],
                    style: CurveStyle::Points,
                },
                Curve {
                    name: "theory".into(),
                    points: vec![(1.0, 1.0), (100.0, 0.01)],
                    style: CurveStyle::Dashed,
                },
            ],
        };
        assert_eq!(chart.projected()[0], vec![(0.0, 0.0), (1.0, -1.0)]);
        let r = render("xy", &chart).expect("renders");
        assert!(r.svg.contains("ours") && r.svg.contains("theory"));
        assert!(r.png.starts_with(b"\x89PNG"));
    }

    #[test]
    fn decade_labels() {
        assert_eq!(label(2.0, true, &(0.0..3.0)), "100");
        assert_eq!(label(-6.0, true, &(-7.0..0.0)), "1e-6");
        assert_eq!(label(0.5, true, &(0.0..3.0)), "");
    }
}

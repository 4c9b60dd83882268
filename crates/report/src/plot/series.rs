//! Indicator time series from `indicators.csv`, one small chart per indicator (their
//! scales differ by orders of magnitude). Undefined ticks break the line.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{FONT, INK, LABEL_SIZE, TITLE_SIZE, colour};
use super::{Chart, PlotError, axis_label, padded_range};

#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    /// (tick, value); None where the indicator was undefined.
    pub points: Vec<(f64, Option<f64>)>,
}

#[derive(Debug, Clone)]
pub struct TimeSeries {
    pub title: String,
    pub series: Vec<Series>,
    /// (tick, label): a vertical line with its label on every panel (the run's
    /// interventions; empty for none).
    pub markers: Vec<(f64, String)>,
}

/// Height of one indicator's chart.
const ROW_HEIGHT: u32 = 240;

impl Chart for TimeSeries {
    fn size(&self) -> (u32, u32) {
        let rows = u32::try_from(self.series.len().max(1)).unwrap_or(u32::MAX);
        (900, ROW_HEIGHT.saturating_mul(rows).saturating_add(50))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE)?;
        let body = root.titled(&self.title, (FONT, TITLE_SIZE))?;
        let rows = body.split_evenly((self.series.len().max(1), 1));
        let ticks = padded_range(
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.0)),
        );
        for (k, (s, area)) in self.series.iter().zip(&rows).enumerate() {
            let defined = || {
                s.points
                    .iter()
                    .filter_map(|&(t, v)| v.filter(|v| v.is_finite()).map(|v| (t, v)))
            };
            let caption = if defined().next().is_none() {
                format!("{} (undefined at every tick)", s.name)
            } else {
                s.name.clone()
            };
            let values = padded_range(defined().map(|p| p.1));
            let mut chart = ChartBuilder::on(area)
                .caption(caption, (FONT, LABEL_SIZE + 2))
                .margin(8)
                .x_label_area_size(32)
                .y_label_area_size(80)
                .build_cartesian_2d(ticks.clone(), values.clone())?;
            chart
                .configure_mesh()
                .x_desc("tick")
                .y_labels(5)
                .x_label_formatter(&|v| axis_label(*v, &ticks))
                .y_label_formatter(&|v| axis_label(*v, &values))
                .label_style((FONT, LABEL_SIZE - 2))
                .draw()?;
            for (t, label) in self.markers.iter().filter(|m| ticks.contains(&m.0)) {
                let (lo, hi) = (values.start, values.end);
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(*t, lo), (*t, hi)],
                    INK.stroke_width(2),
                )))?;
                let top = hi - 0.04 * (hi - lo);
                chart.draw_series(std::iter::once(Text::new(
                    format!(" {label}"),
                    (*t, top),
                    (FONT, LABEL_SIZE - 3).into_font().color(&INK),
                )))?;
            }
            let c = colour(k);
            for run in runs(&s.points) {
                if run.len() == 1 {
                    chart.draw_series(std::iter::once(Circle::new(run[0], 2, c.filled())))?;
                } else {
                    chart.draw_series(LineSeries::new(run, c.stroke_width(2)))?;
                }
            }
        }
        root.present()?;
        Ok(())
    }
}

/// Maximal runs of consecutive defined points.
fn runs(points: &[(f64, Option<f64>)]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for &(t, v) in points {
        match v.filter(|v| v.is_finite()) {
            Some(v) => out.last_mut().map(|r| r.push((t, v))).unwrap_or(()),
            None if out.last().is_some_and(|r| !r.is_empty()) => out.push(Vec::new()),
            None => {}
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_ticks_split_the_line() {
        let pts = [
            (0.0, None),
            (1.0, Some(1.0)),
            (2.0, Some(2.0)),
            (3.0, None),
            (4.0, Some(4.0)),
        ];
        assert_eq!(
            runs(&pts),
            vec![vec![(1.0, 1.0), (2.0, 2.0)], vec![(4.0, 4.0)]]
        );
    }
}

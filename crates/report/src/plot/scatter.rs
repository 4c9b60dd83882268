//! One attribution against another, one small chart per panel: full-population φ against a
//! panel's own φ (with the best global rescaling line p = c*·u), or static against dynamic φ.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{FONT, INK, LABEL_SIZE, TITLE_SIZE, colour};
use super::{Chart, PlotError, axis_label, padded_range};

#[derive(Debug, Clone)]
pub struct ScatterPanel {
    pub label: String,
    /// (full φ of the agent, panel φ of the agent).
    pub points: Vec<(f64, f64)>,
    pub c_star: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Scatter {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    pub panels: Vec<ScatterPanel>,
}

impl Scatter {
    fn grid(&self) -> (usize, usize) {
        let n = self.panels.len().max(1);
        let cols = if n == 1 { 1 } else { 2 };
        (n.div_ceil(cols), cols)
    }
}

impl Chart for Scatter {
    fn size(&self) -> (u32, u32) {
        let (rows, _) = self.grid();
        let rows = u32::try_from(rows).unwrap_or(u32::MAX);
        (900, rows.saturating_mul(340).saturating_add(60))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE)?;
        let body = root.titled(&self.title, (FONT, TITLE_SIZE))?;
        let cells = body.split_evenly(self.grid());
        for (k, (panel, area)) in self.panels.iter().zip(&cells).enumerate() {
            let pts: Vec<(f64, f64)> = panel
                .points
                .iter()
                .copied()
                .filter(|(a, b)| a.is_finite() && b.is_finite())
                .collect();
            let x = padded_range(pts.iter().map(|p| p.0));
            let y = padded_range(pts.iter().map(|p| p.1));
            let caption = match panel.c_star.filter(|c| c.is_finite()) {
                Some(c) => format!("{} (c* = {})", panel.label, crate::fmt::num(Some(c))),
                None => panel.label.clone(),
            };
            let mut chart = ChartBuilder::on(area)
                .caption(caption, (FONT, LABEL_SIZE + 2))
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(80)
                .build_cartesian_2d(x.clone(), y.clone())?;
            chart
                .configure_mesh()
                .x_labels(5)
                .y_labels(5)
                .x_label_formatter(&|v| axis_label(*v, &x))
                .y_label_formatter(&|v| axis_label(*v, &y))
                .x_desc(self.x_desc.as_str())
                .y_desc(self.y_desc.as_str())
                .label_style((FONT, LABEL_SIZE - 3))
                .draw()?;
            let c = colour(k);
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, c.mix(0.7).filled())))?;
            if let Some(cs) = panel.c_star.filter(|c| c.is_finite()) {
                // The line across the x range, clipped to the y range so it stays in the plot.
                let (x0, x1) = (x.start, x.end);
                let line: Vec<(f64, f64)> = [x0, x1]
                    .iter()
                    .map(|&xv| (xv, cs * xv))
                    .filter(|(_, yv)| yv.is_finite())
                    .map(|(xv, yv)| clip(xv, yv, cs, &y))
                    .collect();
                chart.draw_series(LineSeries::new(line, INK.stroke_width(1)))?;
            }
        }
        root.present()?;
        Ok(())
    }
}

/// Move a point of the line y = c·x along the line until it lies within the y range.
fn clip(x: f64, y: f64, c: f64, yr: &std::ops::Range<f64>) -> (f64, f64) {
    if c == 0.0 || (yr.start..=yr.end).contains(&y) {
        return (x, y);
    }
    let yc = y.clamp(yr.start, yr.end);
    (yc / c, yc)
}

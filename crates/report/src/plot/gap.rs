//! Completeness gap |Σφ − (f(x) − f(x'))| against the number of quadrature nodes K, log-log.
//! Exact zeros have no logarithm: they are drawn at [`GapVsSteps::floor`], hollow.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{FONT, LABEL_SIZE, PLOT_SIZE, TITLE_SIZE, colour};
use super::{Chart, PlotError};

#[derive(Debug, Clone)]
pub struct GapVsSteps {
    pub title: String,
    /// (K, gap); a gap below `floor` (including 0) is drawn at `floor`.
    pub points: Vec<(usize, f64)>,
    pub floor: f64,
}

impl Chart for GapVsSteps {
    fn size(&self) -> (u32, u32) {
        PLOT_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE)?;
        let pts: Vec<(f64, f64, bool)> = self
            .points
            .iter()
            .filter(|(_, g)| g.is_finite())
            .map(|&(k, g)| (k.max(1) as f64, g.abs().max(self.floor), g.abs() < self.floor))
            .collect();
        let kmax = pts.iter().map(|p| p.0).fold(2.0, f64::max);
        let gmax = pts.iter().map(|p| p.1).fold(self.floor * 10.0, f64::max);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, TITLE_SIZE))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d((0.8..kmax * 1.25).log_scale(), (self.floor / 3.0..gmax * 3.0).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("quadrature nodes K")
            .y_desc("completeness gap")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .label_style((FONT, LABEL_SIZE))
            .draw()?;
        let c = colour(1);
        chart.draw_series(LineSeries::new(pts.iter().map(|p| (p.0, p.1)), c.stroke_width(2)))?;
        chart.draw_series(pts.iter().map(|&(k, g, clamped)| {
            let style = if clamped { c.stroke_width(2) } else { c.filled() };
            Circle::new((k, g), 5, style)
        }))?;
        root.present()?;
        Ok(())
    }
}

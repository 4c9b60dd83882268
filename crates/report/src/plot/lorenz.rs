//! Lorenz curve of attribution mass: agents sorted by φ, cumulative share of Σφ.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{FONT, GRID, LABEL_SIZE, PLOT_SIZE, TITLE_SIZE, colour};
use super::{Chart, PlotError, axis_label, padded_range};

#[derive(Debug, Clone)]
pub struct Lorenz {
    pub title: String,
    /// (share of agents, share of Σφ), ascending in agents.
    pub points: Vec<(f64, f64)>,
}

impl Chart for Lorenz {
    fn size(&self) -> (u32, u32) {
        PLOT_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE)?;
        let pts: Vec<(f64, f64)> = self
            .points
            .iter()
            .copied()
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .map(|(a, b)| (100.0 * a, 100.0 * b))
            .collect();
        let y = padded_range(pts.iter().map(|p| p.1).chain([0.0, 100.0]));
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, TITLE_SIZE))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..100.0, y.clone())?;
        chart
            .configure_mesh()
            .x_desc("agents, sorted by φ ascending (%)")
            .y_desc("cumulative share of Σφ (%)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| axis_label(*v, &y))
            .label_style((FONT, LABEL_SIZE))
            .draw()?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, 0.0), (100.0, 100.0)],
                GRID.stroke_width(1),
            ))?
            .label("equal attribution")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], GRID.stroke_width(1)));
        let c = colour(0);
        chart
            .draw_series(LineSeries::new(pts, c.stroke_width(2)))?
            .label("attribution")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], c.stroke_width(2)));
        chart
            .configure_series_labels()
            .label_font((FONT, LABEL_SIZE))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()?;
        root.present()?;
        Ok(())
    }
}

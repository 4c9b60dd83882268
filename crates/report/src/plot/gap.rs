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
            .map(|&(k, g)| {
                (
                    k.max(1) as f64,
                    g.abs().max(self.floor).log10(),
                    g.abs() < self.floor,
                )
            })
            .collect();
        let kmax = pts.iter().map(|p| p.0).fold(2.0, f64::max);
        // The y axis is log10(gap) on a linear scale: plotters' log axis labels no decade
        // below about 1e-15, which is exactly where round-off gaps live.
        let top = pts
            .iter()
            .map(|p| p.1)
            .fold(self.floor.log10() + 1.0, f64::max)
            .ceil()
            + 0.3;
        let bottom = self.floor.log10() - 0.3;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, TITLE_SIZE))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d((0.8..kmax * 1.25).log_scale(), bottom..top)?;
        chart
            .configure_mesh()
            .x_desc("quadrature nodes K")
            .y_desc("completeness gap")
            .y_labels(((top - bottom).ceil() as usize + 1).min(24))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| {
                if (v - v.round()).abs() < 1e-6 {
                    format!("1e{:.0}", v.round())
                } else {
                    String::new()
                }
            })
            .label_style((FONT, LABEL_SIZE))
            .draw()?;
        let c = colour(1);
        chart.draw_series(LineSeries::new(
            pts.iter().map(|p| (p.0, p.1)),
            c.stroke_width(2),
        ))?;
        chart
            .draw_series(
                pts.iter()
                    .filter(|p| !p.2)
                    .map(|&(k, g, _)| Circle::new((k, g), 5, c.filled())),
            )?
            .label("|Σφ − (f(x) − f(x′))|")
            .legend(move |(x, y)| Circle::new((x + 8, y), 5, c.filled()));
        if pts.iter().any(|p| p.2) {
            let floor = self.floor;
            chart
                .draw_series(
                    pts.iter()
                        .filter(|p| p.2)
                        .map(|&(k, g, _)| Circle::new((k, g), 5, c.stroke_width(2))),
                )?
                .label(format!("exactly 0, drawn at {floor:.0e}"))
                .legend(move |(x, y)| Circle::new((x + 8, y), 5, c.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .label_font((FONT, LABEL_SIZE))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()?;
        root.present()?;
        Ok(())
    }
}

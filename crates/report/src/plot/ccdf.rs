//! Complementary cumulative distribution P(S ≥ s) on log-log axes, with a reference power
//! law: the cascade-size figure of a cascade run (critical cascades: P(S ≥ s) ∝ s^−1/2).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{FONT, GRID, LABEL_SIZE, PLOT_SIZE, TITLE_SIZE, colour};
use super::{Chart, PlotError};

#[derive(Debug, Clone)]
pub struct Ccdf {
    pub title: String,
    pub x_label: String,
    /// The sample (values ≥ 1; others are left out).
    pub values: Vec<f64>,
    /// Exponent of the reference line P(S ≥ s) ∝ s^reference (drawn through the CCDF at the
    /// sample's smallest value), and its legend.
    pub reference: Option<(f64, String)>,
}

impl Ccdf {
    /// (s, P(S ≥ s)) at every distinct value s, ascending.
    pub fn points(&self) -> Vec<(f64, f64)> {
        let mut v: Vec<f64> = self
            .values
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
}

impl Chart for Ccdf {
    fn size(&self) -> (u32, u32) {
        PLOT_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE)?;
        let pts = self.points();
        let x_max = pts.last().map_or(10.0, |p| p.0).max(10.0) * 1.5;
        let y_min = pts.last().map_or(0.1, |p| p.1).min(0.1) / 1.5;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, TITLE_SIZE))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d((1.0..x_max).log_scale(), (y_min..1.2).log_scale())?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc("P(S ≥ s)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .label_style((FONT, LABEL_SIZE))
            .draw()?;
        if let (Some((slope, name)), Some(&(s0, p0))) = (&self.reference, pts.first()) {
            let line = [(s0, p0), (x_max, p0 * (x_max / s0).powf(*slope))];
            let dashed = DashedLineSeries::new(line, 6, 4, GRID.stroke_width(2));
            chart.draw_series(dashed)?.label(name).legend(|(x, y)| {
                PathElement::new([(x, y), (x + 20, y)], GRID.stroke_width(2))
            });
        }
        let c = colour(0);
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 3, c.filled())))?
            .label("measured")
            .legend(move |(x, y)| Circle::new((x + 10, y), 3, c.filled()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::render;

    #[test]
    fn ccdf_steps_down_at_each_distinct_value_and_draws() {
        let c = Ccdf {
            title: "t".into(),
            x_label: "s".into(),
            values: vec![1.0, 1.0, 2.0, 5.0, 0.0, f64::NAN],
            reference: Some((-0.5, "s^-1/2".into())),
        };
        assert_eq!(c.points(), vec![(1.0, 1.0), (2.0, 0.5), (5.0, 0.25)]);
        render("ccdf.png", &c).expect("draws");
        let empty = Ccdf {
            values: Vec::new(),
            ..c
        };
        render("ccdf.png", &empty).expect("an empty sample draws too");
    }
}

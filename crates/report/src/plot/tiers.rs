//! Tier shares, full population vs each panel protocol: grouped bars, ± sd error bars.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{FONT, INK, LABEL_SIZE, PLOT_SIZE, TITLE_SIZE, colour};
use super::{Chart, PlotError, axis_label, padded_range};

/// One bar per tier: its share (fraction of Σφ) and, for panels, its sd over seeds.
#[derive(Debug, Clone)]
pub struct BarSeries {
    pub label: String,
    pub shares: Vec<Option<f64>>,
    pub sd: Vec<Option<f64>>,
}

#[derive(Debug, Clone)]
pub struct TierBars {
    pub title: String,
    pub tiers: Vec<String>,
    pub series: Vec<BarSeries>,
}

impl Chart for TierBars {
    fn size(&self) -> (u32, u32) {
        PLOT_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE)?;
        let pct = |v: f64| 100.0 * v;
        let finite = |v: &Option<f64>| v.filter(|x| x.is_finite());
        let mut ends = vec![0.0];
        for s in &self.series {
            for (t, v) in s.shares.iter().enumerate() {
                if let Some(v) = finite(v) {
                    let sd = s.sd.get(t).and_then(finite).unwrap_or(0.0);
                    ends.extend([pct(v - sd), pct(v + sd)]);
                }
            }
        }
        let y = padded_range(ends);
        let y_range = y.clone();
        let groups = self.tiers.len().max(1);
        let x = -0.5..groups as f64 - 0.5;
        // The legend gets its own column so it never covers a bar.
        let (plot_area, legend_area) =
            root.split_horizontally(root.dim_in_pixel().0.saturating_sub(190));
        let mut chart = ChartBuilder::on(&plot_area)
            .caption(&self.title, (FONT, TITLE_SIZE))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x, y)?;
        // Only whole numbers are tier centres; the mesh's other key points stay unlabelled.
        let tier_name = |v: &f64| {
            if (v - v.round()).abs() > 1e-6 || *v < 0.0 {
                return String::new();
            }
            self.tiers
                .get(v.round() as usize)
                .cloned()
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(2 * groups + 1)
            .x_label_formatter(&tier_name)
            .y_label_formatter(&|v| format!("{}%", axis_label(*v, &y_range)))
            .y_desc("share of Σφ")
            .x_desc("tier")
            .label_style((FONT, LABEL_SIZE))
            .draw()?;
        let n = self.series.len().max(1) as f64;
        let width = 0.8 / n;
        for (k, s) in self.series.iter().enumerate() {
            let c = if k == 0 {
                RGBColor(90, 90, 90)
            } else {
                colour(k - 1)
            };
            let left = |t: usize| t as f64 - 0.4 + k as f64 * width;
            let bars = s
                .shares
                .iter()
                .enumerate()
                .filter_map(|(t, v)| finite(v).map(|v| (t, v)));
            chart.draw_series(bars.clone().map(|(t, v)| {
                Rectangle::new(
                    [(left(t) + 0.01, 0.0), (left(t) + width - 0.01, pct(v))],
                    c.filled(),
                )
            }))?;
            let y0 = 70 + 26 * k as i32;
            legend_area.draw(&Rectangle::new([(8, y0 - 7), (24, y0 + 7)], c.filled()))?;
            legend_area.draw(&Text::new(
                s.label.clone(),
                (32, y0 - 8),
                (FONT, LABEL_SIZE).into_font().color(&INK),
            ))?;
            let errors =
                bars.filter_map(|(t, v)| s.sd.get(t).and_then(finite).map(|sd| (t, v, sd)));
            chart.draw_series(errors.map(|(t, v, sd)| {
                ErrorBar::new_vertical(
                    left(t) + width / 2.0,
                    pct(v - sd),
                    pct(v),
                    pct(v + sd),
                    INK.stroke_width(1),
                    8,
                )
            }))?;
        }
        root.present()?;
        Ok(())
    }
}

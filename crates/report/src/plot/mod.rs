//! Plots drawn once and encoded twice: PNG (for HTML and slides) and SVG (for papers).
//!
//! Each chart implements [`Chart`] over any plotters backend; [`render`] draws it into an
//! in-memory RGB buffer (encoded with `png`) and an SVG string, so nothing touches the disk
//! until the caller writes every output at once. Text uses DejaVu Sans compiled into the
//! binary, so plots look the same on every machine and need no system fonts.

mod gap;
mod lorenz;
mod scatter;
mod series;
mod style;
mod tiers;
mod xy;

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;

use crate::error::ReportError;

pub use gap::GapVsSteps;
pub use lorenz::Lorenz;
pub use scatter::{Scatter, ScatterPanel};
pub use series::{Series, TimeSeries};
pub use tiers::{BarSeries, TierBars};
pub use xy::{Curve, CurveStyle, XyChart};

/// A drawn plot: its PNG bytes, its SVG text and the pixel size of both.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub png: Vec<u8>,
    pub svg: String,
    pub width: u32,
    pub height: u32,
}

/// Most panels one figure draws (rows of the indicator time series, cells of a scatter): a
/// scenario has at most `emergent_scenario::limits::MAX_INDICATORS` = 64 indicators, but a
/// run directory attributed by hand (`emergent attribute`) may hold any number, and a figure
/// of thousands of panels would be gigapixels tall.
pub const MAX_PANELS: usize = 64;

/// Largest figure drawn, in pixels (900 × 20 000): a chart larger than this is an error, not
/// an allocation of gigabytes.
const MAX_PIXELS: u64 = 18_000_000;

/// The first [`MAX_PANELS`] of `items`, and a sentence saying how many were left out (None
/// when all fit), for the figure's caption.
pub fn first_panels<T: Clone>(items: &[T], what: &str) -> (Vec<T>, Option<String>) {
    if items.len() <= MAX_PANELS {
        return (items.to_vec(), None);
    }
    let note = format!(
        "Only the first {MAX_PANELS} of {} {what} are drawn; the tables list all of them.",
        items.len()
    );
    (items[..MAX_PANELS].to_vec(), Some(note))
}

/// Something plotters can draw on any backend.
pub trait Chart {
    /// Pixel size (width, height).
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;
}

/// A drawing failure, whatever the backend.
#[derive(Debug)]
pub struct PlotError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError(e.to_string())
    }
}

/// Draw `chart` as PNG and SVG; `name` only labels errors.
pub fn render(name: &str, chart: &impl Chart) -> Result<Rendered, ReportError> {
    style::register_fonts().map_err(|why| ReportError::Plot {
        plot: name.into(),
        why,
    })?;
    let err = |e: PlotError| ReportError::Plot {
        plot: name.into(),
        why: e.0,
    };
    let (width, height) = chart.size();
    if width == 0 || height == 0 || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ReportError::Plot {
            plot: name.into(),
            why: format!("a {width} × {height} figure is too large to draw"),
        });
    }
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        chart.draw(&root).map_err(err)?;
        root.present().map_err(|e| err(e.into()))?;
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        chart.draw(&root).map_err(err)?;
        root.present().map_err(|e| err(e.into()))?;
    }
    let png = encode_png(&rgb, width, height).map_err(|e| ReportError::Plot {
        plot: name.into(),
        why: format!("PNG encoding: {e}"),
    })?;
    Ok(Rendered {
        png,
        svg,
        width,
        height,
    })
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

/// Axis range covering `values` (finite ones) with 5 % padding; a degenerate range is
/// widened so the axis still has a length.
pub(crate) fn padded_range(values: impl IntoIterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let span = hi - lo;
    if span <= f64::EPSILON * lo.abs().max(hi.abs()).max(f64::MIN_POSITIVE) {
        let pad = if lo == 0.0 { 1.0 } else { 0.1 * lo.abs() };
        return lo - pad..hi + pad;
    }
    lo - 0.05 * span..hi + 0.05 * span
}

/// A tick label with just the digits the axis needs: decimals by the axis span, scientific
/// notation for very small or large spans, and a clean "0" for round-off around zero.
pub(crate) fn axis_label(v: f64, range: &std::ops::Range<f64>) -> String {
    let span = (range.end - range.start).abs();
    if !v.is_finite() || !span.is_finite() || span == 0.0 {
        return format!("{v}");
    }
    if v.abs() < span * 1e-9 {
        return "0".into();
    }
    let magnitude = span.max(v.abs());
    if !(1e-3..1e5).contains(&magnitude) {
        let s = format!("{v:.1e}");
        return s.replace(".0e", "e");
    }
    let decimals = (1 - span.log10().floor() as i32).max(0) as usize;
    format!("{v:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels_are_short() {
        assert_eq!(axis_label(5.0, &(0.0..50.0)), "5");
        assert_eq!(axis_label(0.32, &(0.3..0.4)), "0.32");
        assert_eq!(axis_label(-1.7e-18, &(0.0..0.03)), "0");
        assert_eq!(axis_label(1.0e-4, &(0.0..3.0e-4)), "1e-4");
        assert_eq!(axis_label(1.5e-4, &(0.0..3.0e-4)), "1.5e-4");
    }

    fn many_series(n: usize) -> TimeSeries {
        TimeSeries {
            title: "t".into(),
            series: (0..n)
                .map(|k| Series {
                    name: format!("i{k}"),
                    points: vec![(0.0, Some(k as f64)), (1.0, None), (2.0, Some(1.0))],
                })
                .collect(),
            markers: vec![(1.0, "ban top 1%".into())],
        }
    }

    #[test]
    fn ten_thousand_indicators_are_cut_to_the_first_panels_with_a_note() {
        let all = many_series(10_000).series;
        let (shown, note) = first_panels(&all, "indicators");
        assert_eq!(shown.len(), MAX_PANELS);
        let note = note.expect("a note");
        assert!(note.contains("64 of 10000 indicators"), "{note}");
        let chart = TimeSeries {
            title: "t".into(),
            series: shown,
            markers: vec![
                (1.0, "ban top 1%".into()),
                (5.0, "outside the ticks".into()),
            ],
        };
        render("indicators.png", &chart).expect("64 panels draw");
    }

    #[test]
    fn an_oversized_figure_is_an_error_not_a_panic() {
        let e = render("indicators.png", &many_series(10_000)).expect_err("too large");
        assert!(e.to_string().contains("too large"), "{e}");
    }
}

//! The report's market section (panic-policy runs): the price and one-tick return series
//! from `indicators.csv`, the autocorrelation of r and |r| by lag, and `market.json`'s
//! statistics (excess kurtosis, crashes and recoveries).

use emergent_io::run_dir::MarketStats;

use crate::doc::{Block, Figure, Table};
use crate::error::ReportError;
use crate::fmt::num;
use crate::plot::{Series, TimeSeries, render};
use crate::run_dir::PLOT_DIR;

/// Blocks of the market section and how many figures it drew. `series` are the
/// `indicators.csv` columns (its `price` and `return` are drawn).
pub fn market_blocks(
    stats: &MarketStats,
    series: &[Series],
    name: &str,
) -> Result<(Vec<Block>, usize), ReportError> {
    let mut blocks = vec![Block::heading(2, "Market: price, returns and crashes")];
    blocks.push(Block::Table(stats_table(stats)));
    let mut figures = 0;
    let price_and_return: Vec<Series> = series
        .iter()
        .filter(|s| s.name == "price" || s.name == "return")
        .cloned()
        .collect();
    if !price_and_return.is_empty() {
        let png_path = format!("{PLOT_DIR}/market-price.png");
        let chart = TimeSeries {
            title: format!("{name}: price and one-tick log return per recorded tick"),
            series: price_and_return,
            markers: Vec::new(),
        };
        let image = render(&png_path, &chart)?;
        blocks.push(Block::Figure(Figure {
            png_path,
            caption: "The price P_t and the log return ln(P_t/P_{t-1}) at every recorded tick"
                .into(),
            image,
        }));
        figures += 1;
    }
    if !stats.acf_return.is_empty() {
        let by_lag = |name: &str, v: &[f64]| Series {
            name: name.into(),
            points: v
                .iter()
                .enumerate()
                .map(|(k, &a)| ((k + 1) as f64, Some(a)))
                .collect(),
        };
        let png_path = format!("{PLOT_DIR}/market-autocorrelation.png");
        let chart = TimeSeries {
            title: format!("{name}: autocorrelation by lag (x axis: lag in ticks)"),
            series: vec![
                by_lag("autocorrelation of r", &stats.acf_return),
                by_lag("autocorrelation of |r|", &stats.acf_abs_return),
            ],
            markers: Vec::new(),
        };
        let image = render(&png_path, &chart)?;
        blocks.push(Block::Figure(Figure {
            png_path,
            caption: "Volatility clustering: |r| stays autocorrelated over several lags while r itself is not".into(),
            image,
        }));
        figures += 1;
    }
    Ok((blocks, figures))
}

fn stats_table(s: &MarketStats) -> Table {
    let mut t = Table::new(&["statistic", "value"]);
    let opt = num;
    let first = |v: &[f64]| v.first().copied();
    t.row(["returns (ticks)".into(), s.returns.to_string()]);
    t.row([
        "price: initial / final".into(),
        format!(
            "{} / {}",
            num(Some(s.initial_price)),
            num(Some(s.final_price))
        ),
    ]);
    t.row([
        "price: min / max".into(),
        format!("{} / {}", num(Some(s.min_price)), num(Some(s.max_price))),
    ]);
    t.row(["return sd".into(), num(Some(s.return_sd))]);
    t.row(["excess kurtosis of r".into(), opt(s.excess_kurtosis)]);
    t.row([
        "autocorrelation of r at lag 1".into(),
        opt(first(&s.acf_return)),
    ]);
    t.row([
        "autocorrelation of |r| at lag 1".into(),
        opt(first(&s.acf_abs_return)),
    ]);
    t.row([
        format!(
            "crashes (−{:.0} % from the peak) / recoveries (back to {:.0} %)",
            100.0 * s.crash_drawdown,
            100.0 * s.recovery_level
        ),
        format!("{} / {}", s.crashes, s.recoveries),
    ]);
    t
}

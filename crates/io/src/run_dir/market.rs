//! `market.json`: the return statistics of a market run (the panic policy), computed by the
//! runner from the price at every tick. `docs/run-directory.md` describes each key.

use serde::{Deserialize, Serialize};

/// Statistics of the one-tick log returns r_t = ln(P_t / P_{t−1}) of a whole run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MarketStats {
    /// Number of returns (ticks run).
    pub returns: usize,
    pub initial_price: f64,
    pub final_price: f64,
    pub min_price: f64,
    pub max_price: f64,
    /// Mean and standard deviation of r.
    pub return_mean: f64,
    pub return_sd: f64,
    /// Excess kurtosis of r: E[(r − r̄)⁴]/σ⁴ − 3 (0 for a Gaussian; null when σ = 0).
    pub excess_kurtosis: Option<f64>,
    /// Autocorrelation of r at lags 1, 2, … (`acf_return[k−1]` is lag k).
    pub acf_return: Vec<f64>,
    /// Autocorrelation of |r| at the same lags: volatility clustering shows as
    /// `acf_abs_return` clearly above 0 while `acf_return` is near 0.
    pub acf_abs_return: Vec<f64>,
    /// A crash starts when the price falls `crash_drawdown` (a fraction) below its running
    /// peak; it recovers when the price is back to `recovery_level` × that peak, after which
    /// the peak is tracked afresh.
    pub crash_drawdown: f64,
    pub recovery_level: f64,
    pub crashes: usize,
    pub recoveries: usize,
    pub episodes: Vec<CrashEpisode>,
}

/// One crash: from the peak to the trough and, if it came, the recovery.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrashEpisode {
    pub peak_tick: u32,
    pub peak_price: f64,
    /// The tick the drawdown first reached `crash_drawdown`.
    pub crash_tick: u32,
    pub trough_tick: u32,
    pub trough_price: f64,
    /// The tick the price was back to `recovery_level` × the peak (null: never, in the run).
    pub recovery_tick: Option<u32>,
}

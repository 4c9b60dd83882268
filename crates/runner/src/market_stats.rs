//! The return statistics of a market run (`market.json`): fat tails (excess kurtosis),
//! volatility clustering (autocorrelation of |r| against that of r) and crash/recovery
//! episodes, from the price at every tick.

use emergent_io::run_dir::{CrashEpisode, MarketStats};

/// A fall of 20 % from the running peak is a crash (a common market convention for a bear
/// market; also far beyond the few-percent moves of calm ticks).
pub const CRASH_DRAWDOWN: f64 = 0.2;
/// Back to 95 % of the pre-crash peak counts as recovered.
pub const RECOVERY_LEVEL: f64 = 0.95;
/// Autocorrelation lags reported (fewer when the run is short: at most a quarter of it).
pub const MAX_LAG: usize = 10;

/// One-tick log returns of a price path.
pub fn log_returns(prices: &[f64]) -> Vec<f64> {
    prices.windows(2).map(|w| (w[1] / w[0]).ln()).collect()
}

/// Excess kurtosis E[(x − x̄)⁴]/σ⁴ − 3 (None when σ = 0 or fewer than 4 values).
pub fn excess_kurtosis(x: &[f64]) -> Option<f64> {
    if x.len() < 4 {
        return None;
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let m2 = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let m4 = x.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
    (m2 > 0.0).then(|| m4 / (m2 * m2) - 3.0)
}

/// Sample autocorrelation of `x` at lags 1..=`lags` (0 when x is constant).
pub fn autocorrelation(x: &[f64], lags: usize) -> Vec<f64> {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n.max(1.0);
    let var: f64 = x.iter().map(|v| (v - mean).powi(2)).sum();
    (1..=lags)
        .map(|k| {
            if var == 0.0 || k >= x.len() {
                return 0.0;
            }
            let c: f64 = x
                .iter()
                .zip(&x[k..])
                .map(|(a, b)| (a - mean) * (b - mean))
                .sum();
            c / var
        })
        .collect()
}

/// Crash episodes of a price path (see [`MarketStats`]'s `crash_drawdown`).
pub fn crash_episodes(prices: &[f64]) -> Vec<CrashEpisode> {
    let mut out = Vec::new();
    let Some(&first) = prices.first() else {
        return out;
    };
    let (mut peak, mut peak_tick) = (first, 0u32);
    let mut open: Option<CrashEpisode> = None;
    for (t, &p) in prices.iter().enumerate() {
        let t = t as u32;
        match open.as_mut() {
            None if p > peak => (peak, peak_tick) = (p, t),
            None if p <= (1.0 - CRASH_DRAWDOWN) * peak => {
                open = Some(CrashEpisode {
                    peak_tick,
                    peak_price: peak,
                    crash_tick: t,
                    trough_tick: t,
                    trough_price: p,
                    recovery_tick: None,
                })
            }
            None => {}
            Some(e) => {
                if p < e.trough_price {
                    (e.trough_tick, e.trough_price) = (t, p);
                }
                if p >= RECOVERY_LEVEL * e.peak_price {
                    e.recovery_tick = Some(t);
                    out.extend(open.take());
                    (peak, peak_tick) = (p, t);
                }
            }
        }
    }
    out.extend(open);
    out
}

/// Every statistic of `market.json` for the price at every tick `prices`.
pub fn market_stats(prices: &[f64]) -> MarketStats {
    let r = log_returns(prices);
    let n = r.len() as f64;
    let mean = r.iter().sum::<f64>() / n.max(1.0);
    let sd = (r.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n.max(1.0)).sqrt();
    let lags = MAX_LAG.min(r.len() / 4);
    let abs: Vec<f64> = r.iter().map(|v| v.abs()).collect();
    let episodes = crash_episodes(prices);
    let fold = |f: fn(f64, f64) -> f64, init| prices.iter().copied().fold(init, f);
    MarketStats {
        returns: r.len(),
        initial_price: prices.first().copied().unwrap_or(f64::NAN),
        final_price: prices.last().copied().unwrap_or(f64::NAN),
        min_price: fold(f64::min, f64::INFINITY),
        max_price: fold(f64::max, f64::NEG_INFINITY),
        return_mean: mean,
        return_sd: sd,
        excess_kurtosis: excess_kurtosis(&r),
        acf_return: autocorrelation(&r, lags),
        acf_abs_return: autocorrelation(&abs, lags),
        crash_drawdown: CRASH_DRAWDOWN,
        recovery_level: RECOVERY_LEVEL,
        crashes: episodes.len(),
        recoveries: episodes
            .iter()
            .filter(|e| e.recovery_tick.is_some())
            .count(),
        episodes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gaussian_has_no_excess_kurtosis_and_a_two_point_law_has_minus_two() {
        assert!((excess_kurtosis(&[1.0, -1.0, 1.0, -1.0]).unwrap() + 2.0).abs() < 1e-12);
        // Laplace-like fat tail: many zeros and a few big moves.
        let mut x = vec![0.0; 96];
        x.extend([5.0, -5.0, 5.0, -5.0]);
        // m4/m2² = (4·625/100)/(4·25/100)² = 25/1 = 25.
        assert!((excess_kurtosis(&x).unwrap() - 22.0).abs() < 1e-9);
        assert_eq!(excess_kurtosis(&[2.0; 10]), None);
    }

    #[test]
    fn autocorrelation_sees_alternation_and_persistence() {
        let alt: Vec<f64> = (0..100)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let a = autocorrelation(&alt, 2);
        assert!(
            (a[0] + 0.99).abs() < 1e-9 && (a[1] - 0.98).abs() < 1e-9,
            "{a:?}"
        );
    }

    #[test]
    fn a_crash_and_its_recovery_are_counted_once() {
        let p = [
            100.0, 110.0, 95.0, 85.0, 70.0, 80.0, 100.0, 106.0, 120.0, 90.0, 89.0,
        ];
        let e = crash_episodes(&p);
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(
            (e[0].peak_tick, e[0].crash_tick, e[0].trough_tick),
            (1, 3, 4)
        );
        assert_eq!(e[0].recovery_tick, Some(7));
        // The second: peak 120 at tick 8, 90 ≤ 96 at tick 9, never back.
        assert_eq!(
            (e[1].peak_tick, e[1].crash_tick, e[1].recovery_tick),
            (8, 9, None)
        );
        let s = market_stats(&p);
        assert_eq!((s.crashes, s.recoveries, s.returns), (2, 1, 10));
    }
}

//! The shipped scenarios show the phenomenon they are named after, run as a user runs them:
//! the market crashes and recovers with fat tails and clustered volatility, the polarization
//! scenarios polarize.

mod common;

use common::{ok, repo};
use serde_json::Value;

fn scenario(name: &str) -> String {
    repo()
        .join("scenarios")
        .join(name)
        .to_str()
        .expect("utf-8 path")
        .to_string()
}

/// `indicators.csv` as (header, first row, last row).
fn first_and_last_indicators(dir: &std::path::Path) -> (Vec<String>, Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(dir.join("indicators.csv")).expect("indicators.csv");
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .map(String::from)
        .collect();
    let row = |l: &str| -> Vec<f64> {
        l.split(',')
            .map(|v| v.parse().unwrap_or(f64::NAN))
            .collect()
    };
    let rows: Vec<&str> = lines.collect();
    (header, row(rows[0]), row(rows[rows.len() - 1]))
}

fn column(header: &[String], row: &[f64], name: &str) -> f64 {
    let i = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    row[i]
}

#[test]
fn market_panic_crashes_and_recovers_with_fat_tails_and_clustered_volatility() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("panic");
    ok(&[
        "run",
        &scenario("market-panic.toml"),
        "--out",
        out.to_str().unwrap(),
    ]);
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("market.json")).expect("market"))
            .expect("json");
    let crashes = m["crashes"].as_u64().expect("crashes");
    let recoveries = m["recoveries"].as_u64().expect("recoveries");
    let kurtosis = m["excess_kurtosis"].as_f64().expect("kurtosis");
    let acf = |k: &str| -> Vec<f64> {
        m[k].as_array()
            .expect("acf")
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect()
    };
    let (r, abs) = (acf("acf_return"), acf("acf_abs_return"));
    assert_eq!(r.len(), 10);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let summary = format!(
        "crashes {crashes} recoveries {recoveries} kurtosis {kurtosis} acf r {r:?} acf |r| {abs:?}"
    );
    // Many episodes, each recovered but possibly the last.
    assert!(crashes >= 8 && recoveries + 1 >= crashes, "{summary}");
    // Fat tails: far beyond a Gaussian's 0.
    assert!(kurtosis > 5.0, "{summary}");
    // Returns unpredictable from their past (no lag beyond ±0.15)…
    assert!(r.iter().all(|a| a.abs() < 0.15), "{summary}");
    // …their size is not: |r| autocorrelated at every lag, several times more than r.
    assert!(abs.iter().all(|&a| a > 0.08), "{summary}");
    let mean_abs_r = mean(&r.iter().map(|a| a.abs()).collect::<Vec<_>>());
    assert!(mean(&abs) > 3.0 * mean_abs_r, "{summary}");
}

#[test]
fn the_quickstart_polarizes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("qs");
    ok(&["run", &common::quickstart(), "--out", out.to_str().unwrap()]);
    let (h, first, last) = first_and_last_indicators(&out);
    let (v0, v1) = (
        column(&h, &first, "polarization"),
        column(&h, &last, "polarization"),
    );
    assert!(v1 > 5.0 * v0, "var(stance) {v0} → {v1}");
    let (e0, e1) = (
        column(&h, &first, "echo_chamber"),
        column(&h, &last, "echo_chamber"),
    );
    assert!(e0.abs() < 0.01 && e1 > 1.0, "echo chamber {e0} → {e1}");
}

#[test]
fn polarization_toml_polarizes_into_two_camps_and_echo_chambers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("pol");
    // A fifth of its 10⁵ agents: the same dynamics, a fifth of the time.
    ok(&[
        "run",
        &scenario("polarization.toml"),
        "--out",
        out.to_str().unwrap(),
        "--set",
        "population.agents=20000",
    ]);
    let (h, first, last) = first_and_last_indicators(&out);
    let rise = |name: &str| (column(&h, &first, name), column(&h, &last, name));
    let (v0, v1) = rise("polarization");
    assert!(v1 > 5.0 * v0, "var(stance) {v0} → {v1}");
    let (b0, b1) = rise("bimodality");
    // Sarle's coefficient above 5/9 (a uniform distribution's) means two camps.
    assert!(b1 > b0 && b1 > 5.0 / 9.0, "bimodality {b0} → {b1}");
    let (c0, c1) = rise("echo_chamber_index");
    assert!(
        c0.abs() < 0.05 && c1 > 0.8,
        "echo-chamber index {c0} → {c1}"
    );
}

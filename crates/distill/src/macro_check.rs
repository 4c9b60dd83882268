//! The macro check of a distilled policy: its runs' indicators at the last recorded tick
//! against the LLM runs' at the same N over several seeds (`emergent distill --check-seeds
//! K`, which runs them). The comparison itself is here, pure, so it is tested without
//! running anything; `distill.json` keeps it as `macro_check`.

use std::path::Path;

use emergent_io::run_dir;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{DistillError, DistillFile};

/// `macro_check` in `distill.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MacroCheck {
    /// Agents of every run (the LLM run's N).
    pub agents: usize,
    /// The seeds the distilled policy ran with.
    pub seeds: Vec<u64>,
    /// The LLM run directories compared against (the distilled one first).
    pub llm_runs: Vec<String>,
    /// The LLM runs' seeds, in the order of `llm_runs`.
    pub llm_seeds: Vec<u64>,
    /// What `inside` means for these runs.
    pub band: String,
    pub indicators: Vec<MacroIndicator>,
}

/// One indicator at the last recorded tick: every run's value, and whether the two sets
/// agree within the seed band.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MacroIndicator {
    pub name: String,
    /// Each LLM run's value (null where undefined).
    pub llm: Vec<Option<f64>>,
    /// Each distilled run's value, in the order of `seeds`.
    pub distilled: Vec<Option<f64>>,
    pub llm_mean: Option<f64>,
    pub distilled_mean: Option<f64>,
    /// Sample standard deviation of the distilled runs' values (null with fewer than 2).
    pub distilled_sd: Option<f64>,
    /// The band compared against: [min, max] of the LLM runs (two or more), else of the
    /// distilled runs.
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// With two or more LLM runs: the distilled mean lies in the LLM runs' band; with one:
    /// the LLM run's value lies in the distilled runs' band. Null when undefined.
    pub inside: Option<bool>,
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn band(v: &[f64]) -> Option<(f64, f64)> {
    let lo = v.iter().copied().reduce(f64::min)?;
    let hi = v.iter().copied().reduce(f64::max)?;
    Some((lo, hi))
}

impl MacroIndicator {
    /// Compare the LLM runs' `llm` values of indicator `name` with the distilled runs'.
    pub fn compare(name: &str, llm: Vec<Option<f64>>, distilled: Vec<Option<f64>>) -> Self {
        let finite = |v: &[Option<f64>]| -> Vec<f64> {
            v.iter()
                .flatten()
                .copied()
                .filter(|x| x.is_finite())
                .collect()
        };
        let (l, d) = (finite(&llm), finite(&distilled));
        let (llm_mean, distilled_mean) = (mean(&l), mean(&d));
        let distilled_sd = (d.len() >= 2).then(|| {
            let m = distilled_mean.unwrap_or(0.0);
            (d.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (d.len() - 1) as f64).sqrt()
        });
        let (range, point) = match llm.len() >= 2 {
            true => (band(&l), distilled_mean),
            false => (band(&d), llm_mean),
        };
        let inside = match (range, point) {
            (Some((lo, hi)), Some(x)) => Some((lo..=hi).contains(&x)),
            _ => None,
        };
        MacroIndicator {
            name: name.into(),
            llm,
            distilled,
            llm_mean,
            distilled_mean,
            distilled_sd,
            low: range.map(|r| r.0),
            high: range.map(|r| r.1),
            inside,
        }
    }
}

/// What `inside` means with `llm_runs` LLM runs.
pub fn band_rule(llm_runs: usize) -> String {
    match llm_runs >= 2 {
        true => "the distilled runs' mean is inside [min, max] of the LLM runs".into(),
        false => "the LLM run's value is inside [min, max] of the distilled runs (give more LLM runs of other seeds with --llm-runs for the LLM runs' own band)".into(),
    }
}

/// Add `check` to the `distill.json` at `path` (rewritten atomically).
pub fn add_macro_check(path: &Path, check: MacroCheck) -> Result<(), DistillError> {
    let mut file: DistillFile = run_dir::read_json(path)?;
    file.macro_check = Some(check);
    run_dir::write_json(path, &file)?;
    Ok(())
}

/// SHA-256 (hex) of a file's bytes.
pub fn file_sha256(path: &Path) -> Result<String, DistillError> {
    let bytes = std::fs::read(path)
        .map_err(|e| emergent_io::IoError::new(path, format!("cannot read: {e}")))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Now, in UTC, as RFC 3339 to the second (`2026-12-06T18:30:00Z`).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// (year, month, day) of the day `z` days after 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_428), (2025, 12, 6));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn several_llm_runs_make_the_band_one_llm_run_is_tested_against_the_distilled_band() {
        let m = MacroIndicator::compare(
            "p",
            vec![Some(1.0), Some(2.0), Some(3.0)],
            vec![Some(2.5), Some(3.5)],
        );
        assert_eq!((m.low, m.high), (Some(1.0), Some(3.0)));
        assert_eq!(m.distilled_mean, Some(3.0));
        assert_eq!(m.inside, Some(true));
        let m = MacroIndicator::compare("p", vec![Some(1.0), Some(2.0)], vec![Some(2.5)]);
        assert_eq!(m.inside, Some(false));
        let one = MacroIndicator::compare("p", vec![Some(2.0)], vec![Some(1.0), Some(3.0)]);
        assert_eq!(
            (one.low, one.high, one.inside),
            (Some(1.0), Some(3.0), Some(true))
        );
        let sd = one.distilled_sd.unwrap();
        assert!((sd - 2f64.sqrt()).abs() < 1e-12, "{sd}");
        let none = MacroIndicator::compare("p", vec![None], vec![Some(1.0)]);
        assert_eq!(none.inside, None);
    }
}

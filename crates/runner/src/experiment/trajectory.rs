//! Each indicator's trajectory per arm: the runs' `indicators.csv`, one value per recorded
//! tick, summed up at each tick as the mean over replicates and its 95 % t-interval.

use std::path::Path;

use emergent_attribution::game::interval;
use emergent_io::IoError;
use emergent_io::run_dir::{ArmTrajectory, INDICATORS_CSV};

use crate::error::RunError;

/// A run's `indicators.csv`: the recorded ticks and each named column's values.
pub(crate) struct Recorded {
    pub ticks: Vec<u32>,
    names: Vec<String>,
    columns: Vec<Vec<f64>>,
}

impl Recorded {
    /// Read a run directory's `indicators.csv` (an empty cell is NaN: an undefined value).
    pub(crate) fn read(dir: &Path) -> Result<Recorded, RunError> {
        let path = dir.join(INDICATORS_CSV);
        let bad = |why: String| RunError::Io(IoError::new(&path, why));
        let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .unwrap_or("")
            .split(',')
            .map(str::to_string)
            .collect();
        if header.first().map(String::as_str) != Some("tick") {
            return Err(bad("the first column must be `tick`".into()));
        }
        let names = header[1..].to_vec();
        let mut ticks = Vec::new();
        let mut columns = vec![Vec::new(); names.len()];
        for (row, line) in lines.enumerate() {
            let cells: Vec<&str> = line.split(',').collect();
            let tick = cells[0]
                .trim()
                .parse::<u32>()
                .map_err(|_| bad(format!("line {}: tick `{}`", row + 2, cells[0])))?;
            ticks.push(tick);
            for (k, col) in columns.iter_mut().enumerate() {
                let cell = cells.get(k + 1).map_or("", |c| c.trim());
                col.push(cell.parse::<f64>().unwrap_or(f64::NAN));
            }
        }
        Ok(Recorded {
            ticks,
            names,
            columns,
        })
    }

    /// The values of indicator `name` (None: not recorded).
    pub(crate) fn column(&self, name: &str) -> Option<&[f64]> {
        let k = self.names.iter().position(|n| n == name)?;
        Some(&self.columns[k])
    }
}

/// One arm's trajectory of `name` over its replicates' recordings (every replicate records
/// the same ticks: same scenario, same `[record]`).
pub(crate) fn trajectory(arm: &str, name: &str, runs: &[Recorded]) -> ArmTrajectory {
    banded(arm, runs, &|r, t| at(&runs[r], name, t))
}

/// A treated arm's paired difference with the control over time: at each tick, treated −
/// control of the same replicate, then the mean and 95 % t-interval over replicates.
pub(crate) fn difference(
    arm: &str,
    name: &str,
    treated: &[Recorded],
    control: &[Recorded],
) -> ArmTrajectory {
    banded(arm, treated, &|r, t| {
        at(&treated[r], name, t) - at(&control[r], name, t)
    })
}

/// Indicator `name` at the `t`-th recorded tick of a run (NaN if missing).
fn at(run: &Recorded, name: &str, t: usize) -> f64 {
    run.column(name)
        .and_then(|c| c.get(t).copied())
        .unwrap_or(f64::NAN)
}

/// At each recorded tick of `runs[0]`, `sample(replicate, tick index)` over the replicates
/// summed up as a mean and its 95 % t-interval.
fn banded(arm: &str, runs: &[Recorded], sample: &dyn Fn(usize, usize) -> f64) -> ArmTrajectory {
    let ticks = runs.first().map(|r| r.ticks.clone()).unwrap_or_default();
    let (mut mean, mut low, mut high) = (Vec::new(), Vec::new(), Vec::new());
    for t in 0..ticks.len() {
        let samples: Vec<f64> = (0..runs.len()).map(|r| sample(r, t)).collect();
        let i = interval(&samples);
        mean.push(i.mean);
        low.push(i.low);
        high.push(i.high);
    }
    ArmTrajectory {
        arm: arm.to_string(),
        ticks,
        mean,
        low,
        high,
    }
}

//! For `benches/python_overhead.py`: what an attribution costs a Rust program that holds the
//! same table in memory, timed in the same process as the Python calls it is compared with
//! (same machine load, same allocator state). The program's part is what any caller of the
//! library does: build the [`FeatureTable`] from owned columns (its checks: finite values,
//! unique ids), parse the baseline, attribute, and rank the tier shares when the table has
//! the tier column. The Python call's wall time less this is what the binding adds.

use std::time::Instant;

use emergent_attribution::{
    AgentIds, FeatureTable, Indicator, Method, NoProgress, Options, attribute_with_progress,
    tier_shares,
};
use emergent_io::IdColumn;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::arrow_in::{self, Ids};
use crate::errors::{EmergentError, message, to_py};

/// The tier column read when the table has it (the CLI's and `emergent.attribute`'s default).
const TIER_BY: &str = "followers";

/// Seconds of each of `repeat` runs of the library path above over the table in `features`
/// (copied once into owned vectors first, outside the timing), with the mean or another
/// `--baseline` text and the default tiers: `(wall, cpu)` pairs, cpu being the whole
/// process's CPU time (every thread's, as Python's `time.process_time`), which other
/// processes on a loaded machine do not inflate as they do the wall time.
#[pyfunction]
#[pyo3(signature = (features, indicator, baseline, method, steps, permutations, seed, repeat))]
#[allow(clippy::too_many_arguments)]
pub fn _library_seconds(
    py: Python<'_>,
    features: &Bound<'_, PyCapsule>,
    indicator: String,
    baseline: String,
    method: String,
    steps: usize,
    permutations: usize,
    seed: u64,
    repeat: usize,
) -> PyResult<Vec<(f64, f64)>> {
    let batches = arrow_in::read_stream(features)?;
    let indicator = Indicator::parse(&indicator).map_err(to_py)?;
    let method: Method = method.parse().map_err(EmergentError::new_err)?;
    let opts = Options {
        method,
        steps,
        permutations,
        seed,
        ..Options::default()
    };
    let mut uses = indicator.columns().to_vec();
    uses.push(TIER_BY.to_string());
    py.detach(|| -> PyResult<Vec<(f64, f64)>> {
        let (shared, _) = arrow_in::feature_table(&batches, &Ids::Default, &uses)?;
        let AgentIds::Int(ids) = shared.ids() else {
            return Err(EmergentError::new_err("the benchmark takes integer ids"));
        };
        let ids = ids.to_vec();
        let columns: Vec<(String, Vec<f64>)> = shared
            .column_names()
            .iter()
            .map(|n| (n.clone(), shared.column(n).unwrap_or_default().to_vec()))
            .collect();
        drop(shared);
        let mut seconds = Vec::with_capacity(repeat);
        for _ in 0..repeat {
            let (ids, columns) = (ids.clone(), columns.clone());
            let started = Instant::now();
            let cpu = process_cpu_seconds();
            let table = FeatureTable::new(AgentIds::Int(ids.into()), columns).map_err(to_py)?;
            let base = emergent_runner::study::parse_baseline(&baseline, &IdColumn::Default, None)
                .map_err(to_py)?;
            let a = attribute_with_progress(&table, &indicator, &base, &opts, &NoProgress)
                .map_err(|e| EmergentError::new_err(message(&e)))?;
            let tiers = table
                .column(TIER_BY)
                .map(|f| tier_shares(&a.phi, f, &[0.01, 0.1]));
            seconds.push((started.elapsed().as_secs_f64(), process_cpu_seconds() - cpu));
            drop((tiers, a, table));
        }
        Ok(seconds)
    })
}

/// CPU time of the whole process so far (CLOCK_PROCESS_CPUTIME_ID, what Python's
/// `time.process_time` reads).
fn process_cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

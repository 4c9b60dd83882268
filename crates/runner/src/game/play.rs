//! Simulating a coalition: the run's scenario with every group outside it silenced from tick
//! 0, under one replicate's noise, run in this process to the horizon; its value is every
//! wanted indicator on the final features. No run directory is written.

use std::collections::BTreeMap;

use emergent_attribution::rng::mix64;
use emergent_attribution::{Progress, evaluate};
use emergent_scenario::Scenario;
use emergent_scenario::limits::MAX_SEED;
use emergent_sim::Simulation;
use rayon::prelude::*;

use super::Coalitions;
use crate::error::RunError;
use crate::indicators::{IndicatorSpec, feature_table};

/// What a coalition's rerun needs: the run's game and the indicators to evaluate.
pub(crate) struct Rerun<'a> {
    pub game: &'a Coalitions,
    pub specs: Vec<&'a IndicatorSpec>,
}

/// The noise seed of replicate `r`: the run's own for r = 0 (so that v(N) at replicate 0 is
/// the run itself), else a mix of the run's noise seed and r. The network and population come
/// from `scenario.seed` in every replicate: one world, fresh draws.
pub(crate) fn noise_seed(scenario: &Scenario, replicate: usize) -> Option<u64> {
    let meta = &scenario.scenario;
    match replicate {
        0 => meta.noise_seed,
        r => {
            let base = meta.noise_seed.unwrap_or(meta.seed);
            Some(mix64(base ^ mix64(0x67616d65 ^ r as u64)) & MAX_SEED)
        }
    }
}

impl Rerun<'_> {
    /// Every wanted indicator at the horizon of coalition `mask` in replicate `r`.
    pub(crate) fn value(&self, mask: u64, replicate: usize) -> Result<Vec<f64>, RunError> {
        let s = self.game.scenario_for(mask, replicate);
        let mut sim = Simulation::new(&s, self.game.preloaded())?;
        if let Some(m) = crate::distilled::load(&s)? {
            let policy = emergent_sim::policy::Distilled::new(m, s.feed.size);
            sim.set_policy(Box::new(policy));
        }
        sim.run_to_horizon();
        let table = feature_table(&sim.world, &s.file)?;
        self.specs
            .iter()
            .map(|spec| {
                evaluate(&table, &spec.indicator).map_err(|e| RunError::Indicator {
                    file: s.file.clone(),
                    name: spec.name.clone(),
                    message: format!(
                        "in the coalition {mask:#b} of replicate {replicate} (bit g set = group g speaks): {e}"
                    ),
                })
            })
            .collect()
    }

    /// The values of every (coalition, replicate) in `jobs`, run in parallel; `progress`
    /// counts finished runs.
    pub(crate) fn values(
        &self,
        jobs: &[(u64, usize)],
        progress: &dyn Progress,
    ) -> Result<BTreeMap<(u64, usize), Vec<f64>>, RunError> {
        progress.start(jobs.len() as u64, "coalition runs");
        jobs.par_iter()
            .with_max_len(1)
            .map(|&(mask, r)| {
                let v = self.value(mask, r)?;
                progress.advance(1);
                Ok(((mask, r), v))
            })
            .collect()
    }
}

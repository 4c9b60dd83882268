//! A finished run's group game, coalition by coalition: the run's scenario, its final
//! features and the groups, and for each coalition the scenario the game reruns and the
//! participation its twin reads. `--game` plays every coalition through it; the diagnostics
//! (crates/runner/examples `corner_probe.rs`, `echo_probe.rs`) take one, so their reruns are
//! the game's own (the same silenced agents, the same noise seeds).

use std::path::Path;

use emergent_attribution::FeatureTable;
use emergent_io::{IdColumn, read_dataset, run_dir};
use emergent_scenario::Scenario;
use emergent_sim::network::Network;

use super::{Group, GroupSpec, noise_seed};
use crate::error::RunError;
use crate::source::{ScenarioSource, preload_network};

/// The game of one run over one grouping of its agents.
pub struct Coalitions {
    /// The run's scenario (its overrides applied).
    pub scenario: Scenario,
    /// The run's final features (the groups are made from them).
    pub features: FeatureTable,
    pub groups: Vec<Group>,
    preloaded: Option<Network>,
    /// Each group's agents, in the scenario's ids (before any METIS renaming).
    members: Vec<Vec<u32>>,
}

impl Coalitions {
    /// The run in `dir`, grouped by `spec` (made from its final features). Only a social
    /// world of surrogate policies can be rerun: an `[econ]` run or LLM agents are refused.
    pub fn read(dir: &Path, spec: &GroupSpec) -> Result<Self, RunError> {
        let manifest = run_dir::read_manifest(dir)?;
        let scenario = ScenarioSource::of_run(dir, manifest)?.scenario()?;
        if scenario.econ.is_some() || emergent_llm::uses_llm(&scenario) {
            return Err(RunError::Game {
                dir: dir.to_path_buf(),
                message: "the game reruns the simulator R·2^G times with groups silenced: only \
                          social worlds of surrogate policies can (not [econ] runs, not LLM \
                          agents)"
                    .into(),
            });
        }
        let features = read_dataset(dir, run_dir::FEATURES, &IdColumn::Default)?;
        let groups = spec.groups(&features).map_err(|message| RunError::Game {
            dir: dir.to_path_buf(),
            message,
        })?;
        let preloaded = preload_network(&scenario)?;
        let members = scenario_ids(&scenario, preloaded.as_ref(), &groups)?;
        Ok(Self {
            scenario,
            features,
            groups,
            preloaded,
            members,
        })
    }

    /// The network the run read from a file, if it did (every rerun starts from it).
    pub fn preloaded(&self) -> Option<&Network> {
        self.preloaded.as_ref()
    }

    /// The scenario of coalition `mask` (bit g set = group g speaks) in replicate `r`: every
    /// agent of the other groups silenced from tick 0, replicate r's noise seed (r = 0: the
    /// run's own).
    pub fn scenario_for(&self, mask: u64, replicate: usize) -> Scenario {
        let mut s = self.scenario.clone();
        let mut silenced = std::mem::take(&mut s.population.silenced);
        for (g, m) in self.members.iter().enumerate() {
            if mask >> g & 1 == 0 {
                silenced.extend_from_slice(m);
            }
        }
        silenced.sort_unstable();
        silenced.dedup();
        s.population.silenced = silenced;
        s.scenario.noise_seed = noise_seed(&self.scenario, replicate);
        s
    }

    /// The twin's participation in coalition `mask`, over its `agents`: 1 for the agents of
    /// the groups in it (and of no group), 0 for the others.
    pub fn participation(&self, mask: u64, agents: usize) -> Vec<f64> {
        let mut w = vec![1.0; agents];
        for (g, group) in self.groups.iter().enumerate() {
            if mask >> g & 1 == 0 {
                for &m in &group.members {
                    w[m as usize] = 0.0;
                }
            }
        }
        w
    }
}

/// The groups' members as the scenario numbers agents: the run's features use the ids after a
/// METIS renaming (`[partition] method = "metis"`), `population.silenced` the scenario's.
fn scenario_ids(
    scenario: &Scenario,
    preloaded: Option<&Network>,
    groups: &[Group],
) -> Result<Vec<Vec<u32>>, RunError> {
    let world = emergent_sim::build_world(scenario, preloaded)?;
    Ok(groups
        .iter()
        .map(|g| match &world.population.original_id {
            None => g.members.clone(),
            Some(old) => g.members.iter().map(|&m| old[m as usize]).collect(),
        })
        .collect())
}

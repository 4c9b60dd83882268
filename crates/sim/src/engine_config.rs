//! The sections of a scenario the engine builds from, and nothing else.
//!
//! A scenario also holds the sections of the layers above the engine — `[llm]` (the
//! endpoint and which agents it drives), `[econ]`, `[[indicators]]`, `[record]`,
//! `[checkpoint]`, `[attribution]` — which this crate must not depend on. Borrowing the
//! engine's sections into one value at the seam keeps them out of every signature here, so
//! a change to those sections can never reach the engine.

use std::path::PathBuf;

use emergent_scenario::{
    FeedConfig, InterventionConfig, NetworkConfig, PartitionConfig, PolicyConfig, PopulationConfig,
    Scenario, ScenarioMeta,
};

/// The scenario's `[scenario]`, `[population]`, `[network]`, `[feed]`, `[policy]` and
/// `[partition]` sections, borrowed.
#[derive(Clone, Debug)]
pub struct EngineConfig<'a> {
    /// The scenario file's name, for messages.
    pub file: &'a str,
    /// `[scenario]`: seeds and the number of ticks.
    pub meta: &'a ScenarioMeta,
    pub population: &'a PopulationConfig,
    pub network: &'a NetworkConfig,
    /// `[network] path`, resolved against the scenario file's folder.
    pub edge_list: Option<PathBuf>,
    pub feed: &'a FeedConfig,
    pub policy: &'a PolicyConfig,
    pub partition: &'a PartitionConfig,
    /// `[[interventions]]`.
    pub interventions: &'a [InterventionConfig],
    /// The `[feed]` and `[policy]` in force from each tick a `feed` or `set` intervention
    /// starts or ends (`Scenario::setting_changes`).
    pub settings: Vec<(u32, FeedConfig, PolicyConfig)>,
}

impl<'a> From<&'a Scenario> for EngineConfig<'a> {
    fn from(s: &'a Scenario) -> Self {
        EngineConfig {
            file: &s.file,
            meta: &s.scenario,
            population: &s.population,
            network: &s.network,
            edge_list: s.edge_list_path(),
            feed: &s.feed,
            policy: &s.policy,
            partition: &s.partition,
            interventions: &s.interventions,
            settings: s.setting_changes(),
        }
    }
}

impl<'a> From<&EngineConfig<'a>> for EngineConfig<'a> {
    fn from(c: &EngineConfig<'a>) -> Self {
        c.clone()
    }
}

//! emergent-scenario: the scenario file's schema. Every section's typed config with its
//! defaults, the validation of its values (each section lists its own problems), `--set`
//! overrides, and errors located by `file:line:column`. Plain data: the engine
//! (`emergent-sim`), the LLM agents (`emergent-llm`) and the reports read the sections they
//! need from here, and none of them has to depend on another to read a scenario.
//!
//! ```no_run
//! use emergent_scenario::Scenario;
//! let mut scenario = Scenario::from_path("scenarios/quickstart.toml".as_ref())?;
//! scenario.apply_override("population.agents", "500")?;
//! # Ok::<(), emergent_scenario::ScenarioError>(())
//! ```

pub mod arm;
pub mod econ;
mod error;
pub mod feed;
pub mod indicators;
pub mod interventions;
pub mod limits;
pub mod llm;
pub mod location;
pub mod meta;
pub mod network;
pub mod outputs;
mod overrides;
pub mod partition;
pub mod policy;
pub mod population;
pub mod radicalization;
mod scenario;
pub mod survey;

pub use arm::{ArmScenario, compose_arm};
pub use econ::EconConfig;
pub use error::ScenarioError;
pub use feed::{FeedConfig, Ranking};
pub use indicators::IndicatorConfig;
pub use interventions::{InterventionConfig, InterventionKind, Selector, TopSelector};
pub use llm::{LlmConfig, LlmEndpoint, LlmGroup, OnOutage};
pub use location::{KeySeg, Problem, line_col};
pub use meta::ScenarioMeta;
pub use network::{GeneratorKind, NetworkConfig, defaults};
pub use outputs::{AttributionConfig, CheckpointConfig, RecordConfig};
pub use overrides::split_override;
pub use partition::{PartitionConfig, PartitionMethod};
pub use policy::{
    BoundedConfidenceParams, CascadeModel, CascadeParams, PanicParams, PolicyConfig, PolicyKind,
    ThresholdDistribution,
};
pub use population::{
    ActivityConfig, ActivityDistribution, InitialStance, PopulationConfig, SusceptibilityConfig,
};
pub use radicalization::RadicalizationParams;
pub use scenario::Scenario;
pub use survey::SurveyConfig;

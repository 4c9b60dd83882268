//! The run directory's schema: the names of its files and the types of its JSON files,
//! shared by the runner that writes them and every reader (report, study, command line), so
//! a file reads back into the very type that wrote it. `docs/run-directory.md` describes
//! every file, column and key.

mod attribution;
mod decisions;
mod distilled;
mod dynamic;
mod econ_decisions;
mod experiment;
mod follows;
mod game;
mod identity;
mod interviews;
mod json_file;
mod lock;
mod manifest;
mod market;
mod names;
mod nullable;
mod outputs;
mod tiers;

pub use attribution::{AttributionFile, IndicatorOutcome, TopAgent};
pub use decisions::{
    DECISION_ITEMS, DECISIONS, DecisionItemRows, DecisionRows, ITEM_KINDS, read_decisions,
};
pub use distilled::{DISTILLED_FIDELITY, DISTILLED_POLICY, DistilledPolicyUse, DistilledSource};
pub use dynamic::{
    Anchoring, Comparison, DynamicAttributionFile, DynamicGroup, DynamicOutcome, DynamicStructure,
};
pub use econ_decisions::{ECON_DECISIONS, EconDecisionRows, read_econ_decisions};
pub use experiment::{
    ArmEffect, ArmTrajectory, ArmValue, Carried, CarriedAgent, ExperimentArm, ExperimentFile,
    ExperimentIndicator, TierEffect, experiment_run_dir, experiment_run_done,
};
pub use follows::{FollowGraph, read_follows};
pub use game::{Estimate, GameFile, GameGroup, GameIndicator, GroupValue};
pub use identity::RunIdentity;
pub use interviews::{InterviewRow, merge_interviews, read_interviews, write_interviews};
pub use json_file::{
    read_attribution, read_dynamic_attribution, read_json, read_manifest, write_attribution,
    write_dynamic_attribution, write_dynamic_attribution_grouped, write_json, write_manifest,
};
pub use lock::RunDirLock;
pub use manifest::{
    Counts, Distributed, EconomySummary, InterventionRecord, LlmCacheUse, Manifest, PhaseSeconds,
    PolicySummary, RunKind, Timings,
};
pub use market::{CrashEpisode, MarketStats};
pub use names::*;
pub use outputs::{
    is_non_empty, is_run_output, remove_experiment_outputs, remove_output_temporaries,
    remove_run_outputs,
};

//! Runs a scenario end to end: build the world, step it, record every tick, checkpoint,
//! attribute the declared indicators at the end, and write the run directory.
//!
//! The simulation core (`emergent-sim`) stays pure; everything that touches files lives
//! here, and the command line only parses arguments and draws progress.
//!
//! Run directory layout (names and JSON types: [`emergent_io::run_dir`]; every file, column
//! and key: `docs/run-directory.md`): `ticks.parquet`, `features.parquet`,
//! `actions.parquet`, `indicators.csv`, `attribution.parquet`, `attribution.json`,
//! `scenario.toml`, `manifest.json` (written last: a run is complete when it exists). While
//! running: `.partial/` (recorded segments) and `checkpoint.bin`.
//!
//! Modules: [`runner`] (the public entry points) picks an engine — `social` or `econ`, each
//! an [`engine::Engine`] — and `engine::drive` runs it; `checkpoint`, `recorder`,
//! `indicators`, `manifest` and `dynamic` are what the engines use.

pub mod cache;
mod cascades;
mod checkpoint;
mod decision_log;
pub mod distill_check;
mod distilled;
mod distilled_record;
mod dynamic;
mod dynamic_groups;
mod econ;
mod engine;
mod error;
mod experiment;
mod follows;
mod fs;
mod game;
mod indicators;
mod interventions;
mod interview;
mod manifest;
pub mod market_stats;
mod options;
mod rank_files;
mod recorder;
mod run_dir;
mod runner;
mod social;
mod source;
pub mod study;

pub use dynamic::{DynamicOptions, attribute_dynamic_run};
pub use emergent_io::run_dir::{Comparison, DynamicOutcome, IndicatorOutcome, TopAgent};
pub use error::{HaltCause, RunError};
pub use experiment::{
    ArmSpec, CONTROL, ExperimentOptions, ExperimentSummary, phi_file, run_experiment,
};
pub use game::{
    Coalitions, EXACT_GROUPS, GameOptions, GroupSpec, SPEC_FORMS, game_markdown, play_game,
};
pub use indicators::{IndicatorSpec, feature_table};
pub use interview::{InterviewOptions, InterviewSummary, Selector, interview_run};
pub use options::{NoRunProgress, RunOptions, RunProgress, RunSummary, StopFlag};
pub use runner::{resume, resume_on, resume_with, start, start_on};

// A rank's rows of a partitioned run must be a valid attribution shard.
const _: () = assert!(
    emergent_sim::partition::PARTITION_ALIGN.is_multiple_of(emergent_attribution::SHARD_ALIGN)
);

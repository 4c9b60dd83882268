//! Runs a scenario end to end: build the world, step it, record every tick, checkpoint,
//! attribute the declared indicators at the end, and write the run directory.
//!
//! The simulation core (`emergent-sim`) stays pure; everything that touches files lives
//! here, and the command line only parses arguments and draws progress.
//!
//! Run directory layout: `ticks.parquet`, `features.parquet`, `actions.parquet`,
//! `indicators.csv`, `attribution.parquet`, `attribution.json`, `scenario.toml`,
//! `manifest.json` (written last: a run is complete when it exists). While running:
//! `.partial/` (recorded segments) and `checkpoint.bin`.

mod checkpoint;
mod dynamic;
mod econ;
mod error;
mod indicators;
mod manifest;
mod recorder;
mod run_dir;
mod runner;

// A rank's rows of a partitioned run must be a valid attribution shard.
const _: () = assert!(
    emergent_sim::partition::PARTITION_ALIGN.is_multiple_of(emergent_attribution::SHARD_ALIGN)
);

pub use dynamic::{Comparison, DynamicOptions, DynamicOutcome, attribute_dynamic_run};
pub use error::RunError;
pub use indicators::{IndicatorOutcome, IndicatorSpec, TopAgent, feature_table};
pub use runner::{
    NoRunProgress, RunOptions, RunProgress, RunSummary, resume, resume_on, resume_with, start,
    start_on,
};

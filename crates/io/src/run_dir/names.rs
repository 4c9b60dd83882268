//! The names of the files and folders of a run directory, in one place, so the runner that
//! writes them and the readers (report, study, command line) cannot drift apart.
//! `docs/run-directory.md` describes each file's columns and keys.

/// What ran, on what, and what it cost; written last: a run is complete when it exists.
pub const MANIFEST: &str = "manifest.json";
/// The scenario text as run (before `--set` overrides; the manifest lists those).
pub const SCENARIO: &str = "scenario.toml";
/// Recorded segments of a run in progress (removed when the run completes).
pub const PARTIAL: &str = ".partial";
/// Which run the directory's run in progress is (in [`PARTIAL`]; see [`super::RunIdentity`]).
pub const RUN_IDENTITY: &str = "run.json";
/// The checkpoint of a social run in one process.
pub const CHECKPOINT: &str = "checkpoint.bin";
/// The checkpoint of an `[econ]` run.
pub const ECON_CHECKPOINT: &str = "checkpoint-econ.bin";
/// The commit record of a partitioned run's per-rank checkpoints.
pub const RANK_CHECKPOINT_POINTER: &str = "checkpoint.json";
/// The indicators at every recorded tick.
pub const INDICATORS_CSV: &str = "indicators.csv";
/// The return statistics of a market run (panic policy): kurtosis, volatility clustering,
/// crashes and recoveries (see [`super::MarketStats`]).
pub const MARKET_JSON: &str = "market.json";
/// The attribution summary of every indicator.
pub const ATTRIBUTION_JSON: &str = "attribution.json";
/// The dynamic attribution summary (runs with `[attribution] dynamic = true`, or after
/// `emergent attribute --dynamic RUN_DIR`).
pub const DYNAMIC_ATTRIBUTION_JSON: &str = "dynamic_attribution.json";
/// Ground-truth Shapley values of groups of agents by rerunning the simulator (`emergent
/// attribute --game RUN_DIR`), and the same as a Markdown table.
pub const GAME_JSON: &str = "game.json";
pub const GAME_MD: &str = "game.md";
/// An experiment directory (`emergent experiment`, `docs/experiments.md`): the summary, as
/// JSON, Markdown and self-contained HTML (figures in [`PLOTS_DIR`]), the φ tables of the
/// treated arms (`phi/<arm>.csv`) and the arms' run directories (`arms/<arm>/r<k>/`).
pub const EXPERIMENT_JSON: &str = "experiment.json";
pub const EXPERIMENT_MD: &str = "experiment.md";
pub const EXPERIMENT_HTML: &str = "experiment.html";
pub const EXPERIMENT_PHI_DIR: &str = "phi";
pub const EXPERIMENT_ARMS: &str = "arms";
/// Every entry `emergent experiment --force` removes from an experiment directory.
pub const EXPERIMENT_OUTPUTS: [&str; 6] = [
    EXPERIMENT_JSON,
    EXPERIMENT_MD,
    EXPERIMENT_HTML,
    EXPERIMENT_PHI_DIR,
    EXPERIMENT_ARMS,
    PLOTS_DIR,
];
/// The study of a run (`emergent study RUN_DIR`), under the run directory.
pub const STUDY_DIR: &str = "study";
/// The study's numbers, in [`STUDY_DIR`].
pub const STUDY_JSON: &str = "study.json";

/// The report of a run (`emergent report RUN_DIR`): Markdown, self-contained HTML, and the
/// plots both show.
pub const REPORT_MD: &str = "report.md";
pub const REPORT_HTML: &str = "report.html";
pub const PLOTS_DIR: &str = "plots";
/// The shard index of a partitioned run's tables.
pub const SHARD_INDEX: &str = crate::dataset::SHARD_INDEX;
/// The LLM replay cache of a run: content-addressed (a prompt's answer, keyed by the prompt
/// and the model settings), so it is not a result and `--force` keeps it.
pub const LLM_CACHE: &str = "llm-cache.sqlite";

/// The answers of `emergent interview RUN_DIR` (kept across interviews; see
/// [`super::InterviewRow`]).
pub const INTERVIEWS: &str = "interviews.parquet";

/// The prefix of the columns of `ticks.parquet` that hold a `[[survey]]`'s answers: agents'
/// self-reports, NaN where not asked, so not features (readers of features skip them).
pub const SURVEY_PREFIX: &str = "survey_";

/// Parquet tables of a run directory (`<table>.parquet`, or one shard per rank of a
/// partitioned run, listed in `shards.json`).
pub const TICKS: &str = "ticks";
pub const ACTIONS: &str = "actions";
pub const FEATURES: &str = "features";
pub const ATTRIBUTION: &str = "attribution";
/// The scenario's id of each agent a METIS partition renamed.
pub const AGENTS: &str = "agents";
pub const DYNAMIC_ATTRIBUTION: &str = "dynamic_attribution";
/// The follow graph when the run starts and when it ends (social runs): `src` follows `dst`,
/// agent ids, the schema of the Bluesky import's `follows.parquet`. A partitioned run writes
/// one file per rank (`follows-rRRRRR.parquet`: the edges of the rank's own followers), not
/// listed in `shards.json`, whose row ranges are agents.
pub const FOLLOWS: &str = "follows";
pub const FOLLOWS_FINAL: &str = "follows-final";
/// One row per cascade of a cascade-policy run (gathered on rank 0 in a partitioned run).
pub const CASCADES: &str = "cascades";
/// Every table above.
pub const TABLES: [&str; 12] = [
    TICKS,
    ACTIONS,
    FEATURES,
    ATTRIBUTION,
    AGENTS,
    DYNAMIC_ATTRIBUTION,
    FOLLOWS,
    FOLLOWS_FINAL,
    CASCADES,
    super::decisions::DECISIONS,
    super::decisions::DECISION_ITEMS,
    super::econ_decisions::ECON_DECISIONS,
];

/// `<table>.parquet`.
pub fn parquet_name(table: &str) -> String {
    format!("{table}.parquet")
}

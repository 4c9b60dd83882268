//! Reading an import directory (made by `emergent import oasis` or `emergent import bluesky`)
//! for the report: `import.json` as plain JSON (the importing crates sit beside this one, not
//! below it), `features.parquet`, `follows.parquet`, and `ticks.parquet` and `study/` when
//! present. Every problem names the file at fault.

use std::path::{Path, PathBuf};

use emergent_attribution::FeatureTable;
use emergent_io::run_dir::{FEATURES, FOLLOWS, STUDY_DIR, STUDY_JSON, TICKS, parquet_name};
use emergent_io::{IdColumn, TickMeans, read_edges_parquet, read_table, tick_means};

use crate::error::ReportError;
use crate::run_dir::read_json;
use crate::study_data::StudyData;

/// The summary both importers write last: its presence means the tables beside it are whole.
pub const IMPORT_JSON: &str = "import.json";

/// Features drawn over time when the import has ticks, in this order of preference; the
/// first [`MAX_TICK_FEATURES`] the table holds are drawn.
const TICK_FEATURES: [&str; 8] = [
    "posts",
    "replies",
    "reposts",
    "likes_received",
    "replies_received",
    "followers",
    "exposures",
    "actions",
];
const MAX_TICK_FEATURES: usize = 6;

/// Which importer wrote the directory, told from `import.json`'s fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportSource {
    /// `emergent import oasis`: names its `database` and `clock`.
    Oasis,
    /// `emergent import bluesky`: counts `users_active` over Jetstream `files`.
    Bluesky,
    /// An `import.json` of neither shape (a later importer): shown as it is.
    Other,
}

/// Everything the import report shows, read up front.
#[derive(Debug)]
pub struct ImportInputs {
    pub dir: PathBuf,
    pub source: ImportSource,
    pub summary: serde_json::Value,
    pub features: FeatureTable,
    /// `follows.parquet` (src follows dst, row indices), when the import wrote it.
    pub follows: Option<Vec<(u32, u32)>>,
    /// Means per tick of a few features, when the import wrote `ticks.parquet`.
    pub ticks: Option<TickMeans>,
    pub study: Option<StudyData>,
}

/// Whether `dir` looks like an import directory rather than a run directory.
pub fn is_import_dir(dir: &Path) -> bool {
    dir.join(IMPORT_JSON).is_file() && !dir.join(emergent_io::run_dir::MANIFEST).is_file()
}

impl ImportInputs {
    pub fn read(dir: &Path) -> Result<ImportInputs, ReportError> {
        let summary_path = dir.join(IMPORT_JSON);
        let summary: serde_json::Value = read_json(&summary_path)?;
        if !summary.is_object() {
            return Err(ReportError::input(&summary_path, "is not a JSON object"));
        }
        let source = match (
            &summary["database"],
            &summary["clock"],
            &summary["users_active"],
        ) {
            (serde_json::Value::String(_), serde_json::Value::String(_), _) => ImportSource::Oasis,
            (_, _, serde_json::Value::Number(_)) => ImportSource::Bluesky,
            _ => ImportSource::Other,
        };
        let features_path = dir.join(parquet_name(FEATURES));
        if !features_path.is_file() {
            return Err(ReportError::input(
                &features_path,
                "not found: the import directory is incomplete (import.json lists the files an import writes)",
            ));
        }
        let features = read_table(&features_path, &IdColumn::Default).map_err(input)?;
        let follows_path = dir.join(parquet_name(FOLLOWS));
        let follows = match follows_path.is_file() {
            true => Some(read_edges_parquet(&follows_path).map_err(input)?),
            false => None,
        };
        let ticks = match dir.join(parquet_name(TICKS)).is_file() {
            true => Some(tick_means(dir, TICKS, &tick_features(&features)).map_err(input)?),
            false => None,
        };
        let study_path = dir.join(STUDY_DIR).join(STUDY_JSON);
        let study = match study_path.is_file() {
            true => Some(read_json::<StudyData>(&study_path)?),
            false => None,
        };
        Ok(ImportInputs {
            dir: dir.to_path_buf(),
            source,
            summary,
            features,
            follows,
            ticks,
            study,
        })
    }
}

/// The features drawn per tick: the preferred ones the table holds, else its first columns.
fn tick_features(features: &FeatureTable) -> Vec<String> {
    let names = features.column_names();
    let preferred: Vec<String> = TICK_FEATURES
        .iter()
        .filter(|f| names.iter().any(|n| n == *f))
        .take(MAX_TICK_FEATURES)
        .map(|f| f.to_string())
        .collect();
    match preferred.is_empty() {
        false => preferred,
        true => names.iter().take(MAX_TICK_FEATURES).cloned().collect(),
    }
}

fn input(e: emergent_io::IoError) -> ReportError {
    ReportError::input(e.path, e.message)
}

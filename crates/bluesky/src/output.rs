//! The files of an import. Each is written atomically (temporary file, then rename) through
//! `emergent-io`; `import.json` goes last, so its presence means the tables beside it are whole.
//!
//! * `features.parquet` — `agent_id` (the DID, text) then the [`FEATURE_COLUMNS`] as Int64, one
//!   row per active DID, in order of first appearance in the capture.
//! * `follows.parquet` — columns `src`, `dst` (UInt32): row indices into `features.parquet`,
//!   `src` follows `dst`; sorted, distinct, no self-loops. This is the edge list a simulation
//!   reads with `network.generator = "edgelist"` (node `i` = row `i` of the features).
//! * `topic_NAME.parquet` — `agent_id` then the [`TOPIC_COLUMNS`], same rows as the features.
//! * `import.json` — the [`crate::ImportReport`].

use std::path::{Path, PathBuf};

use emergent_io::{ParquetColumn, atomic_write_bytes, write_parquet_columns};

use crate::error::BlueskyError;
use crate::features::{FEATURE_COLUMNS, TOPIC_COLUMNS};
use crate::out_dir;
use crate::report::Imported;

pub const FEATURES_FILE: &str = "features.parquet";
pub const FOLLOWS_FILE: &str = "follows.parquet";
pub const REPORT_FILE: &str = "import.json";

/// `topic_NAME.parquet`.
pub fn topic_file_name(name: &str) -> String {
    format!("topic_{name}.parquet")
}

/// The files an import writes into its folder, `import.json` last.
pub fn output_file_names(imp: &Imported) -> Vec<String> {
    let mut names = vec![FEATURES_FILE.to_string(), FOLLOWS_FILE.to_string()];
    names.extend(imp.report.topics.iter().map(|t| t.file.clone()));
    names.push(REPORT_FILE.to_string());
    names
}

/// Write the import into `out_dir` (already checked by [`crate::out_dir::check`]), never over
/// one of `inputs`; an earlier import's topic tables that this one does not write are removed.
pub(crate) fn write_outputs(
    imp: &Imported,
    out_dir: &Path,
    inputs: &[PathBuf],
) -> Result<(), BlueskyError> {
    let names = output_file_names(imp);
    out_dir::refuse_input_as_output(out_dir, &names, inputs)?;
    let previous = out_dir::prepare(out_dir)?;
    write_tables(imp, out_dir)?;
    previous.remove_stale(out_dir, &names)?;
    let json = serde_json::to_vec_pretty(&imp.report)
        .map_err(|e| BlueskyError::Invalid(format!("cannot encode the report: {e}")))?;
    atomic_write_bytes(&out_dir.join(REPORT_FILE), &json)?;
    Ok(())
}

fn write_tables(imp: &Imported, out_dir: &Path) -> Result<(), BlueskyError> {
    let mut cols = vec![ParquetColumn::Str("agent_id".into(), imp.dids.clone())];
    for (k, name) in FEATURE_COLUMNS.iter().enumerate() {
        cols.push(ParquetColumn::I64(
            name.to_string(),
            imp.features.iter().map(|f| f.values()[k]).collect(),
        ));
    }
    write_parquet_columns(&out_dir.join(FEATURES_FILE), cols)?;

    let (src, dst): (Vec<u32>, Vec<u32>) = imp.edges.iter().copied().unzip();
    write_parquet_columns(
        &out_dir.join(FOLLOWS_FILE),
        vec![
            ParquetColumn::U32("src".into(), src),
            ParquetColumn::U32("dst".into(), dst),
        ],
    )?;

    for (t, rows) in imp.report.topics.iter().zip(&imp.topic_features) {
        let mut cols = vec![ParquetColumn::Str("agent_id".into(), imp.dids.clone())];
        for (k, name) in TOPIC_COLUMNS.iter().enumerate() {
            cols.push(ParquetColumn::I64(
                name.to_string(),
                rows.iter().map(|f| f.values()[k]).collect(),
            ));
        }
        write_parquet_columns(&out_dir.join(topic_file_name(&t.name)), cols)?;
    }
    Ok(())
}

//! The files of an import. Each is written atomically (temporary file, then rename) through
//! `emergent-io`; `import.json` goes last, so its presence means the tables beside it are whole.
//!
//! * `features.parquet` — `agent_id` (Int64: OASIS's `user_id`) then every column of
//!   [`crate::all_columns`] as Float64 (the run directory's feature type), one row per
//!   `user` row in `user_id` order.
//! * `follows.parquet` — `src`, `dst` (UInt32): row indices into `features.parquet`, `src`
//!   follows `dst`; sorted, distinct, no self-loops (the Bluesky import's schema, and what
//!   `network.generator = "edgelist"` reads). OASIS numbers users 0, 1, … so a row index is
//!   the user's `user_id` and `agent_id`.
//! * `ticks.parquet` — only when the trace counts timesteps: `tick` (UInt32), `agent_id`
//!   (Int64), then the features (Float64) after each timestep, one row group per tick: the
//!   run directory's `ticks.parquet` schema, so `emergent attribute --features DIR
//!   --baseline initial` reads the first tick.
//! * `import.json` — the [`crate::Summary`].

use std::path::Path;

use emergent_io::{ParquetColumn, ParquetStream, atomic_write_bytes, write_parquet_columns};

use crate::error::OasisError;
use crate::features::{COLUMNS, Tally, all_columns};
use crate::import::Imported;
use crate::ticks;

pub const FEATURES_FILE: &str = "features.parquet";
pub const FOLLOWS_FILE: &str = "follows.parquet";
pub const TICKS_FILE: &str = "ticks.parquet";
pub const SUMMARY_FILE: &str = "import.json";

/// Write the tables of `imp` into `out_dir` (checked and prepared by [`crate::out_dir`]),
/// then `import.json`.
pub(crate) fn write_outputs(imp: &Imported, out_dir: &Path) -> Result<(), OasisError> {
    let names: Vec<String> = all_columns().iter().map(|c| c.to_string()).collect();
    let mut cols = vec![ParquetColumn::I64("agent_id".into(), imp.agent_ids.clone())];
    cols.extend((0..COLUMNS).map(|k| ParquetColumn::F64(names[k].clone(), imp.features.column(k))));
    write_parquet_columns(&out_dir.join(FEATURES_FILE), cols)?;

    let (src, dst): (Vec<u32>, Vec<u32>) = imp.records.edges.iter().copied().unzip();
    write_parquet_columns(
        &out_dir.join(FOLLOWS_FILE),
        vec![
            ParquetColumn::U32("src".into(), src),
            ParquetColumn::U32("dst".into(), dst),
        ],
    )?;

    if let Some(steps) = &imp.steps {
        write_ticks(imp, steps, &names, &out_dir.join(TICKS_FILE))?;
    }
    let json = serde_json::to_vec_pretty(&imp.summary).map_err(|e| OasisError::Read {
        path: imp.summary.database.clone(),
        table: "(summary)".into(),
        detail: format!("cannot encode the summary: {e}"),
    })?;
    atomic_write_bytes(&out_dir.join(SUMMARY_FILE), &json)?;
    Ok(())
}

fn write_ticks(
    imp: &Imported,
    steps: &[u32],
    names: &[String],
    path: &Path,
) -> Result<(), OasisError> {
    let users = imp.agent_ids.len();
    let mut stream = ParquetStream::create(path)?;
    let row_group = |tick: u32, tally: &Tally| {
        let mut cols = vec![
            ParquetColumn::U32("tick".into(), vec![tick; users]),
            ParquetColumn::I64("agent_id".into(), imp.agent_ids.clone()),
        ];
        cols.extend((0..COLUMNS).map(|k| ParquetColumn::F64(names[k].clone(), tally.column(k))));
        cols
    };
    ticks::for_each_tick(users, &imp.records.events, steps, |t, tally| {
        stream.write(row_group(t, tally))
    })?;
    stream.finish(|| row_group(0, &Tally::new(0)))?;
    Ok(())
}

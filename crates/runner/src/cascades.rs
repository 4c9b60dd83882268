//! `cascades.parquet`: one row per cascade of a cascade-policy run (see
//! `docs/run-directory.md`), from the run's [`CascadeLog`].

use std::path::Path;

use emergent_io::run_dir::{CASCADES, parquet_name};
use emergent_io::{ParquetColumn, write_parquet_columns};
use emergent_sim::cascades::CascadeLog;

use crate::error::RunError;

/// Write `log` as `cascades.parquet` in `dir`: `root` (the post's item id), `origin` (its
/// author), `start_tick`, `size` (agents reached, the origin included), `last_tick` (its
/// latest share), in root order.
pub(crate) fn write(dir: &Path, log: &CascadeLog) -> Result<(), RunError> {
    let rows: Vec<_> = log.iter().collect();
    let column = |name: &str, f: &dyn Fn(&(u32, &emergent_sim::cascades::CascadeRecord)) -> u32| {
        ParquetColumn::U32(name.into(), rows.iter().map(f).collect())
    };
    let size = rows.iter().map(|(_, r)| r.size as i64).collect();
    write_parquet_columns(
        &dir.join(parquet_name(CASCADES)),
        vec![
            column("root", &|(root, _)| *root),
            column("origin", &|(_, r)| r.origin),
            column("start_tick", &|(_, r)| r.start),
            ParquetColumn::I64("size".into(), size),
            column("last_tick", &|(_, r)| r.last),
        ],
    )?;
    Ok(())
}

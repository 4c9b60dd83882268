//! The import: check the schema, read the database, tally the features, write the files.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::OasisError;
use crate::features::Tally;
use crate::output::{FEATURES_FILE, FOLLOWS_FILE, SUMMARY_FILE, TICKS_FILE, write_outputs};
use crate::read::{Records, read};
use crate::schema::{OPTIONAL_TABLES, check};
use crate::summary::{Summary, TickSpan};
use crate::{out_dir, ticks};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Replace an earlier import in a non-empty output folder.
    pub force: bool,
}

/// An import in memory, before (or instead of) writing it.
#[derive(Debug, Clone)]
pub struct Imported {
    pub summary: Summary,
    /// OASIS `user_id` of each row.
    pub agent_ids: Vec<i64>,
    /// Final features, one row per user.
    pub(crate) features: Tally,
    pub(crate) records: Records,
    /// The ticks of `ticks.parquet`, when the trace counts timesteps.
    pub(crate) steps: Option<Vec<u32>>,
}

impl Imported {
    /// Feature `name` of every row (see [`crate::all_columns`]), or None for an unknown name.
    pub fn feature(&self, name: &str) -> Option<Vec<f64>> {
        let k = crate::all_columns().iter().position(|c| *c == name)?;
        Some(self.features.column(k))
    }

    /// Follow edges as row indices (`src` follows `dst`), sorted, distinct, no self-loops.
    pub fn edges(&self) -> &[(u32, u32)] {
        &self.records.edges
    }

    /// The ticks `ticks.parquet` holds, if any.
    pub fn ticks(&self) -> Option<&[u32]> {
        self.steps.as_deref()
    }
}

/// Read the OASIS database `db` into memory (nothing is written).
pub fn read_oasis(db: &Path) -> Result<Imported, OasisError> {
    let conn = open(db)?;
    let present = check(&conn, db)?;
    let records = read(&conn, db, &present)?;
    let mut features = Tally::new(records.user_ids.len());
    for e in &records.events {
        features.apply(e);
    }
    let (steps, no_ticks_because) = match ticks::timesteps(records.clock, &records.events) {
        Ok(s) if s.is_empty() => (None, Some("no record has a timestep".to_string())),
        Ok(s) => (Some(s), None),
        Err(why) => (None, Some(why)),
    };
    let mut files = vec![FEATURES_FILE.to_string(), FOLLOWS_FILE.to_string()];
    if steps.is_some() {
        files.push(TICKS_FILE.to_string());
    }
    files.push(SUMMARY_FILE.to_string());
    let summary = Summary {
        database: db.to_path_buf(),
        absent_tables: OPTIONAL_TABLES
            .iter()
            .filter(|(t, _)| !present.has(t))
            .map(|(t, _)| t.to_string())
            .collect(),
        clock: records.clock,
        counts: records.counts.clone(),
        agents: records.user_ids.len() as u64,
        ticks: steps.as_ref().map(|s| TickSpan {
            first: s[0],
            last: s[s.len() - 1],
            ticks: s.len() as u64,
        }),
        no_ticks_because,
        files,
    };
    Ok(Imported {
        summary,
        agent_ids: records.user_ids.clone(),
        features,
        records,
        steps,
    })
}

/// Import the OASIS database `db` into the folder `out`: `features.parquet`,
/// `follows.parquet`, `ticks.parquet` (timestep clocks) and `import.json` (see
/// [`crate::output`]). The database is read and checked in full before anything is written;
/// each file is replaced atomically.
pub fn import_oasis(db: &Path, out: &Path, opts: &ImportOptions) -> Result<Summary, OasisError> {
    out_dir::check(out, db, opts.force)?;
    let imported = read_oasis(db)?;
    out_dir::prepare(out, imported.steps.is_some())?;
    write_outputs(&imported, out)?;
    Ok(imported.summary)
}

/// Open `db` read-only; a missing file or a folder is refused here, a file that is not SQLite
/// when its first table is read.
fn open(db: &Path) -> Result<Connection, OasisError> {
    let open_err = |detail: String| OasisError::Open {
        path: db.to_path_buf(),
        detail,
    };
    let meta = std::fs::metadata(db).map_err(|e| open_err(e.to_string()))?;
    if meta.is_dir() {
        return Err(open_err(
            "is a folder; give the OASIS database file (.db)".into(),
        ));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(db, flags).map_err(|e| OasisError::NotSqlite {
        path: db.to_path_buf(),
        detail: e.to_string(),
    })
}

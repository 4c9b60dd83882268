//! What a cache file is, before anything writes to it, and the schema emergent writes.
//!
//! A path given by a scenario or `--cache` may name anything: a text file, someone's other
//! SQLite database. Those are refused with the file's name and are never modified (they are
//! inspected through a read-only connection first). An empty file or an empty database
//! becomes a cache; a cache of the old run-directory layout (`llm-cache.sqlite`: the
//! `replies` table without `model` and `created`) is upgraded in place.

use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

/// `PRAGMA application_id` of an emergent replay cache: "emgc".
pub const APPLICATION_ID: i32 = 0x656d_6763;
/// `PRAGMA user_version` of the schema below.
pub const SCHEMA_VERSION: i32 = 1;

/// Columns of `replies` in the old run-directory cache.
const LEGACY_COLUMNS: [&str; 8] = [
    "key",
    "agent",
    "tick",
    "seed",
    "request",
    "response",
    "prompt_tokens",
    "completion_tokens",
];

const CREATE: &str = "
CREATE TABLE IF NOT EXISTS replies (
    key TEXT PRIMARY KEY,
    agent INTEGER NOT NULL,
    tick INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    request TEXT NOT NULL,
    response TEXT,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    created INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS replies_model ON replies (model);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    started INTEGER NOT NULL,
    model TEXT NOT NULL,
    hits INTEGER NOT NULL,
    misses INTEGER NOT NULL
);";

/// What a file holds.
#[derive(Debug, PartialEq)]
pub enum Kind {
    /// Absent, zero bytes, or a SQLite database without tables: made a cache on open.
    Empty,
    /// An emergent replay cache of this schema.
    Current,
    /// The run-directory cache of earlier versions.
    Legacy,
}

/// What `path` holds, or why it is not a replay cache (a sentence, without the path).
/// Reads only.
pub fn inspect(path: &Path) -> Result<Kind, String> {
    let meta = match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Kind::Empty),
        Err(e) => return Err(e.to_string()),
        Ok(m) => m,
    };
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    if meta.len() == 0 {
        return Ok(Kind::Empty);
    }
    let mut magic = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut magic))
        .map_err(|e| e.to_string())?;
    if n < 16 || &magic != b"SQLite format 3\0" {
        return Err("is not a SQLite database (so not an emergent replay cache)".into());
    }
    let ro = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| e.to_string())?;
    let not_ours = |e: rusqlite::Error| format!("is not a readable SQLite database ({e})");
    let app: i32 = ro
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(not_ours)?;
    if app == APPLICATION_ID {
        let version: i32 = ro
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(not_ours)?;
        return if version <= SCHEMA_VERSION {
            Ok(Kind::Current)
        } else {
            Err(format!(
                "is a replay cache of a newer emergent (schema {version}; this one reads {SCHEMA_VERSION})"
            ))
        };
    }
    let tables: Vec<String> = ro
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(not_ours)?;
    if tables.is_empty() && app == 0 {
        return Ok(Kind::Empty);
    }
    if app == 0 && tables == ["replies"] && columns(&ro, "replies") == LEGACY_COLUMNS {
        return Ok(Kind::Legacy);
    }
    Err(format!(
        "is a SQLite database but not an emergent replay cache (application_id {app:#x}, tables: {}); give llm.cache or --cache another file",
        if tables.is_empty() {
            "none".to_string()
        } else {
            tables.join(", ")
        }
    ))
}

/// Column names of `table`, in order.
pub fn columns(conn: &Connection, table: &str) -> Vec<String> {
    conn.prepare(&format!("PRAGMA table_info({table})"))
        .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(1))?.collect())
        .unwrap_or_default()
}

/// Create the schema (an empty file) or upgrade the legacy one, in one transaction so a
/// concurrent process sees all of it or none of it.
pub fn prepare(conn: &mut Connection, kind: &Kind) -> rusqlite::Result<()> {
    if *kind == Kind::Current {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let cols = columns(&tx, "replies");
    if !cols.is_empty() && !cols.iter().any(|c| c == "model") {
        tx.execute_batch(
            "ALTER TABLE replies ADD COLUMN model TEXT NOT NULL DEFAULT '';
             ALTER TABLE replies ADD COLUMN created INTEGER NOT NULL DEFAULT 0;
             UPDATE replies SET model = coalesce(json_extract(request, '$.model'), '');",
        )?;
    }
    tx.execute_batch(CREATE)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()
}

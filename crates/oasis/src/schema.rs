//! Which tables and columns of OASIS's schema (`oasis/social_platform/schema/*.sql`) the
//! importer reads, and the check that a database has them, done before anything is read.

use std::path::Path;

use rusqlite::Connection;

use crate::error::OasisError;

/// Tables every OASIS database has (created by `create_db` since the first release), with the
/// columns read from each.
pub const REQUIRED_TABLES: [(&str, &[&str]); 7] = [
    ("user", &["user_id"]),
    (
        "post",
        &[
            "post_id",
            "user_id",
            "original_post_id",
            "quote_content",
            "created_at",
        ],
    ),
    (
        "comment",
        &["comment_id", "post_id", "user_id", "created_at"],
    ),
    ("like", &["user_id", "post_id", "created_at"]),
    ("dislike", &["user_id", "post_id", "created_at"]),
    ("follow", &["follower_id", "followee_id", "created_at"]),
    ("trace", &["user_id", "created_at", "action", "info"]),
];

/// Tables read when present (`report` arrived in OASIS v0.2.2); when absent their features are
/// zero and the summary lists them. When present they must have these columns.
pub const OPTIONAL_TABLES: [(&str, &[&str]); 4] = [
    ("comment_like", &["user_id", "comment_id", "created_at"]),
    ("comment_dislike", &["user_id", "comment_id", "created_at"]),
    ("mute", &["muter_id", "mutee_id", "created_at"]),
    ("report", &["user_id", "post_id", "created_at"]),
];

/// Why a column may be missing, where OASIS's own history explains it.
fn hint(table: &str, column: &str) -> &'static str {
    match (table, column) {
        ("post", "original_post_id" | "quote_content") => {
            " — OASIS added reposts and quotes as post columns in January 2025 (commit 87fa14f, \
             before v0.1.1); databases of earlier versions are not read"
        }
        _ => "",
    }
}

/// The optional tables the database has.
#[derive(Debug, Clone, Default)]
pub(crate) struct Present {
    pub optional: Vec<&'static str>,
}

impl Present {
    pub(crate) fn has(&self, table: &str) -> bool {
        self.optional.contains(&table)
    }
}

/// Check that `conn` (the database at `path`) has OASIS's tables and columns.
pub(crate) fn check(conn: &Connection, path: &Path) -> Result<Present, OasisError> {
    let tables = table_names(conn, path)?;
    let expected = REQUIRED_TABLES
        .iter()
        .map(|(t, _)| format!("`{t}`"))
        .collect::<Vec<_>>()
        .join(", ");
    for (table, columns) in REQUIRED_TABLES {
        if !tables.iter().any(|t| t == table) {
            return Err(OasisError::MissingTable {
                path: path.to_path_buf(),
                table: table.to_string(),
                expected,
            });
        }
        check_columns(conn, path, table, columns)?;
    }
    let mut present = Present::default();
    for (table, columns) in OPTIONAL_TABLES {
        if tables.iter().any(|t| t == table) {
            check_columns(conn, path, table, columns)?;
            present.optional.push(table);
        }
    }
    Ok(present)
}

fn table_names(conn: &Connection, path: &Path) -> Result<Vec<String>, OasisError> {
    let not_sqlite = |e: rusqlite::Error| OasisError::NotSqlite {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .map_err(not_sqlite)?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(not_sqlite)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(not_sqlite)?;
    Ok(names)
}

fn check_columns(
    conn: &Connection,
    path: &Path,
    table: &str,
    columns: &[&str],
) -> Result<(), OasisError> {
    let read_err = |e: rusqlite::Error| OasisError::Read {
        path: path.to_path_buf(),
        table: table.to_string(),
        detail: e.to_string(),
    };
    let mut stmt = conn
        .prepare(&format!("PRAGMA table_info(\"{table}\")"))
        .map_err(read_err)?;
    let present = stmt
        .query_map([], |r| r.get::<_, String>(1))
        .map_err(read_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_err)?;
    for column in columns {
        if !present.iter().any(|p| p == column) {
            return Err(OasisError::MissingColumn {
                path: path.to_path_buf(),
                table: table.to_string(),
                column: column.to_string(),
                present: present.join(", "),
                hint: hint(table, column).to_string(),
            });
        }
    }
    Ok(())
}

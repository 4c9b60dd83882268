//! The replay cache: every request/response pair in SQLite (WAL), keyed by a hash of the
//! model, messages and parameters plus (agent, tick, seed). A rerun with the same scenario
//! and seed answers every request from here — zero network calls, identical outputs.
//! Headers (and so the API key) are never part of a key or a row.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::error::LlmError;

/// A stored answer. `text = None` records a request that failed after every retry, so a
/// replay reproduces the fallback instead of calling out.
#[derive(Clone, Debug, PartialEq)]
pub struct Cached {
    /// Answer text, or `None` for a recorded failure.
    pub text: Option<String>,
    /// Prompt tokens the endpoint reported.
    pub prompt_tokens: u64,
    /// Completion tokens the endpoint reported.
    pub completion_tokens: u64,
}

/// SQLite-backed replay cache, safe to share between threads.
///
/// Writes go through one connection; lookups through one read connection per rayon thread
/// (WAL lets them read side by side), so a replayed tick's lookups do not queue on one lock.
pub struct ReplayCache {
    path: PathBuf,
    conn: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
}

/// The cache key: SHA-256 over the canonical request JSON and the (agent, tick, seed) key.
pub fn key(request_json: &str, agent: u32, tick: u32, seed: u64) -> String {
    let mut h = Sha256::new();
    h.update(request_json.as_bytes());
    h.update(agent.to_le_bytes());
    h.update(tick.to_le_bytes());
    h.update(seed.to_le_bytes());
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in h.finalize() {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

impl ReplayCache {
    /// Open (creating if needed) the cache at `path`.
    pub fn open(path: &Path) -> Result<Self, LlmError> {
        let err = |e: rusqlite::Error| LlmError::Cache {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| LlmError::Cache {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        }
        let conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS replies (
                key TEXT PRIMARY KEY,
                agent INTEGER NOT NULL,
                tick INTEGER NOT NULL,
                seed INTEGER NOT NULL,
                request TEXT NOT NULL,
                response TEXT,
                prompt_tokens INTEGER NOT NULL,
                completion_tokens INTEGER NOT NULL
            );",
        )
        .map_err(err)?;
        let readers = (0..rayon::current_num_threads().max(1))
            .map(|_| Connection::open(path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        Ok(Self {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            readers,
        })
    }

    fn err(&self, e: impl std::fmt::Display) -> LlmError {
        LlmError::Cache {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// The stored answer for `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<Cached>, LlmError> {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.readers.len();
        let conn = self.readers[slot].lock().map_err(|e| self.err(e))?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT response, prompt_tokens, completion_tokens FROM replies WHERE key = ?1",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_row(params![key], |r| {
            Ok(Cached {
                text: r.get(0)?,
                prompt_tokens: r.get::<_, i64>(1)? as u64,
                completion_tokens: r.get::<_, i64>(2)? as u64,
            })
        })
        .optional()
        .map_err(|e| self.err(e))
    }

    /// Store an answer (or a failure); an existing row is kept (first answer wins).
    pub fn put(
        &self,
        key: &str,
        agent: u32,
        tick: u32,
        seed: u64,
        request_json: &str,
        value: &Cached,
    ) -> Result<(), LlmError> {
        let conn = self.conn.lock().map_err(|e| self.err(e))?;
        conn.execute(
            "INSERT OR IGNORE INTO replies
             (key, agent, tick, seed, request, response, prompt_tokens, completion_tokens)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                key,
                agent,
                tick,
                seed as i64,
                request_json,
                value.text,
                value.prompt_tokens as i64,
                value.completion_tokens as i64
            ],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Number of stored rows.
    pub fn len(&self) -> Result<u64, LlmError> {
        let conn = self.conn.lock().map_err(|e| self.err(e))?;
        conn.query_row("SELECT COUNT(*) FROM replies", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// True when empty.
    pub fn is_empty(&self) -> Result<bool, LlmError> {
        Ok(self.len()? == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_replays_answers_and_failures() {
        let dir = tempfile::tempdir().unwrap();
        let c = ReplayCache::open(&dir.path().join("c.sqlite")).unwrap();
        let k = key("{\"m\":1}", 3, 4, 5);
        assert_ne!(k, key("{\"m\":1}", 3, 4, 6));
        assert_eq!(c.get(&k).unwrap(), None);
        let v = Cached {
            text: Some("{\"work\":1}".into()),
            prompt_tokens: 10,
            completion_tokens: 3,
        };
        c.put(&k, 3, 4, 5, "{\"m\":1}", &v).unwrap();
        c.put(
            &k,
            3,
            4,
            5,
            "{\"m\":1}",
            &Cached {
                text: None,
                ..v.clone()
            },
        )
        .unwrap();
        assert_eq!(c.get(&k).unwrap(), Some(v));
        drop(c);
        let again = ReplayCache::open(&dir.path().join("c.sqlite")).unwrap();
        assert_eq!(again.len().unwrap(), 1);
    }
}

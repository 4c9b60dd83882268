//! The replay cache: every request/response pair in SQLite (WAL), keyed by a hash of the
//! model, messages and parameters plus (agent, tick, seed). A rerun with the same scenario
//! and seed answers every request from here — zero network calls, identical outputs.
//! Headers (and so the API key) are never part of a key or a row; neither is the endpoint
//! that answered (see [`crate::endpoints`]).
//!
//! One file serves every run of a user ([`location`]); several processes may use it at
//! once (WAL, a busy timeout, and "first answer wins" on every write, so two runs asking
//! the same question both go on with the answer the cache keeps).

pub mod admin;
pub mod location;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::error::LlmError;

pub use schema::{Kind, inspect};

/// How long a write waits for another process holding the cache's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// A stored answer. `text = None` records a request that failed after every retry, so an
/// `--offline` replay reproduces the fallback; online, such a request is asked again and an
/// answer replaces the failure.
#[derive(Clone, Debug, PartialEq)]
pub struct Cached {
    /// Answer text, or `None` for a recorded failure.
    pub text: Option<String>,
    /// Prompt tokens the endpoint reported.
    pub prompt_tokens: u64,
    /// Completion tokens the endpoint reported.
    pub completion_tokens: u64,
}

/// SQLite-backed replay cache, safe to share between threads and processes.
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

/// Seconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let c = Connection::open(path)?;
    c.busy_timeout(BUSY_TIMEOUT)?;
    Ok(c)
}

impl ReplayCache {
    /// Open (creating if needed) the cache at `path`. A file that is not a replay cache is
    /// refused, naming it, and left as it was.
    pub fn open(path: &Path) -> Result<Self, LlmError> {
        let err = |message: String| LlmError::Cache {
            path: path.to_path_buf(),
            message,
        };
        let kind = inspect(path).map_err(err)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let sql = |e: rusqlite::Error| err(e.to_string());
        let mut conn = connect(path).map_err(sql)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql)?;
        schema::prepare(&mut conn, &kind).map_err(sql)?;
        let readers = (0..rayon::current_num_threads().max(1))
            .map(|_| connect(path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql)?;
        Ok(Self {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            readers,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
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

    /// Store an answer (or a failure) of `model`; an existing answer is kept (first answer
    /// wins), a recorded failure gives way to an answer. Returns what the cache holds now:
    /// this answer, or the one another run stored first, which the caller must use so that
    /// every run agrees with the cache.
    #[allow(clippy::too_many_arguments)]
    pub fn put(
        &self,
        key: &str,
        agent: u32,
        tick: u32,
        seed: u64,
        model: &str,
        request_json: &str,
        value: &Cached,
    ) -> Result<Cached, LlmError> {
        let conn = self.conn.lock().map_err(|e| self.err(e))?;
        let inserted = conn
            .execute(
                "INSERT OR IGNORE INTO replies
                 (key, agent, tick, seed, request, response, prompt_tokens, completion_tokens,
                  model, created)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    key,
                    agent,
                    tick,
                    seed as i64,
                    request_json,
                    value.text,
                    value.prompt_tokens as i64,
                    value.completion_tokens as i64,
                    model,
                    now_secs()
                ],
            )
            .map_err(|e| self.err(e))?;
        if inserted == 1 {
            return Ok(value.clone());
        }
        if value.text.is_some() {
            // An answer replaces a recorded failure (never another answer).
            conn.execute(
                "UPDATE replies SET response = ?2, prompt_tokens = ?3, completion_tokens = ?4,
                 created = ?5 WHERE key = ?1 AND response IS NULL",
                params![
                    key,
                    value.text,
                    value.prompt_tokens as i64,
                    value.completion_tokens as i64,
                    now_secs()
                ],
            )
            .map_err(|e| self.err(e))?;
        }
        conn.query_row(
            "SELECT response, prompt_tokens, completion_tokens FROM replies WHERE key = ?1",
            params![key],
            |r| {
                Ok(Cached {
                    text: r.get(0)?,
                    prompt_tokens: r.get::<_, i64>(1)? as u64,
                    completion_tokens: r.get::<_, i64>(2)? as u64,
                })
            },
        )
        .map_err(|e| self.err(e))
    }

    /// Record this run's hits and misses so far under `run_id` (one row per run, for
    /// `emergent cache stats`).
    pub fn record_run(
        &self,
        run_id: &str,
        started: i64,
        model: &str,
        hits: u64,
        misses: u64,
    ) -> Result<(), LlmError> {
        let conn = self.conn.lock().map_err(|e| self.err(e))?;
        conn.execute(
            "INSERT INTO runs (id, started, model, hits, misses) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET hits = excluded.hits, misses = excluded.misses",
            params![run_id, started, model, hits as i64, misses as i64],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Copy every answer of the cache file `legacy` (the run-directory layout of earlier
    /// versions, or another cache) that this one lacks; `legacy` is only read. Returns how
    /// many rows were added.
    pub fn import(&self, legacy: &Path) -> Result<u64, LlmError> {
        let lerr = |message: String| LlmError::Cache {
            path: legacy.to_path_buf(),
            message,
        };
        match inspect(legacy).map_err(lerr)? {
            Kind::Empty => return Ok(0),
            Kind::Current | Kind::Legacy => {}
        }
        let conn = self.conn.lock().map_err(|e| self.err(e))?;
        let uri = legacy
            .to_string_lossy()
            .replace('%', "%25")
            .replace('?', "%3f")
            .replace('#', "%23");
        // Read-only: the old file is never written. ATTACH cannot run inside a transaction;
        // the one INSERT … SELECT below is atomic on its own.
        conn.execute(
            "ATTACH DATABASE ?1 AS legacy",
            params![format!("file:{uri}?mode=ro")],
        )
        .map_err(|e| lerr(e.to_string()))?;
        let added = conn
            .execute(
                "INSERT OR IGNORE INTO main.replies
                 (key, agent, tick, seed, request, response, prompt_tokens, completion_tokens,
                  model, created)
                 SELECT key, agent, tick, seed, request, response, prompt_tokens,
                        completion_tokens, coalesce(json_extract(request, '$.model'), ''), ?1
                 FROM legacy.replies",
                params![now_secs()],
            )
            .map_err(|e| lerr(e.to_string()));
        let _ = conn.execute("DETACH DATABASE legacy", []);
        Ok(added? as u64)
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
        assert_eq!(c.put(&k, 3, 4, 5, "m", "{\"m\":1}", &v).unwrap(), v);
        let second = Cached {
            text: None,
            ..v.clone()
        };
        // First answer wins, and the loser is told which answer the cache keeps.
        assert_eq!(c.put(&k, 3, 4, 5, "m", "{\"m\":1}", &second).unwrap(), v);
        assert_eq!(c.get(&k).unwrap(), Some(v.clone()));
        let k2 = key("{\"m\":2}", 3, 4, 5);
        assert_eq!(
            c.put(&k2, 3, 4, 5, "m", "{\"m\":2}", &second).unwrap(),
            second
        );
        assert_eq!(
            c.put(&k2, 3, 4, 5, "m", "{\"m\":2}", &v).unwrap(),
            v,
            "an answer replaces a failure"
        );
        drop(c);
        let again = ReplayCache::open(&dir.path().join("c.sqlite")).unwrap();
        assert_eq!(again.len().unwrap(), 2);
    }
}

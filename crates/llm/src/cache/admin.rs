//! `emergent cache stats|prune|export`: what a replay cache holds, removing part of it, and
//! every row for other tools. Rows hold requests (model, messages, parameters) and answers;
//! never a header, so never an API key.

use std::path::Path;

use rusqlite::params;

use super::{Kind, ReplayCache, inspect};
use crate::error::LlmError;

/// One run's use of the cache (the `runs` table).
#[derive(Clone, Debug, PartialEq)]
pub struct RunUse {
    /// Run id (start time and process id).
    pub id: String,
    /// Unix seconds at its start.
    pub started: i64,
    /// Model it asked.
    pub model: String,
    /// Answers found in the cache.
    pub hits: u64,
    /// Answers asked of an endpoint (or missed offline).
    pub misses: u64,
}

/// What `emergent cache stats` shows.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheStats {
    /// Bytes of the file and its write-ahead log.
    pub bytes: u64,
    /// Stored answers (failures included).
    pub entries: u64,
    /// Stored failures (requests that failed after every retry).
    pub failures: u64,
    /// Entries by model, most first.
    pub by_model: Vec<(String, u64)>,
    /// Runs that used the cache, newest first.
    pub runs: Vec<RunUse>,
}

impl CacheStats {
    /// Hits / (hits + misses) over every recorded run; `None` before any.
    pub fn hit_rate(&self) -> Option<f64> {
        let (h, m) = self
            .runs
            .iter()
            .fold((0u64, 0u64), |(h, m), r| (h + r.hits, m + r.misses));
        (h + m > 0).then(|| h as f64 / (h + m) as f64)
    }
}

/// Which entries `prune` removes (all conditions given must hold).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PruneFilter {
    /// Only this model's.
    pub model: Option<String>,
    /// Only those stored at or before this Unix time.
    pub before: Option<i64>,
}

/// One stored answer, as exported.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Cache key (SHA-256 hex).
    pub key: String,
    /// Model asked.
    pub model: String,
    /// Agent.
    pub agent: u32,
    /// Tick.
    pub tick: u32,
    /// Run seed.
    pub seed: u64,
    /// Unix seconds when stored (0: before emergent recorded it).
    pub created: i64,
    /// Canonical request JSON (model, messages, parameters).
    pub request: String,
    /// Answer text; `None` for a recorded failure.
    pub response: Option<String>,
    /// Prompt tokens reported.
    pub prompt_tokens: u64,
    /// Completion tokens reported.
    pub completion_tokens: u64,
}

/// Open an existing cache for the admin commands (a missing file is an error, not a new
/// cache).
pub fn open_existing(path: &Path) -> Result<ReplayCache, LlmError> {
    let exists = std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
    if !exists && inspect(path) == Ok(Kind::Empty) {
        return Err(LlmError::Cache {
            path: path.to_path_buf(),
            message: "no replay cache here (nothing was cached yet, or give --cache PATH)".into(),
        });
    }
    ReplayCache::open(path)
}

fn file_bytes(path: &Path) -> u64 {
    let wal = format!("{}-wal", path.display());
    [path, Path::new(&wal)]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

impl ReplayCache {
    /// Size, entries, entries by model and the runs' hits and misses.
    pub fn stats(&self) -> Result<CacheStats, LlmError> {
        let conn = self.conn.lock().map_err(|e| self.err(e))?;
        let q = |e: rusqlite::Error| self.err(e);
        let (entries, failures): (i64, i64) = conn
            .query_row(
                "SELECT COUNT(*), COUNT(*) - COUNT(response) FROM replies",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(q)?;
        let by_model = conn
            .prepare(
                "SELECT model, COUNT(*) AS n FROM replies GROUP BY model ORDER BY n DESC, model",
            )
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
                    .collect()
            })
            .map_err(q)?;
        let runs = conn
            .prepare("SELECT id, started, model, hits, misses FROM runs ORDER BY started DESC, id")
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok(RunUse {
                        id: r.get(0)?,
                        started: r.get(1)?,
                        model: r.get(2)?,
                        hits: r.get::<_, i64>(3)? as u64,
                        misses: r.get::<_, i64>(4)? as u64,
                    })
                })?
                .collect()
            })
            .map_err(q)?;
        Ok(CacheStats {
            bytes: file_bytes(&self.path),
            entries: entries as u64,
            failures: failures as u64,
            by_model,
            runs,
        })
    }

    /// How many entries `filter` matches; with `apply`, remove them (and compact the file).
    pub fn prune(&self, filter: &PruneFilter, apply: bool) -> Result<u64, LlmError> {
        let conn = self.conn.lock().map_err(|e| self.err(e))?;
        let cond = "WHERE (?1 IS NULL OR model = ?1) AND (?2 IS NULL OR created <= ?2)";
        let args = params![filter.model, filter.before];
        let n = if apply {
            conn.execute(&format!("DELETE FROM replies {cond}"), args)
                .map_err(|e| self.err(e))? as u64
        } else {
            conn.query_row(&format!("SELECT COUNT(*) FROM replies {cond}"), args, |r| {
                r.get::<_, i64>(0)
            })
            .map_err(|e| self.err(e))? as u64
        };
        if apply && n > 0 {
            // Give the space back; another process reading the cache only delays this.
            if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;") {
                tracing::warn!("replay cache {}: not compacted: {e}", self.path.display());
            }
        }
        Ok(n)
    }

    /// Every entry, in key order.
    pub fn entries(&self) -> Result<Vec<Entry>, LlmError> {
        let conn = self.conn.lock().map_err(|e| self.err(e))?;
        conn.prepare(
            "SELECT key, model, agent, tick, seed, created, request, response, prompt_tokens,
                    completion_tokens FROM replies ORDER BY key",
        )
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok(Entry {
                    key: r.get(0)?,
                    model: r.get(1)?,
                    agent: r.get(2)?,
                    tick: r.get(3)?,
                    seed: r.get::<_, i64>(4)? as u64,
                    created: r.get(5)?,
                    request: r.get(6)?,
                    response: r.get(7)?,
                    prompt_tokens: r.get::<_, i64>(8)? as u64,
                    completion_tokens: r.get::<_, i64>(9)? as u64,
                })
            })?
            .collect()
        })
        .map_err(|e| self.err(e))
    }
}

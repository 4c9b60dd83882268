//! `emergent cache stats|prune|export`: the admin commands of the LLM replay cache every run
//! shares (docs/llm.md), here so the command line and the Python package run the same code
//! and say the same things.

use std::path::{Path, PathBuf};

use emergent_io::{IoError, ParquetColumn, check_output_path, write_parquet_columns};
use emergent_llm::{CacheEntry, CacheStats, LlmError, PruneFilter, ReplayCache, open_cache};

/// What the cache commands refuse.
#[derive(Debug, thiserror::Error)]
pub enum CacheCommandError {
    #[error(
        "no default replay cache location (EMERGENT_CACHE, XDG_CACHE_HOME and HOME are all unset): give --cache PATH"
    )]
    NoDefault,
    #[error("--older-than {0:?}: the unit must be d, h, m or s (e.g. 30d)")]
    AgeUnit(String),
    #[error("--older-than {0:?}: not an age like 30d or 12h")]
    Age(String),
    #[error("say what to prune: --model NAME, --older-than AGE, or --all")]
    NothingToPrune,
    #[error(transparent)]
    Llm(#[from] LlmError),
    #[error(transparent)]
    Io(#[from] IoError),
}

/// The cache at `path` (`--cache`), else the per-user default; it must exist.
pub fn open_replay_cache(path: Option<&Path>) -> Result<ReplayCache, CacheCommandError> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => emergent_llm::default_cache_path().ok_or(CacheCommandError::NoDefault)?,
    };
    Ok(open_cache(&path)?)
}

/// `--json` of `emergent cache stats`: path, bytes, entries, failures, entries by model, the
/// hit rate over every run, and each run's hits and misses.
pub fn stats_json(path: &Path, s: &CacheStats) -> serde_json::Value {
    let runs: Vec<_> = s
        .runs
        .iter()
        .map(|r| {
            serde_json::json!({"id": r.id, "started": r.started, "model": r.model,
                "hits": r.hits, "misses": r.misses})
        })
        .collect();
    let by_model: serde_json::Map<_, _> = s
        .by_model
        .iter()
        .map(|(m, n)| (m.clone(), serde_json::json!(n)))
        .collect();
    serde_json::json!({"path": path.display().to_string(), "bytes": s.bytes,
        "entries": s.entries, "failures": s.failures, "by_model": by_model,
        "hit_rate": s.hit_rate(), "runs": runs})
}

/// `30d`, `12h`, `90m`, `45s`, or days: the age in seconds.
pub fn parse_age(text: &str) -> Result<i64, CacheCommandError> {
    let t = text.trim();
    let (number, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c),
        _ => (t, 'd'),
    };
    let seconds = match unit {
        'd' => 86_400.0,
        'h' => 3_600.0,
        'm' => 60.0,
        's' => 1.0,
        _ => return Err(CacheCommandError::AgeUnit(text.to_string())),
    };
    let n: f64 = number
        .trim()
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n >= 0.0 && *n < 1e6)
        .ok_or_else(|| CacheCommandError::Age(text.to_string()))?;
    Ok((n * seconds) as i64)
}

/// `emergent cache prune`: the entries of `model` and/or older than `older_than`, or `all`, of
/// the cache at `path` (see [`open_replay_cache`]); removed when `apply`, else only counted.
/// Returns the cache's path and the count.
pub fn prune_cache(
    path: Option<&Path>,
    model: Option<String>,
    older_than: Option<&str>,
    all: bool,
    apply: bool,
) -> Result<(PathBuf, u64), CacheCommandError> {
    if model.is_none() && older_than.is_none() && !all {
        return Err(CacheCommandError::NothingToPrune);
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let before = older_than.map(parse_age).transpose()?.map(|age| now - age);
    let cache = open_replay_cache(path)?;
    let n = cache.prune(&PruneFilter { model, before }, apply)?;
    Ok((cache.path().to_path_buf(), n))
}

/// `emergent cache export --out FILE`: every entry of the cache at `path` as a Parquet table
/// (requests and answers; never a key or header), never over the cache itself. Returns the
/// number of entries.
pub fn export_cache(
    path: Option<&Path>,
    out: &Path,
    force: bool,
) -> Result<usize, CacheCommandError> {
    let cache = open_replay_cache(path)?;
    check_output_path(out, &[cache.path().to_path_buf()], force)?;
    let rows = cache.entries()?;
    let col = |name: &str, f: &dyn Fn(&CacheEntry) -> String| {
        ParquetColumn::Str(name.into(), rows.iter().map(f).collect())
    };
    let int = |name: &str, f: &dyn Fn(&CacheEntry) -> i64| {
        ParquetColumn::I64(name.into(), rows.iter().map(f).collect())
    };
    let columns = vec![
        col("key", &|r| r.key.clone()),
        col("model", &|r| r.model.clone()),
        ParquetColumn::U32("agent".into(), rows.iter().map(|r| r.agent).collect()),
        ParquetColumn::U32("tick".into(), rows.iter().map(|r| r.tick).collect()),
        int("seed", &|r| r.seed as i64),
        int("created", &|r| r.created),
        col("request", &|r| r.request.clone()),
        col("response", &|r| r.response.clone().unwrap_or_default()),
        ParquetColumn::U32(
            "failed".into(),
            rows.iter().map(|r| r.response.is_none() as u32).collect(),
        ),
        int("prompt_tokens", &|r| r.prompt_tokens as i64),
        int("completion_tokens", &|r| r.completion_tokens as i64),
    ];
    write_parquet_columns(out, columns)?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::parse_age;

    #[test]
    fn ages_have_units_and_default_to_days() {
        assert_eq!(parse_age("30d").unwrap(), 30 * 86_400);
        assert_eq!(parse_age("12h").unwrap(), 12 * 3_600);
        assert_eq!(parse_age("2").unwrap(), 2 * 86_400);
        assert_eq!(parse_age("90m").unwrap(), 5_400);
        assert!(parse_age("3w").is_err() && parse_age("-1d").is_err() && parse_age("d").is_err());
    }
}

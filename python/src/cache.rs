//! `emergent cache stats|prune|export`: the shared LLM replay cache's admin commands, the
//! runner's (`emergent_runner::cache`) as the command line calls them.

use std::path::PathBuf;

use emergent_runner::cache::{
    CacheCommandError, export_cache, open_replay_cache, prune_cache, stats_json,
};
use pyo3::prelude::*;

use crate::errors::to_py;

/// `emergent cache stats [--cache PATH] --json`: the JSON object as text.
#[pyfunction]
#[pyo3(signature = (cache=None))]
pub fn cache_stats(py: Python<'_>, cache: Option<PathBuf>) -> PyResult<String> {
    py.detach(|| -> Result<String, CacheCommandError> {
        let c = open_replay_cache(cache.as_deref())?;
        let stats = c.stats()?;
        Ok(stats_json(c.path(), &stats).to_string())
    })
    .map_err(to_py)
}

/// `emergent cache prune`: the cache's path and how many entries went (or would go).
#[pyfunction]
#[pyo3(signature = (cache=None, model=None, older_than=None, all=false, yes=false))]
pub fn cache_prune(
    py: Python<'_>,
    cache: Option<PathBuf>,
    model: Option<String>,
    older_than: Option<String>,
    all: bool,
    yes: bool,
) -> PyResult<(PathBuf, u64)> {
    py.detach(|| prune_cache(cache.as_deref(), model, older_than.as_deref(), all, yes))
        .map_err(to_py)
}

/// `emergent cache export --out FILE`: how many entries were written.
#[pyfunction]
#[pyo3(signature = (out, cache=None, force=false))]
pub fn cache_export(
    py: Python<'_>,
    out: PathBuf,
    cache: Option<PathBuf>,
    force: bool,
) -> PyResult<usize> {
    py.detach(|| export_cache(cache.as_deref(), &out, force))
        .map_err(to_py)
}

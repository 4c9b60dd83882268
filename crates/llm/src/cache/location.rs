//! Where the replay cache lives: one file per user, shared by every run and project.
//!
//! The key of an answer is the request (model, messages, parameters) and (agent, tick,
//! seed), never the run directory or the project, so an answer is valid wherever the same
//! request is asked again: a rerun into a new `--out`, a counterfactual branch, another
//! checkout of the same scenario. One per-user file gets all those hits; a file per run
//! directory (the old layout) got none of them.

use std::path::{Path, PathBuf};

use emergent_scenario::{LlmConfig, Scenario};

use crate::error::LlmError;

/// Environment variable naming the cache file (wins over the XDG default; `llm.cache` in a
/// scenario wins over it).
pub const CACHE_ENV: &str = "EMERGENT_CACHE";

/// The per-user default: `$EMERGENT_CACHE`, else `$XDG_CACHE_HOME/emergent/replay.sqlite`,
/// else `$HOME/.cache/emergent/replay.sqlite`; `None` when none of them is set.
pub fn default_cache_path() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(p) = var(CACHE_ENV) {
        return Some(PathBuf::from(p));
    }
    let base = var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| var("HOME").map(|h| Path::new(&h).join(".cache")))?;
    Some(base.join("emergent").join("replay.sqlite"))
}

/// The cache file of `scenario`: `llm.cache` (relative to the scenario file's folder), else
/// [`default_cache_path`].
pub fn cache_path(scenario: &Scenario) -> Result<PathBuf, LlmError> {
    resolve(&scenario.llm, &scenario.file)
}

/// [`cache_path`] from the `[llm]` section and the scenario file's name.
pub(crate) fn resolve(llm: &LlmConfig, scenario_file: &str) -> Result<PathBuf, LlmError> {
    let named = &llm.cache;
    if !named.is_empty() {
        let p = Path::new(named);
        if p.is_absolute() {
            return Ok(p.to_path_buf());
        }
        let folder = Path::new(scenario_file)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        return Ok(folder.join(p));
    }
    default_cache_path().ok_or_else(|| LlmError::Config {
        file: scenario_file.into(),
        key: "cache".into(),
        message: format!(
            "no default replay cache location ({CACHE_ENV}, XDG_CACHE_HOME and HOME are all unset): set llm.cache = \"PATH\""
        ),
    })
}

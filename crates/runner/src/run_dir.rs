//! The run directory: created fresh, or reused with --force, never half-overwritten.

use std::path::{Path, PathBuf};

use emergent_io::IoError;

use crate::error::RunError;

pub(crate) const PARTIAL: &str = ".partial";
pub(crate) const CHECKPOINT: &str = "checkpoint.bin";
pub(crate) const MANIFEST: &str = "manifest.json";

/// Make `dir` ready for a new run. An existing non-empty directory needs `force`; its files
/// are then replaced one by one as the new run writes them (each atomically), so an earlier
/// output survives until its replacement is complete.
pub(crate) fn prepare(dir: &Path, force: bool) -> Result<(), RunError> {
    if dir.exists() {
        let non_empty = std::fs::read_dir(dir)
            .map_err(|e| io(dir, e))?
            .next()
            .is_some();
        if non_empty && !force {
            return Err(RunError::Exists(dir.to_path_buf()));
        }
        // Leftovers of an interrupted run must not be mistaken for this run's segments.
        remove_if_exists(&dir.join(PARTIAL))?;
        remove_if_exists(&dir.join(CHECKPOINT))?;
        crate::checkpoint::remove_rank_files(dir, None, None)?;
    }
    std::fs::create_dir_all(dir.join(PARTIAL)).map_err(|e| io(dir, e))?;
    Ok(())
}

pub(crate) fn remove_if_exists(p: &Path) -> Result<(), RunError> {
    let r = if p.is_dir() {
        std::fs::remove_dir_all(p)
    } else {
        std::fs::remove_file(p)
    };
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(p, e)),
    }
}

pub(crate) fn io(p: &Path, e: std::io::Error) -> RunError {
    RunError::Io(IoError::new(p, e.to_string()))
}

/// `runs/<scenario name>-seed<seed>`.
pub(crate) fn default_dir(name: &str, seed: u64) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    PathBuf::from("runs").join(format!("{safe}-seed{seed}"))
}

/// An edge list in Parquet (an import's `follows.parquet`) is read here, where file formats
/// live, and handed to the engine's build functions; text edge lists the engine reads itself
/// (`None`).
pub(crate) fn preload_network(
    scenario: &emergent_scenario::Scenario,
) -> Result<Option<emergent_sim::network::Network>, RunError> {
    use emergent_scenario::GeneratorKind;
    if scenario.network.generator != GeneratorKind::Edgelist {
        return Ok(None);
    }
    let Some(path) = scenario.edge_list_path() else {
        return Ok(None);
    };
    if path.extension().and_then(|e| e.to_str()) != Some("parquet") {
        return Ok(None);
    }
    let edges = emergent_io::read_edges_parquet(&path)?;
    let n = scenario.population.agents;
    if let Some((row, (a, b))) = edges
        .iter()
        .enumerate()
        .find(|(_, (a, b))| *a as usize >= n || *b as usize >= n)
    {
        return Err(RunError::Io(IoError::new(
            &path,
            format!(
                "row {}: edge ({a}, {b}) names an agent ≥ population.agents = {n}; set population.agents to the number of rows of the imported features",
                row + 1
            ),
        )));
    }
    let mut edges: Vec<(u32, u32)> = edges.into_iter().filter(|(a, b)| a != b).collect();
    edges.sort_unstable();
    edges.dedup();
    Ok(Some(emergent_sim::network::Network::from_edges(n, edges)))
}

//! A run's scenario as given: its text, the file it came from and the `--set` overrides.
//! Checkpoints and the manifest keep these three, so a run can be rebuilt from either.

use emergent_io::IoError;
use emergent_io::run_dir::RunIdentity;
use emergent_scenario::{GeneratorKind, Scenario};
use emergent_sim::network::Network;
use sha2::{Digest, Sha256};

use crate::error::RunError;

/// The scenario as the run was started with it.
#[derive(Debug, Clone)]
pub(crate) struct ScenarioSource {
    pub text: String,
    pub file: String,
    pub overrides: Vec<String>,
    /// The distilled policy file the run runs, bound when the run starts or resumes
    /// ([`ScenarioSource::bind_policy`]); None for other policies.
    pub policy: Option<PolicyDigest>,
}

/// A distilled policy file (`[policy] kind = "distilled"`) and the SHA-256 of its bytes:
/// part of the run key, so a checkpoint of one policy is never continued with another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyDigest {
    pub path: std::path::PathBuf,
    /// Lower-case hex.
    pub sha256: String,
}

impl ScenarioSource {
    /// The scenario a finished run ran, from its manifest in `dir` (its text, file name and
    /// `--set` overrides); an error naming the manifest if it holds no scenario text.
    pub(crate) fn of_run(
        dir: &std::path::Path,
        manifest: emergent_io::run_dir::Manifest,
    ) -> Result<Self, RunError> {
        use emergent_io::run_dir;
        if manifest.scenario.is_empty() {
            return Err(RunError::Io(IoError::new(
                &dir.join(run_dir::MANIFEST),
                "no `scenario` text",
            )));
        }
        Ok(Self {
            text: manifest.scenario,
            file: match manifest.scenario_file.is_empty() {
                true => run_dir::SCENARIO.to_string(),
                false => manifest.scenario_file,
            },
            overrides: manifest.overrides,
            policy: None,
        })
    }

    /// The scenario file at `path` as `emergent run` takes it: its `--set` overrides, then
    /// `--seed` as `scenario.seed` (last, so it wins).
    pub(crate) fn read(
        path: &std::path::Path,
        overrides: &[String],
        seed: Option<u64>,
    ) -> Result<Self, RunError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            RunError::Io(IoError::new(path, format!("{e} (check the scenario path)")))
        })?;
        let mut overrides = overrides.to_vec();
        if let Some(seed) = seed {
            overrides.push(format!("scenario.seed={seed}"));
        }
        Ok(Self {
            text,
            file: path.display().to_string(),
            overrides,
            policy: None,
        })
    }

    /// Bind the run to `scenario`'s distilled policy file as its bytes are now (nothing for
    /// other policies): called when a run starts and when it resumes, before its identity is
    /// recorded or compared.
    pub(crate) fn bind_policy(&mut self, scenario: &Scenario) -> Result<(), RunError> {
        self.policy = crate::distilled_record::digest(scenario)?;
        Ok(())
    }

    /// Which run this is: the scenario, the overrides, the distilled policy's bytes (when it
    /// runs one) and this build's version. A run directory records it when the run starts
    /// and every checkpoint carries it.
    pub(crate) fn identity(&self) -> RunIdentity {
        let version = env!("CARGO_PKG_VERSION");
        let mut key = Sha256::new();
        for part in [version, &self.text] {
            key.update((part.len() as u64).to_le_bytes());
            key.update(part.as_bytes());
        }
        for o in &self.overrides {
            key.update((o.len() as u64).to_le_bytes());
            key.update(o.as_bytes());
        }
        // Absent for other policies, so their run keys are what they always were.
        if let Some(p) = &self.policy {
            key.update(b"distilled policy sha256");
            key.update(p.sha256.as_bytes());
        }
        RunIdentity {
            emergent_version: version.to_string(),
            overrides: self.overrides.clone(),
            policy_sha256: self.policy.as_ref().map(|p| p.sha256.clone()),
            run_key: hex(&key.finalize()),
            scenario_sha256: crate::manifest::sha256_hex(&self.text),
        }
    }

    /// The scenario with the overrides applied.
    pub(crate) fn scenario(&self) -> Result<Scenario, RunError> {
        Ok(Scenario::with_overrides(
            &self.text,
            &self.file,
            &self.overrides,
        )?)
    }
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An edge list in Parquet (an import's `follows.parquet`) is read here, where file formats
/// live, and handed to the engine; text edge lists the engine reads itself.
pub(crate) fn preload_network(scenario: &Scenario) -> Result<Option<Network>, RunError> {
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
    Ok(Some(Network::from_edges(n, edges)))
}

//! The whole scenario file: strict TOML, every section validated, errors located by
//! `file:line:column` so users can fix them without guessing.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::econ::EconConfig;
use crate::error::ScenarioError;
use crate::feed::FeedConfig;
use crate::indicators::IndicatorConfig;
use crate::interventions::InterventionConfig;
use crate::llm::LlmConfig;
use crate::location::{KeySeg, Problem, line_col, locate};
use crate::meta::ScenarioMeta;
use crate::network::NetworkConfig;
use crate::outputs::{AttributionConfig, CheckpointConfig, RecordConfig};
use crate::partition::PartitionConfig;
use crate::policy::PolicyConfig;
use crate::population::PopulationConfig;
use crate::survey::SurveyConfig;

/// A complete scenario, defaults filled in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// `[scenario]`.
    pub scenario: ScenarioMeta,
    /// `[population]`.
    #[serde(default)]
    pub population: PopulationConfig,
    /// `[network]` (an `[econ]` scenario has no follow graph and may leave it out).
    #[serde(default)]
    pub network: NetworkConfig,
    /// `[feed]`.
    #[serde(default)]
    pub feed: FeedConfig,
    /// `[policy]` (the surrogate; an `[econ]` scenario's is the rule baseline).
    #[serde(default)]
    pub policy: PolicyConfig,
    /// `[record]`.
    #[serde(default)]
    pub record: RecordConfig,
    /// `[checkpoint]`.
    #[serde(default)]
    pub checkpoint: CheckpointConfig,
    /// `[partition]`.
    #[serde(default, skip_serializing_if = "PartitionConfig::is_default")]
    pub partition: PartitionConfig,
    /// `[llm]`: LLM-driven agent groups and the endpoint.
    #[serde(default, skip_serializing_if = "LlmConfig::is_default")]
    pub llm: LlmConfig,
    /// `[econ]`: present = an EconAgent-style economy instead of a social world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub econ: Option<EconConfig>,
    /// `[[indicators]]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<IndicatorConfig>,
    /// `[attribution]`.
    #[serde(default)]
    pub attribution: AttributionConfig,
    /// `[[interventions]]`: what changes during the run (empty: nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interventions: Vec<InterventionConfig>,
    /// `[[survey]]`: questions the LLM agents are asked during the run (empty: none).
    #[serde(default, rename = "survey", skip_serializing_if = "Vec::is_empty")]
    pub surveys: Vec<SurveyConfig>,
    /// Name of the file it came from (for messages and relative paths).
    #[serde(skip)]
    pub file: String,
    /// The text it was parsed from, so later checks (an indicator's expression) can say
    /// where in the file a value is ([`Scenario::position`]).
    #[serde(skip)]
    pub(crate) source: String,
}

impl Scenario {
    /// Read and parse a scenario file.
    pub fn from_path(path: &Path) -> Result<Self, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            file: file.clone(),
            source,
        })?;
        Self::from_str(&text, &file)
    }

    /// Parse and validate scenario text; `file_name` is used in messages and
    /// as the base for a relative edge-list path.
    #[allow(clippy::should_implement_trait)] // needs the file name too
    pub fn from_str(text: &str, file_name: &str) -> Result<Self, ScenarioError> {
        let s = Self::parse_unchecked(text, file_name)?;
        s.first_problem()?;
        Ok(s)
    }

    /// Parse strict TOML into a scenario without the range checks (`--set` overrides are
    /// applied before them: see [`Scenario::with_overrides`]).
    pub(crate) fn parse_unchecked(text: &str, file_name: &str) -> Result<Self, ScenarioError> {
        let mut s: Scenario = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |r| line_col(text, r.start));
            ScenarioError::At {
                file: file_name.into(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        s.file = file_name.to_string();
        s.source = text.to_string();
        Ok(s)
    }

    /// The first semantic problem, located in the scenario's file.
    pub(crate) fn first_problem(&self) -> Result<(), ScenarioError> {
        match self.validate().into_iter().next() {
            None => Ok(()),
            Some((path, message)) => {
                let (line, column) = locate(&self.source, &path);
                Err(ScenarioError::At {
                    file: self.file.clone(),
                    line,
                    column,
                    message,
                })
            }
        }
    }

    /// Where the edge list lives: relative paths are resolved against the
    /// scenario file's folder.
    pub fn edge_list_path(&self) -> Option<PathBuf> {
        let p = Path::new(self.network.path.as_deref()?);
        if p.is_absolute() {
            return Some(p.to_path_buf());
        }
        let base = Path::new(&self.file).parent().unwrap_or(Path::new(""));
        Some(base.join(p))
    }

    /// The distilled policy's file (`[policy] path`), relative to the scenario file's folder.
    pub fn distilled_policy_path(&self) -> Option<PathBuf> {
        let p = Path::new(self.policy.path.as_deref()?);
        if p.is_absolute() {
            return Some(p.to_path_buf());
        }
        let base = Path::new(&self.file).parent().unwrap_or(Path::new(""));
        Some(base.join(p))
    }

    /// Line and column (1-based) in the scenario's file of the value at `path`, or of its
    /// nearest ancestor present in the file (1:1 if none, e.g. a scenario made in code).
    pub fn position(&self, path: &[KeySeg]) -> (usize, usize) {
        locate(&self.source, path)
    }

    /// Every semantic problem, as (key path, message), section by section in file order:
    /// the first one is what the user is shown.
    pub fn validate(&self) -> Vec<Problem> {
        let agents = self.population.agents;
        let mut out = self.scenario.problems();
        out.extend(self.population.problems());
        out.extend(self.network.problems(
            agents,
            self.population.communities,
            self.edge_list_path().as_deref(),
        ));
        out.extend(self.partition.problems(agents, self.econ.is_some()));
        out.extend(self.feed.problems(agents));
        out.extend(self.policy.problems());
        out.extend(self.policy.cascade.seed_problems(agents));
        out.extend(self.record.problems());
        out.extend(self.checkpoint.problems());
        out.extend(self.llm.problems(agents));
        if let Some(econ) = &self.econ {
            out.extend(econ.problems());
            out.extend(IndicatorConfig::econ_problems(&self.indicators));
        }
        out.extend(IndicatorConfig::problems(&self.indicators));
        out.extend(self.attribution.problems());
        out.extend(self.intervention_problems());
        out.extend(self.bot_problems());
        out.extend(self.survey_problems());
        out
    }
}

//! Dynamic attribution of a finished run: rebuild the run's initial world from its scenario,
//! attribute each indicator through the expected-value dynamics, and compare with the static
//! attribution the run already holds.

use std::path::Path;
use std::time::Instant;

use emergent_attribution::tiers::{ranking, tier_shares_ordered};
use emergent_attribution::{FeatureTable, Indicator};
use emergent_dynamics::{Dynamics, Outcome, attribute_dynamic, econ_model_for, model_for};
use emergent_io::run_dir::{self, Anchoring, Comparison, DynamicOutcome};
use emergent_io::{IdColumn, ParquetColumn, read_dataset, write_parquet_columns};
use emergent_scenario::Scenario;
use emergent_sim::network::Network;
use emergent_study::compare::{spearman, top_k_jaccard};

use crate::dynamic_groups::{self, Grouping};
use crate::error::RunError;
use crate::game::GroupSpec;
use crate::indicators::IndicatorSpec;
use crate::source::{ScenarioSource, preload_network};

/// What `emergent attribute --dynamic` asks for.
#[derive(Debug, Clone, Default)]
pub struct DynamicOptions {
    /// Indicator names (default: all of the scenario's).
    pub indicators: Vec<String>,
    /// Gauss–Legendre nodes (default: the scenario's `[attribution] nodes`, per panel). Given
    /// without `tol`: one fixed K-node rule over [0, 1], no refinement.
    pub nodes: Option<usize>,
    /// Completeness gap to refine panels to (default: the scenario's `[attribution] tol`).
    pub tol: Option<f64>,
    /// Most gradient evaluations of the adaptive panels, per indicator (per path with
    /// groups) (default: the scenario's `[attribution] max_nodes`).
    pub max_nodes: Option<usize>,
    /// A coalition structure (`--groups`, the groups of `--game`): Aumann–Shapley with the
    /// groups as a priori unions instead of the diagonal path (`dynamic_groups.rs`).
    pub groups: Option<GroupSpec>,
    /// The text of the spec, recorded in `dynamic_attribution.json`.
    pub groups_text: String,
}

impl DynamicOptions {
    /// (nodes per panel, tolerance, most gradient evaluations) for `scenario`.
    fn quadrature(&self, scenario: &Scenario) -> (usize, Option<f64>, usize) {
        let a = &scenario.attribution;
        let nodes = self.nodes.unwrap_or(a.nodes);
        match (self.nodes, self.tol) {
            (Some(k), None) => (k, None, k),
            (_, tol) => (
                nodes,
                Some(tol.unwrap_or(a.tol)),
                self.max_nodes.unwrap_or(a.max_nodes).max(nodes),
            ),
        }
    }
}

/// Attribute a completed run's indicators through the dynamics; writes
/// `dynamic_attribution.parquet` and `dynamic_attribution.json` into the run directory.
pub fn attribute_dynamic_run(
    dir: &Path,
    opts: &DynamicOptions,
) -> Result<Vec<DynamicOutcome>, RunError> {
    let manifest = run_dir::read_manifest(dir)?;
    // Not while another command writes into the directory.
    let _lock = run_dir::RunDirLock::acquire(dir, "emergent attribute --dynamic")?;
    let scenario = ScenarioSource::of_run(dir, manifest)?.scenario()?;
    let preloaded = preload_network(&scenario)?;
    let features = read_dataset(dir, run_dir::FEATURES, &IdColumn::Default)?;
    let grouping = match &opts.groups {
        Some(spec) => Some(Grouping::new(dir, spec, &opts.groups_text, &features)?),
        None => None,
    };
    let outcomes = run_with(
        dir,
        &scenario,
        preloaded.as_ref(),
        &features,
        opts,
        grouping.as_ref(),
    )?;
    write_parquet(dir, &outcomes)?;
    let structure = grouping.as_ref().map(Grouping::structure);
    run_dir::write_dynamic_attribution_grouped(dir, &outcomes, structure.as_ref())?;
    Ok(outcomes)
}

/// The same, for a run that is finishing (its scenario and final features at hand): the
/// diagonal path.
pub(crate) fn run(
    dir: &Path,
    scenario: &Scenario,
    preloaded: Option<&Network>,
    features: &FeatureTable,
    opts: &DynamicOptions,
) -> Result<Vec<DynamicOutcome>, RunError> {
    run_with(dir, scenario, preloaded, features, opts, None)
}

/// Every wanted indicator attributed along the diagonal, or with the coalition structure
/// `grouping`.
fn run_with(
    dir: &Path,
    scenario: &Scenario,
    preloaded: Option<&Network>,
    features: &FeatureTable,
    opts: &DynamicOptions,
    grouping: Option<&Grouping>,
) -> Result<Vec<DynamicOutcome>, RunError> {
    let model_err = |e: emergent_dynamics::DynamicsError| RunError::Indicator {
        file: scenario.file.clone(),
        name: "(dynamic)".into(),
        message: e.to_string(),
    };
    // An economy has no world: its month 0 is rebuilt from the scenario's seed alone.
    let world;
    let model: Box<dyn Dynamics + '_> = if scenario.econ.is_some() {
        if emergent_llm::uses_llm(scenario) {
            tracing::warn!(
                "the economy's households were LLM agents; the expected-value model follows \
                 the rule baseline they fall back to"
            );
        }
        Box::new(econ_model_for(scenario).map_err(model_err)?)
    } else {
        if !scenario.interventions.is_empty() {
            tracing::warn!(
                "the run has {} [[interventions]]; the expected-value model does not include \
                 them: it attributes the run as if none had happened (docs/interventions.md)",
                scenario.interventions.len()
            );
        }
        world = emergent_sim::build_world(scenario, preloaded)?;
        model_for(scenario, &world).map_err(model_err)?
    };
    let specs = IndicatorSpec::from_scenario(scenario, features.column_names())?;
    let wanted = wanted(&specs, &opts.indicators, &scenario.file)?;
    let static_phi = read_dataset(dir, run_dir::ATTRIBUTION, &IdColumn::Default).ok();
    let order = features.column("followers").map(ranking);
    let (nodes, tol, max_nodes) = opts.quadrature(scenario);
    wanted
        .into_iter()
        .map(|spec| {
            let started = Instant::now();
            let ind: &Indicator = &spec.indicator;
            let outcome = Outcome {
                indicator: ind,
                context: features,
            };
            let quadrature = (nodes, tol, max_nodes);
            let attributed =
                match grouping {
                    None => attribute_dynamic(model.as_ref(), &outcome, nodes, tol, max_nodes).map(
                        |a| dynamic_groups::Grouped {
                            attribution: a,
                            groups: Vec::new(),
                            corner_values: Vec::new(),
                        },
                    ),
                    Some(g) => dynamic_groups::attribute(model.as_ref(), &outcome, g, quadrature),
                };
            let dynamic_groups::Grouped {
                attribution: a,
                groups,
                corner_values,
            } = attributed.map_err(|e| RunError::Indicator {
                file: scenario.file.clone(),
                name: spec.name.clone(),
                message: e.to_string(),
            })?;
            let static_col = static_phi
                .as_ref()
                .and_then(|t| t.column(&format!("phi_{}", spec.name)));
            let comparison = match (&a.note, static_col) {
                (None, Some(s)) => Some(Comparison {
                    spearman: spearman(&a.phi, s),
                    top100_jaccard: top_k_jaccard(&a.phi, s, 100),
                    static_tiers: order
                        .as_ref()
                        .map(|o| tier_shares_ordered(s, o, &[0.01, 0.1]))
                        .unwrap_or_default(),
                }),
                _ => None,
            };
            Ok(DynamicOutcome {
                name: spec.name.clone(),
                expr: ind.text().to_string(),
                value: a.value,
                baseline_value: a.baseline_value,
                baseline_is_limit: a.baseline_is_limit,
                sum_phi: a.sum_phi,
                completeness_gap: a.completeness_gap,
                nodes: a.nodes,
                panels: a.panels,
                tolerance: tol,
                tolerance_met: a.target_met,
                stalled: a.stalled,
                seconds: started.elapsed().as_secs_f64(),
                backward_over_forward: a.backward_seconds / a.forward_seconds.max(1e-12),
                note: a.note.clone(),
                run_value: emergent_attribution::evaluate(features, ind).ok(),
                comparison,
                tiers: match (&a.note, &order) {
                    (None, Some(o)) => tier_shares_ordered(&a.phi, o, &[0.01, 0.1]),
                    _ => Vec::new(),
                },
                groups,
                corner_values,
                anchoring: a.anchoring.map(|x| Anchoring {
                    anchored_panels: x.anchored_panels,
                    replaced_panels: x.replaced_panels,
                    anchored_paths: x.anchored_paths,
                    replaced_paths: x.replaced_paths,
                    quadrature_gap: x.quadrature_gap,
                }),
                phi: a.phi,
            })
        })
        .collect()
}

/// The specs named in `names` (all of them when it is empty), refusing a name the scenario
/// (`file`) does not declare.
pub(crate) fn wanted<'s>(
    specs: &'s [IndicatorSpec],
    names: &[String],
    file: &str,
) -> Result<Vec<&'s IndicatorSpec>, RunError> {
    if names.is_empty() {
        return Ok(specs.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            specs
                .iter()
                .find(|s| &s.name == name)
                .ok_or_else(|| RunError::Indicator {
                    file: file.to_string(),
                    name: name.clone(),
                    message: format!(
                        "no such indicator; the scenario declares: {}",
                        specs
                            .iter()
                            .map(|s| s.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                })
        })
        .collect()
}

pub(crate) fn write(dir: &Path, outcomes: &[DynamicOutcome]) -> Result<(), RunError> {
    write_parquet(dir, outcomes)?;
    run_dir::write_dynamic_attribution(dir, outcomes)?;
    Ok(())
}

/// `dynamic_attribution.parquet`: φ of every agent, one column per indicator.
fn write_parquet(dir: &Path, outcomes: &[DynamicOutcome]) -> Result<(), RunError> {
    let n = outcomes.first().map_or(0, |o| o.phi.len());
    let mut cols = vec![ParquetColumn::I64(
        "agent_id".into(),
        (0..n as i64).collect(),
    )];
    cols.extend(
        outcomes
            .iter()
            .map(|o| ParquetColumn::F64(format!("phi_{}", o.name), o.phi.clone())),
    );
    write_parquet_columns(
        &dir.join(run_dir::parquet_name(run_dir::DYNAMIC_ATTRIBUTION)),
        cols,
    )?;
    Ok(())
}

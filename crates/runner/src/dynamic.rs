//! Dynamic attribution of a finished run: rebuild the run's initial world from its scenario,
//! attribute each indicator through the expected-value dynamics, and compare with the static
//! attribution the run already holds.

use std::path::Path;
use std::time::Instant;

use emergent_attribution::tiers::{ranking, tier_shares_ordered};
use emergent_attribution::{FeatureTable, Indicator, TierShare};
use emergent_dynamics::{Dynamics, Outcome, attribute_dynamic, econ_model_for, model_for};
use emergent_io::{
    IdColumn, IoError, ParquetColumn, atomic_write_bytes, read_dataset, write_parquet_columns,
};
use emergent_scenario::Scenario;
use emergent_sim::network::Network;
use emergent_study::compare::{spearman, top_k_jaccard};
use serde::Serialize;

use crate::error::RunError;
use crate::indicators::IndicatorSpec;

/// What `emergent attribute --dynamic` asks for.
#[derive(Debug, Clone, Default)]
pub struct DynamicOptions {
    /// Indicator names (default: all of the scenario's).
    pub indicators: Vec<String>,
    /// Gauss–Legendre nodes (default: the scenario's `[attribution] nodes`).
    pub nodes: Option<usize>,
    pub tol: Option<f64>,
}

/// One indicator attributed through the dynamics, and how it compares with the static one.
#[derive(Debug, Clone, Serialize)]
pub struct DynamicOutcome {
    pub name: String,
    pub expr: String,
    /// M(1) of the expected-value model.
    pub value: f64,
    /// M(0): nobody influences anybody.
    pub baseline_value: f64,
    /// M(0) is undefined (e.g. a Gini of all-zero wealth) and `baseline_value` is its limit
    /// from inside the path.
    pub baseline_is_limit: bool,
    pub sum_phi: f64,
    pub completeness_gap: f64,
    pub nodes: usize,
    pub seconds: f64,
    /// Adjoint-pass time over forward-pass time (the design goal is ≤ 3).
    pub backward_over_forward: f64,
    pub note: Option<String>,
    /// The stochastic run's value of the same indicator, for how closely the model tracks it.
    pub run_value: Option<f64>,
    pub comparison: Option<Comparison>,
    pub tiers: Vec<TierShare>,
    #[serde(skip)]
    pub phi: Vec<f64>,
}

/// Static vs dynamic attribution of the same indicator.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub spearman: f64,
    pub top100_jaccard: f64,
    pub static_tiers: Vec<TierShare>,
}

fn json_err(p: &Path, e: impl std::fmt::Display) -> RunError {
    RunError::Io(IoError::new(p, e.to_string()))
}

/// Attribute a completed run's indicators through the dynamics; writes
/// `dynamic_attribution.parquet` and `dynamic_attribution.json` into the run directory.
pub fn attribute_dynamic_run(
    dir: &Path,
    opts: &DynamicOptions,
) -> Result<Vec<DynamicOutcome>, RunError> {
    let manifest_path = dir.join("manifest.json");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).map_err(|e| {
            json_err(
                &manifest_path,
                format!("{e}: is this a completed run directory (made by `emergent run`)?"),
            )
        })?)
        .map_err(|e| json_err(&manifest_path, e))?;
    let text = manifest["scenario"]
        .as_str()
        .ok_or_else(|| json_err(&manifest_path, "no `scenario` text"))?;
    let file = manifest["scenario_file"]
        .as_str()
        .unwrap_or("scenario.toml");
    let mut scenario = Scenario::from_str(text, file)?;
    let pairs: Vec<(&str, &str)> = manifest["overrides"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| emergent_scenario::split_override(v.as_str()?).ok())
        .collect();
    scenario.apply_overrides(&pairs)?;
    let preloaded = crate::run_dir::preload_network(&scenario)?;
    let features = read_dataset(dir, "features", &IdColumn::Default)?;
    let outcomes = run(dir, &scenario, preloaded.as_ref(), &features, opts)?;
    write(dir, &outcomes)?;
    Ok(outcomes)
}

/// The same, for a run that is finishing (its scenario and final features at hand).
pub(crate) fn run(
    dir: &Path,
    scenario: &Scenario,
    preloaded: Option<&Network>,
    features: &FeatureTable,
    opts: &DynamicOptions,
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
        world = emergent_sim::build_world(scenario, preloaded)?;
        model_for(scenario, &world).map_err(model_err)?
    };
    let specs = IndicatorSpec::from_scenario(scenario, features.column_names())?;
    let wanted: Vec<&IndicatorSpec> = if opts.indicators.is_empty() {
        specs.iter().collect()
    } else {
        opts.indicators
            .iter()
            .map(|name| {
                specs
                    .iter()
                    .find(|s| &s.name == name)
                    .ok_or_else(|| RunError::Indicator {
                        file: scenario.file.clone(),
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
            .collect::<Result<_, _>>()?
    };
    let static_phi = read_dataset(dir, "attribution", &IdColumn::Default).ok();
    let order = features.column("followers").map(ranking);
    let nodes = opts.nodes.unwrap_or(scenario.attribution.nodes);
    wanted
        .into_iter()
        .map(|spec| {
            let started = Instant::now();
            let ind: &Indicator = &spec.indicator;
            let outcome = Outcome {
                indicator: ind,
                context: features,
            };
            let a = attribute_dynamic(model.as_ref(), &outcome, nodes, opts.tol, 1024).map_err(
                |e| RunError::Indicator {
                    file: scenario.file.clone(),
                    name: spec.name.clone(),
                    message: e.to_string(),
                },
            )?;
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
                seconds: started.elapsed().as_secs_f64(),
                backward_over_forward: a.backward_seconds / a.forward_seconds.max(1e-12),
                note: a.note.clone(),
                run_value: emergent_attribution::evaluate(features, ind).ok(),
                comparison,
                tiers: match (&a.note, &order) {
                    (None, Some(o)) => tier_shares_ordered(&a.phi, o, &[0.01, 0.1]),
                    _ => Vec::new(),
                },
                phi: a.phi,
            })
        })
        .collect()
}

pub(crate) fn write(dir: &Path, outcomes: &[DynamicOutcome]) -> Result<(), RunError> {
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
    write_parquet_columns(&dir.join("dynamic_attribution.parquet"), cols)?;
    let path = dir.join("dynamic_attribution.json");
    let text = serde_json::to_string_pretty(&serde_json::json!({ "indicators": outcomes }))
        .map_err(|e| json_err(&path, e))?;
    atomic_write_bytes(&path, text.as_bytes())?;
    Ok(())
}

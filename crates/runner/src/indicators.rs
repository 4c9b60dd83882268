//! The scenario's macro indicators: parsed up front, evaluated each recorded tick,
//! attributed at the end.

use emergent_attribution::{
    AgentIds, Baseline, FeatureTable, Indicator, Options, TierShare, attribute, tier_shares,
};
use emergent_sim::{Scenario, World};
use serde::Serialize;

use crate::error::RunError;

/// One `[[indicators]]` entry, ready to use.
#[derive(Debug, Clone)]
pub struct IndicatorSpec {
    pub name: String,
    pub indicator: Indicator,
    pub baseline: Baseline,
}

impl IndicatorSpec {
    /// Parse every indicator of the scenario and check it only reads features the world has,
    /// so a typo fails before the run, not after an hour of it.
    pub fn from_scenario(
        scenario: &Scenario,
        features: &[String],
    ) -> Result<Vec<IndicatorSpec>, RunError> {
        let err = |name: &str, message: String| RunError::Indicator {
            file: scenario.file.clone(),
            name: name.to_string(),
            message,
        };
        let mut seen = std::collections::BTreeSet::new();
        scenario
            .indicators
            .iter()
            .map(|c| {
                if !seen.insert(c.name.clone()) {
                    return Err(err(&c.name, "the name is used twice".into()));
                }
                let indicator =
                    Indicator::parse(&c.expr).map_err(|e| err(&c.name, e.to_string()))?;
                if let Some(bad) = indicator
                    .columns()
                    .iter()
                    .find(|col| !features.contains(col))
                {
                    return Err(err(
                        &c.name,
                        format!(
                            "`{bad}` is not a feature of this scenario; features: {}",
                            features.join(", ")
                        ),
                    ));
                }
                let baseline = match c.baseline.as_str() {
                    "zero" => Baseline::Zero,
                    "mean" => Baseline::Mean,
                    "min" => Baseline::Min,
                    other => {
                        return Err(err(
                            &c.name,
                            format!("baseline `{other}` is not zero, mean or min"),
                        ));
                    }
                };
                Ok(IndicatorSpec {
                    name: c.name.clone(),
                    indicator,
                    baseline,
                })
            })
            .collect()
    }
}

/// The world's features as an attribution input (agent ids 0..N).
pub fn feature_table(world: &World) -> FeatureTable {
    let f = world.features();
    FeatureTable::new(
        AgentIds::sequential(world.agents()),
        f.names.into_iter().zip(f.columns).collect(),
    )
    .expect("simulation features are finite, named once and as long as the population")
}

/// An agent among the largest |φ|, with its features for the report.
#[derive(Debug, Clone, Serialize)]
pub struct TopAgent {
    pub agent_id: String,
    pub phi: f64,
    pub share: f64,
    pub features: Vec<(String, f64)>,
}

/// What attributing one indicator gave (or why it could not).
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorOutcome {
    pub name: String,
    pub expr: String,
    pub baseline: String,
    pub value: Option<f64>,
    pub baseline_value: Option<f64>,
    pub sum_phi: Option<f64>,
    pub completeness_gap: Option<f64>,
    pub method: Option<String>,
    pub steps: Option<usize>,
    pub tier_by: Option<String>,
    pub tiers: Vec<TierShare>,
    pub top_agents: Vec<TopAgent>,
    pub error: Option<String>,
    #[serde(skip)]
    pub phi: Option<Vec<f64>>,
}

/// Attribute every indicator on the final table. One indicator failing (say, a Gini of a
/// column nobody touched) is reported, not fatal: the others are still worth having.
pub fn attribute_all(table: &FeatureTable, specs: &[IndicatorSpec]) -> Vec<IndicatorOutcome> {
    let tier_by = table.column("followers").map(|_| "followers".to_string());
    specs
        .iter()
        .map(|s| {
            let mut out = IndicatorOutcome {
                name: s.name.clone(),
                expr: s.indicator.text().to_string(),
                baseline: s.baseline.name(),
                value: None,
                baseline_value: None,
                sum_phi: None,
                completeness_gap: None,
                method: None,
                steps: None,
                tier_by: tier_by.clone(),
                tiers: Vec::new(),
                top_agents: Vec::new(),
                error: None,
                phi: None,
            };
            match attribute(table, &s.indicator, &s.baseline, &Options::default()) {
                Err(e) => out.error = Some(e.to_string()),
                Ok(a) => {
                    out.value = Some(a.value);
                    out.baseline_value = Some(a.baseline_value);
                    out.sum_phi = Some(a.sum_phi);
                    out.completeness_gap = Some(a.completeness_gap);
                    out.method = Some(a.method.name().to_string());
                    out.steps = a.steps;
                    if let Some(col) = tier_by.as_deref().and_then(|c| table.column(c)) {
                        out.tiers = tier_shares(&a.phi, col, &[0.01, 0.1]);
                    }
                    out.top_agents = top_agents(table, &a.phi, a.sum_phi, 10);
                    out.phi = Some(a.phi);
                }
            }
            out
        })
        .collect()
}

fn top_agents(table: &FeatureTable, phi: &[f64], sum: f64, k: usize) -> Vec<TopAgent> {
    let mut order: Vec<usize> = (0..phi.len()).collect();
    let k = k.min(order.len());
    if k == 0 {
        return Vec::new();
    }
    order.select_nth_unstable_by(k - 1, |&i, &j| {
        phi[j].abs().total_cmp(&phi[i].abs()).then(i.cmp(&j))
    });
    order.truncate(k);
    order.sort_by(|&i, &j| phi[j].abs().total_cmp(&phi[i].abs()).then(i.cmp(&j)));
    order
        .into_iter()
        .map(|i| TopAgent {
            agent_id: table.ids().label(i),
            phi: phi[i],
            share: if sum != 0.0 { phi[i] / sum } else { f64::NAN },
            features: table
                .column_names()
                .iter()
                .map(|c| (c.clone(), table.column(c).map_or(f64::NAN, |v| v[i])))
                .collect(),
        })
        .collect()
}

//! `study.json` as the report reads it back.
//!
//! `write_study` renders from this too (it serialises the [`emergent_study::Study`] and reads
//! the JSON back), so every number in `study.md` and the plots provably sits in
//! `study.json`, and the run report can show a study from the file alone. JSON has no NaN —
//! serde writes it as `null` — so every float that can be undefined is an `Option<f64>`.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct StudyData {
    pub n_agents: usize,
    pub panel_size: usize,
    pub seeds: u64,
    pub tier_by: String,
    pub activity_by: String,
    pub cuts: Vec<Option<f64>>,
    pub protocols: Vec<String>,
    pub indicators: Vec<IndicatorData>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IndicatorData {
    pub name: String,
    pub expr: String,
    pub baseline: String,
    pub linear: bool,
    pub full: FullData,
    pub protocols: Vec<ProtocolData>,
    pub verdict: VerdictData,
    #[serde(default)]
    pub baselines: Vec<BaselineData>,
    #[serde(default)]
    pub steps: Vec<StepData>,
    #[serde(default)]
    pub path: Option<PathData>,
    #[serde(default)]
    pub scatter: Vec<ScatterData>,
}

/// (protocol, [(full φ restricted to the panel, panel φ)], c*): the scatter plot of the first
/// seed of one protocol.
pub type ScatterData = (String, Vec<(Option<f64>, Option<f64>)>, Option<f64>);

#[derive(Debug, Clone, Deserialize)]
pub struct FullData {
    pub value: Option<f64>,
    pub baseline_value: Option<f64>,
    pub sum_phi: Option<f64>,
    pub completeness_gap: Option<f64>,
    pub method: String,
    pub steps: Option<usize>,
    pub tiers: Vec<TierData>,
    pub anchors: Vec<AnchorData>,
    pub lorenz: Vec<(Option<f64>, Option<f64>)>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TierData {
    pub name: String,
    pub from: usize,
    pub to: usize,
    pub phi_sum: Option<f64>,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AnchorData {
    pub name: String,
    pub agents: usize,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct SummaryData {
    pub mean: Option<f64>,
    pub sd: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProtocolData {
    pub protocol: String,
    pub tier_shares: Vec<SummaryData>,
    pub tv_distance: SummaryData,
    pub c_star: SummaryData,
    pub residual: SummaryData,
    pub spearman: SummaryData,
    pub top10_jaccard: SummaryData,
    pub panels: Vec<PanelData>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PanelData {
    pub seed: u64,
    pub residual: Option<f64>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VerdictData {
    pub linear: bool,
    pub max_residual: Option<f64>,
    pub rescales: bool,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BaselineData {
    pub baseline: String,
    pub value: Option<f64>,
    pub baseline_value: Option<f64>,
    pub completeness_gap: Option<f64>,
    pub tiers: Vec<TierData>,
    pub spearman_vs_main: Option<f64>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StepData {
    pub steps: usize,
    pub completeness_gap: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PathData {
    pub column_order: Vec<String>,
    pub spearman_vs_diagonal: Option<f64>,
    pub top100_jaccard: Option<f64>,
    pub tiers: Vec<TierData>,
}

impl ProtocolData {
    /// Largest residual over the panels that could be attributed.
    pub fn max_residual(&self) -> Option<f64> {
        self.panels
            .iter()
            .filter(|p| p.error.is_none())
            .filter_map(|p| p.residual)
            .filter(|r| r.is_finite())
            .reduce(f64::max)
    }

    pub fn failed_panels(&self) -> usize {
        self.panels.iter().filter(|p| p.error.is_some()).count()
    }
}

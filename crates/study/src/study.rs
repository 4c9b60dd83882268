//! The study itself: full attribution, panels under each protocol and seed, verdict, sweeps.

use std::collections::HashMap;

use emergent_attribution::rng::SplitMix;
use emergent_attribution::tiers::{ranking, tier_shares_ordered, top_count};
use emergent_attribution::{
    AttributionError, Baseline, FeatureTable, Indicator, Options, TableError, TierShare, attribute,
    attribute_column_path, completeness_gaps,
};
use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use crate::compare::{mean_sd, rescaling, spearman, top_k_jaccard, total_variation};
use crate::panels::{Protocol, draw};

#[derive(Debug, Error)]
pub enum StudyError {
    #[error("indicator `{name}`: {source}")]
    Attribution {
        name: String,
        source: AttributionError,
    },
    #[error(transparent)]
    Table(#[from] TableError),
    #[error(
        "panel size {panel} is larger than the population ({n} agents); use a --panel-size of at most {n}"
    )]
    PanelTooLarge { panel: usize, n: usize },
    #[error("{0}")]
    Invalid(String),
}

/// One indicator to study, with the baseline it is attributed from.
#[derive(Debug, Clone)]
pub struct IndicatorInput {
    pub name: String,
    pub indicator: Indicator,
    pub baseline: Baseline,
}

#[derive(Debug, Clone)]
pub struct StudyConfig {
    pub panel_size: usize,
    pub seeds: u64,
    /// Ranking column for tiers and for the visibility protocol's weights.
    pub tier_by: String,
    /// Weights of the activity protocol.
    pub activity_by: String,
    pub protocols: Vec<Protocol>,
    /// Tier cut points (fractions, highest tier first).
    pub cuts: Vec<f64>,
    /// Quadrature node counts for the completeness-gap sweep.
    pub steps_sweep: Vec<usize>,
    /// Master seed of the panel draws.
    pub seed: u64,
    /// Run the robustness sweeps (baseline, steps, path).
    pub sweeps: bool,
}

impl Default for StudyConfig {
    fn default() -> Self {
        StudyConfig {
            panel_size: 100,
            seeds: 10,
            tier_by: "followers".into(),
            activity_by: "posts".into(),
            protocols: Protocol::ALL.to_vec(),
            cuts: vec![0.01, 0.1],
            steps_sweep: vec![1, 2, 4, 8, 16, 32, 64, 128],
            seed: 0,
            sweeps: true,
        }
    }
}

/// (protocol, points (full φ restricted to the panel, panel φ), best rescaling c*).
pub type Scatter = (Protocol, Vec<(f64, f64)>, f64);

/// Everything a study found.
#[derive(Debug, Clone, Serialize)]
pub struct Study {
    pub n_agents: usize,
    pub panel_size: usize,
    pub seeds: u64,
    pub tier_by: String,
    pub activity_by: String,
    pub cuts: Vec<f64>,
    pub protocols: Vec<Protocol>,
    /// Every panel drawn, in (protocol, seed) order: the same panels serve every indicator.
    pub panels: Vec<PanelDraw>,
    pub indicators: Vec<IndicatorStudy>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PanelDraw {
    pub protocol: Protocol,
    pub seed: u64,
    /// Table rows (0-based) of the panel's agents, ascending.
    pub rows: Vec<usize>,
    pub agent_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorStudy {
    pub name: String,
    pub expr: String,
    pub baseline: String,
    pub linear: bool,
    pub full: FullAttribution,
    pub protocols: Vec<ProtocolStudy>,
    pub verdict: Verdict,
    pub baselines: Vec<BaselineSweep>,
    pub steps: Vec<StepSweep>,
    pub path: Option<PathSweep>,
    /// (full φ restricted to the panel, panel φ) for the first seed of each protocol: the
    /// scatter plot's points.
    pub scatter: Vec<Scatter>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FullAttribution {
    pub value: f64,
    pub baseline_value: f64,
    pub sum_phi: f64,
    pub completeness_gap: f64,
    pub method: String,
    pub steps: Option<usize>,
    pub tiers: Vec<TierShare>,
    pub anchors: Vec<Anchor>,
    /// (share of agents, share of Σφ), agents sorted by φ ascending; at most 513 points.
    pub lorenz: Vec<(f64, f64)>,
}

/// The share of Σφ held by the top of the ranking, for alternative cut-offs.
#[derive(Debug, Clone, Serialize)]
pub struct Anchor {
    pub name: String,
    pub agents: usize,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PanelResult {
    pub seed: u64,
    pub tier_shares: Vec<f64>,
    pub tv_distance: f64,
    pub c_star: f64,
    pub residual: f64,
    pub spearman: f64,
    pub top10_jaccard: f64,
    pub error: Option<String>,
}

/// Mean ± sd over seeds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Summary {
    pub mean: f64,
    pub sd: f64,
}

impl Summary {
    fn of(v: &[f64]) -> Self {
        let (mean, sd) = mean_sd(v);
        Summary { mean, sd }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ProtocolStudy {
    pub protocol: Protocol,
    pub tier_shares: Vec<Summary>,
    pub tv_distance: Summary,
    pub c_star: Summary,
    pub residual: Summary,
    pub spearman: Summary,
    pub top10_jaccard: Summary,
    pub panels: Vec<PanelResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub linear: bool,
    pub max_residual: f64,
    pub rescales: bool,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaselineSweep {
    pub baseline: String,
    pub value: Option<f64>,
    pub baseline_value: Option<f64>,
    pub completeness_gap: Option<f64>,
    pub tiers: Vec<TierShare>,
    pub spearman_vs_main: Option<f64>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepSweep {
    pub steps: usize,
    pub completeness_gap: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PathSweep {
    pub column_order: Vec<String>,
    pub spearman_vs_diagonal: f64,
    pub top100_jaccard: f64,
    pub tiers: Vec<TierShare>,
}

const ATTRIBUTION_TOLERANCE: f64 = 1e-9;

pub fn study(
    table: &FeatureTable,
    inputs: &[IndicatorInput],
    cfg: &StudyConfig,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Study, StudyError> {
    let n = table.len();
    check_config(cfg, n)?;
    let rank_col = table.require(&cfg.tier_by)?;
    let order = ranking(rank_col);
    let (tier_of, tiers) = tier_assignment(n, &order, &cfg.cuts);
    let needs_activity = cfg.protocols.contains(&Protocol::Activity);
    let activity = if needs_activity {
        Some(table.require(&cfg.activity_by)?)
    } else {
        None
    };

    // Panels depend on (protocol, seed) only: draw once, share across indicators.
    progress("drawing panels");
    let draws: Vec<(Protocol, u64)> = cfg
        .protocols
        .iter()
        .flat_map(|&p| (0..cfg.seeds).map(move |s| (p, s)))
        .collect();
    let panels = draw_panels(cfg, &draws, rank_col, activity, &tier_of, tiers);
    let population = Population {
        table,
        cfg,
        order: &order,
        tier_of: &tier_of,
        tiers,
        draws: &draws,
        panels: &panels,
    };

    let mut out = Vec::new();
    for input in inputs {
        out.push(population.study_indicator(input, progress)?);
    }
    Ok(Study {
        n_agents: n,
        panel_size: cfg.panel_size,
        seeds: cfg.seeds,
        tier_by: cfg.tier_by.clone(),
        activity_by: cfg.activity_by.clone(),
        cuts: cfg.cuts.clone(),
        protocols: cfg.protocols.clone(),
        panels: draws
            .iter()
            .zip(panels)
            .map(|(&(protocol, seed), rows)| PanelDraw {
                protocol,
                seed,
                agent_ids: rows.iter().map(|&r| table.ids().label(r)).collect(),
                rows,
            })
            .collect(),
        indicators: out,
    })
}

/// Refuses a panel larger than the population, a panel too small to rank, and zero seeds,
/// before any attribution is spent.
fn check_config(cfg: &StudyConfig, n: usize) -> Result<(), StudyError> {
    if cfg.panel_size > n {
        return Err(StudyError::PanelTooLarge {
            panel: cfg.panel_size,
            n,
        });
    }
    if cfg.panel_size < 2 {
        return Err(StudyError::Invalid(
            "--panel-size must be at least 2".into(),
        ));
    }
    if cfg.seeds == 0 {
        return Err(StudyError::Invalid("--seeds must be at least 1".into()));
    }
    Ok(())
}

/// Each agent's tier (0 = the top) from the ranking `order` and the cut fractions, and the
/// tier count: the stratified protocols and the panel tier shares both read it.
fn tier_assignment(n: usize, order: &[usize], cuts: &[f64]) -> (Vec<u8>, usize) {
    let mut tier_of = vec![0u8; n];
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().map(|c| top_count(n, *c)));
    bounds.push(n);
    for (t, w) in bounds.windows(2).enumerate() {
        for &i in &order[w[0]..w[1].max(w[0])] {
            tier_of[i] = t as u8;
        }
    }
    (tier_of, bounds.len() - 1)
}

/// One panel per (protocol, seed) in `draws`, each from its own keyed SplitMix stream so a
/// panel does not depend on which others are drawn or on the thread count.
fn draw_panels(
    cfg: &StudyConfig,
    draws: &[(Protocol, u64)],
    rank_col: &[f64],
    activity: Option<&[f64]>,
    tier_of: &[u8],
    tiers: usize,
) -> Vec<Vec<usize>> {
    draws
        .par_iter()
        .map(|&(p, s)| {
            let weights: &[f64] = match p {
                Protocol::Visibility => rank_col,
                Protocol::Activity => activity.unwrap_or(rank_col),
                _ => &[],
            };
            let stream = (Protocol::ALL.iter().position(|q| *q == p).unwrap_or(0) as u64) << 32 | s;
            draw(
                p,
                cfg.panel_size,
                weights,
                tier_of,
                tiers,
                &mut SplitMix::keyed(cfg.seed, stream),
            )
        })
        .collect()
}

/// What every indicator's study shares: the population, its ranking and tiers, and the panels.
struct Population<'a> {
    table: &'a FeatureTable,
    cfg: &'a StudyConfig,
    /// Agents from the highest ranking value down.
    order: &'a [usize],
    tier_of: &'a [u8],
    tiers: usize,
    /// (protocol, seed) per panel, protocol-major.
    draws: &'a [(Protocol, u64)],
    /// The panels' rows, in `draws` order.
    panels: &'a [Vec<usize>],
}

impl Population<'_> {
    /// One indicator: its full attribution, every panel's, the per-protocol summaries, the
    /// verdict and (when asked) the robustness sweeps.
    fn study_indicator(
        &self,
        input: &IndicatorInput,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<IndicatorStudy, StudyError> {
        let (table, cfg, order) = (self.table, self.cfg, self.order);
        progress(&format!("{}: full population", input.name));
        let err = |source| StudyError::Attribution {
            name: input.name.clone(),
            source,
        };
        let main = attribute(
            table,
            &input.indicator,
            &input.baseline,
            &Options::default(),
        )
        .map_err(err)?;
        let full_tiers = tier_shares_ordered(&main.phi, order, &cfg.cuts);
        let full_shares: Vec<f64> = full_tiers.iter().map(|t| t.share).collect();
        let full = FullAttribution {
            value: main.value,
            baseline_value: main.baseline_value,
            sum_phi: main.sum_phi,
            completeness_gap: main.completeness_gap,
            method: main.method.name().into(),
            steps: main.steps,
            anchors: anchors(&main.phi, order, main.sum_phi),
            lorenz: lorenz(&main.phi),
            tiers: full_tiers,
        };

        progress(&format!("{}: panels", input.name));
        let results: Vec<PanelResult> = self
            .draws
            .par_iter()
            .zip(self.panels)
            .map(|(&(_, seed), rows)| {
                panel(
                    table,
                    input,
                    rows,
                    &main.phi,
                    self.tier_of,
                    self.tiers,
                    &full_shares,
                    seed,
                )
            })
            .collect();
        let (protocols, scatter) = self.per_protocol(input, &results, &main.phi);
        let linear = input.indicator.is_linear();
        let verdict = verdict(linear, &protocols);

        let (baselines, steps, path) = if cfg.sweeps {
            progress(&format!("{}: robustness sweeps", input.name));
            sweeps(table, input, &main.phi, order, cfg)
        } else {
            (Vec::new(), Vec::new(), None)
        };
        Ok(IndicatorStudy {
            name: input.name.clone(),
            expr: input.indicator.text().to_string(),
            baseline: input.baseline.name(),
            linear,
            full,
            protocols,
            verdict,
            baselines,
            steps,
            path,
            scatter,
        })
    }

    /// Summaries of each protocol's panels (errors left out), and the scatter of its first
    /// panel against the full attribution `phi`.
    fn per_protocol(
        &self,
        input: &IndicatorInput,
        results: &[PanelResult],
        phi: &[f64],
    ) -> (Vec<ProtocolStudy>, Vec<Scatter>) {
        let (cfg, tiers) = (self.cfg, self.tiers);
        let mut protocols = Vec::new();
        let mut scatter = Vec::new();
        for (pi, &p) in cfg.protocols.iter().enumerate() {
            let rs: Vec<PanelResult> =
                results[pi * cfg.seeds as usize..(pi + 1) * cfg.seeds as usize].to_vec();
            let col = |f: &dyn Fn(&PanelResult) -> f64| {
                Summary::of(
                    &rs.iter()
                        .filter(|r| r.error.is_none())
                        .map(f)
                        .collect::<Vec<_>>(),
                )
            };
            protocols.push(ProtocolStudy {
                protocol: p,
                tier_shares: (0..tiers).map(|t| col(&|r| r.tier_shares[t])).collect(),
                tv_distance: col(&|r| r.tv_distance),
                c_star: col(&|r| r.c_star),
                residual: col(&|r| r.residual),
                spearman: col(&|r| r.spearman),
                top10_jaccard: col(&|r| r.top10_jaccard),
                panels: rs,
            });
            let rows = &self.panels[pi * cfg.seeds as usize];
            if let Ok(pa) = panel_phi(self.table, input, rows) {
                let (c, _) = rescaling(&pa, &rows.iter().map(|&r| phi[r]).collect::<Vec<_>>());
                scatter.push((
                    p,
                    rows.iter().zip(&pa).map(|(&r, &q)| (phi[r], q)).collect(),
                    c,
                ));
            }
        }
        (protocols, scatter)
    }
}

/// Whether panels rescale to the population (the largest residual of any successful panel
/// within round-off), read against whether the indicator is affine.
fn verdict(linear: bool, protocols: &[ProtocolStudy]) -> Verdict {
    let max_residual = protocols
        .iter()
        .flat_map(|p| &p.panels)
        .filter(|r| r.error.is_none())
        .map(|r| r.residual)
        .fold(0.0, f64::max);
    let rescales = max_residual <= ATTRIBUTION_TOLERANCE;
    let text = match (linear, rescales) {
        (true, true) => format!(
            "affine indicator: every panel's attribution is the full one rescaled (max residual {max_residual:.1e}, round-off)"
        ),
        (true, false) => format!(
            "affine indicator, yet panels deviate (max residual {max_residual:.3}): check the baseline, which may differ between panel and population"
        ),
        (false, true) => format!(
            "nonlinear indicator, but on these panels the attribution rescales (max residual {max_residual:.1e})"
        ),
        (false, false) => format!(
            "nonlinear indicator: no rescaling of a panel's attribution recovers the population's (max residual {max_residual:.3})"
        ),
    };
    Verdict {
        linear,
        max_residual,
        rescales,
        text,
    }
}

/// The indicator evaluated on the panel as its own population.
fn panel_phi(
    table: &FeatureTable,
    input: &IndicatorInput,
    rows: &[usize],
) -> Result<Vec<f64>, AttributionError> {
    let sub = table.select_rows(rows)?;
    let base = match &input.baseline {
        Baseline::Table(b) => {
            let index: HashMap<String, usize> =
                (0..b.len()).map(|i| (b.ids().label(i), i)).collect();
            let picked: Vec<usize> = rows
                .iter()
                .filter_map(|&r| index.get(&table.ids().label(r)).copied())
                .collect();
            Baseline::Table(b.select_rows(&picked)?)
        }
        other => other.clone(),
    };
    Ok(attribute(&sub, &input.indicator, &base, &Options::default())?.phi)
}

#[allow(clippy::too_many_arguments)]
fn panel(
    table: &FeatureTable,
    input: &IndicatorInput,
    rows: &[usize],
    full: &[f64],
    tier_of: &[u8],
    tiers: usize,
    full_shares: &[f64],
    seed: u64,
) -> PanelResult {
    let mut r = PanelResult {
        seed,
        tier_shares: vec![f64::NAN; tiers],
        tv_distance: f64::NAN,
        c_star: f64::NAN,
        residual: f64::NAN,
        spearman: f64::NAN,
        top10_jaccard: f64::NAN,
        error: None,
    };
    let p = match panel_phi(table, input, rows) {
        Ok(p) => p,
        Err(e) => {
            r.error = Some(e.to_string());
            return r;
        }
    };
    let u: Vec<f64> = rows.iter().map(|&i| full[i]).collect();
    let total: f64 = p.iter().sum();
    let mut shares = vec![0.0; tiers];
    for (k, &i) in rows.iter().enumerate() {
        shares[tier_of[i] as usize] += p[k];
    }
    if total != 0.0 {
        shares.iter_mut().for_each(|s| *s /= total);
        r.tv_distance = total_variation(&shares, full_shares);
    } else {
        shares.iter_mut().for_each(|s| *s = f64::NAN);
    }
    r.tier_shares = shares;
    (r.c_star, r.residual) = rescaling(&p, &u);
    r.spearman = spearman(&p, &u);
    r.top10_jaccard = top_k_jaccard(&p, &u, 10);
    r
}

fn anchors(phi: &[f64], order: &[usize], total: f64) -> Vec<Anchor> {
    let n = phi.len();
    let mut out = Vec::new();
    for (name, k) in [
        ("top 0.1%", top_count(n, 0.001)),
        ("top 1%", top_count(n, 0.01)),
        ("top 5%", top_count(n, 0.05)),
        ("top 100", 100.min(n)),
    ] {
        let s: f64 = order[..k].iter().map(|&i| phi[i]).sum();
        out.push(Anchor {
            name: name.into(),
            agents: k,
            share: if total != 0.0 { s / total } else { f64::NAN },
        });
    }
    out
}

fn lorenz(phi: &[f64]) -> Vec<(f64, f64)> {
    let n = phi.len();
    let mut sorted = phi.to_vec();
    sorted.par_sort_unstable_by(f64::total_cmp);
    let total: f64 = sorted.iter().sum();
    let points = 512.min(n);
    let mut out = vec![(0.0, 0.0)];
    let mut acc = 0.0;
    let mut next = 1;
    for (i, v) in sorted.iter().enumerate() {
        acc += v;
        if (i + 1) * points >= next * n {
            out.push((
                (i + 1) as f64 / n as f64,
                if total != 0.0 { acc / total } else { f64::NAN },
            ));
            next += 1;
        }
    }
    out
}

type Sweeps = (Vec<BaselineSweep>, Vec<StepSweep>, Option<PathSweep>);

fn sweeps(
    table: &FeatureTable,
    input: &IndicatorInput,
    main: &[f64],
    order: &[usize],
    cfg: &StudyConfig,
) -> Sweeps {
    let baselines = [Baseline::Zero, Baseline::Mean, Baseline::Min]
        .into_iter()
        .map(
            |b| match attribute(table, &input.indicator, &b, &Options::default()) {
                Ok(a) => BaselineSweep {
                    baseline: b.name(),
                    value: Some(a.value),
                    baseline_value: Some(a.baseline_value),
                    completeness_gap: Some(a.completeness_gap),
                    tiers: tier_shares_ordered(&a.phi, order, &cfg.cuts),
                    spearman_vs_main: Some(spearman(&a.phi, main)),
                    error: None,
                },
                Err(e) => BaselineSweep {
                    baseline: b.name(),
                    value: None,
                    baseline_value: None,
                    completeness_gap: None,
                    tiers: Vec::new(),
                    spearman_vs_main: None,
                    error: Some(e.to_string()),
                },
            },
        )
        .collect();
    // The gap each K would leave, from the path derivative at the nodes (no per-agent φ).
    let steps = completeness_gaps(table, &input.indicator, &input.baseline, &cfg.steps_sweep)
        .map(|gaps| {
            cfg.steps_sweep
                .iter()
                .zip(gaps)
                .map(|(&k, completeness_gap)| StepSweep {
                    steps: k,
                    completeness_gap,
                })
                .collect()
        })
        .unwrap_or_default();
    let columns = input.indicator.columns().to_vec();
    let path = attribute_column_path(table, &input.indicator, &input.baseline, &columns, 32)
        .ok()
        .map(|a| PathSweep {
            spearman_vs_diagonal: spearman(&a.phi, main),
            top100_jaccard: top_k_jaccard(&a.phi, main, 100),
            tiers: tier_shares_ordered(&a.phi, order, &cfg.cuts),
            column_order: columns,
        });
    (baselines, steps, path)
}

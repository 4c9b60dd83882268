//! The blocks that describe a study: the scaling-bias verdict, then per indicator the
//! full-population tiers and anchors, the panel comparison by protocol, the robustness
//! sweeps, and the four plots. Shared by `study.md` and the run report.

use std::collections::HashSet;

use crate::doc::{Block, Figure, Table, code, strong, text};
use crate::error::ReportError;
use crate::fmt::{num, num_pm, pct, pct_pm, sci, sci_pm, slug};
use crate::plot::{BarSeries, GapVsSteps, Lorenz, Scatter, ScatterPanel, TierBars, render};
use crate::study_data::{IndicatorData, StudyData, TierData};

/// A residual at or below this is round-off: the panel's attribution is the full one rescaled.
/// (The same tolerance the study's verdict uses.)
pub const RESCALE_TOLERANCE: f64 = 1e-9;

/// Blocks for the whole study. `level` is the heading level of its top sections;
/// `plot_dir` is where the plot files are, relative to the document.
pub fn study_blocks(s: &StudyData, level: u8, plot_dir: &str) -> Result<Vec<Block>, ReportError> {
    let mut out = vec![setup(s)];
    out.push(Block::heading(level, "Scaling-bias verdict"));
    out.extend(verdict_table(s));
    let mut stems = HashSet::new();
    for ind in &s.indicators {
        let mut stem = slug(&ind.name);
        let mut k = 2;
        while !stems.insert(stem.clone()) {
            stem = format!("{}-{k}", slug(&ind.name));
            k += 1;
        }
        out.extend(indicator_blocks(
            s,
            ind,
            level,
            &format!("{plot_dir}/{stem}"),
        )?);
    }
    Ok(out)
}

fn setup(s: &StudyData) -> Block {
    let tiers = s
        .indicators
        .first()
        .map(|i| {
            i.full
                .tiers
                .iter()
                .map(|t| t.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    Block::para(vec![
        text(format!(
            "{} agents. Each protocol draws {} panels of {} agents (seeds 0–{}); each panel's attribution is computed on the panel alone, the indicator evaluated on the panel as its own population, and compared with the full-population attribution restricted to the same agents. Tiers rank agents by ",
            s.n_agents,
            s.seeds,
            s.panel_size,
            s.seeds.saturating_sub(1)
        )),
        code(&s.tier_by),
        text(format!(
            " (highest first): {tiers}. Protocols: {}; the activity protocol weights by ",
            s.protocols.join(", ")
        )),
        code(&s.activity_by),
        text("."),
    ])
}

fn verdict_table(s: &StudyData) -> Vec<Block> {
    let mut header = vec!["indicator", "linear"];
    header.extend(s.protocols.iter().map(String::as_str));
    header.push("verdict");
    let mut t = Table::new(&header);
    for ind in &s.indicators {
        let mut row = vec![code(&ind.name), text(if ind.linear { "yes" } else { "no" })];
        for p in &s.protocols {
            let cell = ind
                .protocols
                .iter()
                .find(|q| &q.protocol == p)
                .and_then(|q| q.max_residual());
            row.push(text(sci(cell)));
        }
        row.push(text(if ind.verdict.rescales {
            "rescales"
        } else {
            "does not rescale"
        }));
        t.row_spans(row);
    }
    vec![
        Block::Table(t),
        Block::text(format!(
            "Cells: the largest relative residual ‖p − c*·u‖ / ‖p‖ over a protocol's panels, where p is the panel's own attribution, u the full attribution restricted to the panel and c* the best global rescaling. At most {RESCALE_TOLERANCE:.0e} is round-off: the panel's attribution is the population's, rescaled. Above it, no rescaling repairs the panel."
        )),
    ]
}

fn indicator_blocks(
    s: &StudyData,
    ind: &IndicatorData,
    level: u8,
    stem: &str,
) -> Result<Vec<Block>, ReportError> {
    let sub = level + 1;
    let f = &ind.full;
    let method = match f.steps {
        Some(k) => format!("{}, K = {k}", f.method),
        None => f.method.clone(),
    };
    let mut out = vec![
        Block::heading(level, format!("Indicator {}", ind.name)),
        Block::para(vec![
            code(&ind.name),
            text(" = "),
            code(&ind.expr),
            text(format!(
                " ({}). f(x) = {}, f(x′) at the {} baseline = {}, Σφ = {}, completeness gap {} ({method}).",
                if ind.linear {
                    "affine in the features"
                } else {
                    "nonlinear"
                },
                num(f.value),
                ind.baseline,
                num(f.baseline_value),
                num(f.sum_phi),
                sci(f.completeness_gap)
            )),
        ]),
        Block::para(vec![strong("Verdict: "), text(&ind.verdict.text)]),
        Block::heading(sub, "Full population: tier shares"),
        Block::Table(full_tiers(&f.tiers)),
        Block::heading(sub, "Alternative top-tier anchors"),
        Block::Table({
            let mut t = Table::new(&["anchor", "agents", "share of Σφ"]);
            for a in &f.anchors {
                t.row([a.name.clone(), a.agents.to_string(), pct(a.share)]);
            }
            t
        }),
        Block::heading(sub, "Panels by protocol"),
        Block::Table(protocol_table(s, ind)),
        Block::text(
            "Tier shares and statistics are mean ± sd over seeds. TV: total-variation distance between the panel's tier shares and the population's. c*: best global rescaling of the full attribution onto the panel's; residual: relative error left after it. Spearman ρ and top-10 Jaccard compare the agents' rankings.",
        ),
    ];
    out.extend(sweep_blocks(ind, sub));
    out.extend(figures(s, ind, stem)?.into_iter().map(Block::Figure));
    Ok(out)
}

fn full_tiers(tiers: &[TierData]) -> Table {
    let mut t = Table::new(&["tier", "ranks", "agents", "Σφ", "share of Σφ"]);
    for tier in tiers {
        t.row([
            tier.name.clone(),
            format!("{}–{}", tier.from + 1, tier.to),
            (tier.to - tier.from).to_string(),
            num(tier.phi_sum),
            pct(tier.share),
        ]);
    }
    t
}

fn protocol_table(s: &StudyData, ind: &IndicatorData) -> Table {
    let tier_names: Vec<String> = ind.full.tiers.iter().map(|t| t.name.clone()).collect();
    let mut header: Vec<&str> = vec!["protocol"];
    header.extend(tier_names.iter().map(String::as_str));
    header.extend([
        "TV",
        "c*",
        "residual",
        "Spearman ρ",
        "top-10 Jaccard",
        "panels",
    ]);
    let mut t = Table::new(&header);
    let mut full = vec!["full population".to_string()];
    full.extend(ind.full.tiers.iter().map(|x| pct(x.share)));
    full.extend([
        "0".into(),
        "1".into(),
        "0".into(),
        "1".into(),
        "1".into(),
        format!("{} agents", s.n_agents),
    ]);
    t.row(full);
    for p in &ind.protocols {
        let mut row = vec![p.protocol.clone()];
        row.extend(p.tier_shares.iter().map(|x| pct_pm(x.mean, x.sd)));
        row.extend([
            num_pm(p.tv_distance.mean, p.tv_distance.sd),
            num_pm(p.c_star.mean, p.c_star.sd),
            sci_pm(p.residual.mean, p.residual.sd),
            num_pm(p.spearman.mean, p.spearman.sd),
            num_pm(p.top10_jaccard.mean, p.top10_jaccard.sd),
            format!(
                "{}/{} attributed",
                p.panels.len() - p.failed_panels(),
                p.panels.len()
            ),
        ]);
        t.row(row);
    }
    t
}

fn sweep_blocks(ind: &IndicatorData, level: u8) -> Vec<Block> {
    if ind.baselines.is_empty() && ind.steps.is_empty() && ind.path.is_none() {
        return vec![Block::text("Robustness sweeps were not run (--no-sweeps).")];
    }
    let tier_names: Vec<String> = ind.full.tiers.iter().map(|t| t.name.clone()).collect();
    let shares = |tiers: &[TierData]| -> Vec<String> {
        if tiers.is_empty() {
            vec![crate::fmt::UNDEFINED.to_string(); tier_names.len()]
        } else {
            tiers.iter().map(|t| pct(t.share)).collect()
        }
    };
    let mut out = vec![Block::heading(level, "Robustness: baseline")];
    let mut header: Vec<&str> = vec!["baseline", "f(x′)", "completeness gap"];
    header.extend(tier_names.iter().map(String::as_str));
    header.extend(["Spearman ρ vs main", "note"]);
    let mut t = Table::new(&header);
    for b in &ind.baselines {
        let mut row = vec![
            b.baseline.clone(),
            num(b.baseline_value),
            sci(b.completeness_gap),
        ];
        row.extend(shares(&b.tiers));
        row.push(num(b.spearman_vs_main));
        row.push(b.error.clone().unwrap_or_else(|| {
            if b.baseline == ind.baseline {
                "main".into()
            } else {
                String::new()
            }
        }));
        t.row(row);
    }
    out.push(Block::Table(t));
    out.push(Block::heading(level, "Robustness: quadrature steps"));
    let mut t = Table::new(&["nodes K", "completeness gap |Σφ − (f(x) − f(x′))|"]);
    for st in &ind.steps {
        t.row([st.steps.to_string(), sci(st.completeness_gap)]);
    }
    out.push(Block::Table(t));
    out.push(Block::heading(level, "Robustness: path"));
    match &ind.path {
        Some(p) => {
            let mut header: Vec<&str> = vec!["path", "Spearman ρ vs diagonal", "top-100 Jaccard"];
            header.extend(tier_names.iter().map(String::as_str));
            let mut t = Table::new(&header);
            let mut row = vec![
                "straight diagonal (main)".to_string(),
                "1".into(),
                "1".into(),
            ];
            row.extend(shares(&ind.full.tiers));
            t.row(row);
            let mut row = vec![
                format!("one column at a time: {}", p.column_order.join(" → ")),
                num(p.spearman_vs_diagonal),
                num(p.top100_jaccard),
            ];
            row.extend(shares(&p.tiers));
            t.row(row);
            out.push(Block::Table(t));
        }
        None => out.push(Block::text(
            "The column-by-column path could not be computed for this indicator.",
        )),
    }
    out
}

fn figures(s: &StudyData, ind: &IndicatorData, stem: &str) -> Result<Vec<Figure>, ReportError> {
    let name = &ind.name;
    let mut out = Vec::new();
    let mut series = vec![BarSeries {
        label: "full population".into(),
        shares: ind.full.tiers.iter().map(|t| t.share).collect(),
        sd: vec![None; ind.full.tiers.len()],
    }];
    series.extend(ind.protocols.iter().map(|p| BarSeries {
        label: format!("{} panels", p.protocol),
        shares: p.tier_shares.iter().map(|x| x.mean).collect(),
        sd: p.tier_shares.iter().map(|x| x.sd).collect(),
    }));
    let bars = TierBars {
        title: format!("{name}: tier shares of Σφ"),
        tiers: ind.full.tiers.iter().map(|t| t.name.clone()).collect(),
        series,
    };
    out.push(figure(
        format!("{stem}-tiers.png"),
        format!("{name}: share of the attribution held by each tier (by {}), full population vs panels (mean ± sd over {} seeds)", s.tier_by, s.seeds),
        &bars,
    )?);
    let lorenz = Lorenz {
        title: format!("{name}: Lorenz curve of attribution"),
        points: ind
            .full
            .lorenz
            .iter()
            .filter_map(|&(a, b)| Some((a?, b?)))
            .collect(),
    };
    out.push(figure(
        format!("{stem}-lorenz.png"),
        format!("{name}: cumulative share of Σφ, agents sorted by φ ascending"),
        &lorenz,
    )?);
    let scatter = Scatter {
        title: format!("{name}: full vs panel attribution (seed 0)"),
        x_desc: "full φ".into(),
        y_desc: "panel φ".into(),
        panels: ind
            .scatter
            .iter()
            .map(|(p, pts, c)| ScatterPanel {
                label: p.clone(),
                points: pts.iter().filter_map(|&(a, b)| Some((a?, b?))).collect(),
                c_star: *c,
            })
            .collect(),
    };
    if !scatter.panels.is_empty() {
        out.push(figure(
            format!("{stem}-scatter.png"),
            format!("{name}: each panel agent's full-population φ against its panel φ, first seed of each protocol; the line is the best rescaling p = c*·u"),
            &scatter,
        )?);
    }
    if !ind.steps.is_empty() {
        let points: Vec<(usize, f64)> = ind
            .steps
            .iter()
            .filter_map(|st| Some((st.steps, st.completeness_gap?)))
            .collect();
        let floor = gap_floor(points.iter().map(|p| p.1));
        let zeros = points.iter().filter(|p| p.1.abs() < floor).count();
        let note = if zeros > 0 {
            format!(
                " {zeros} gap(s) below {floor:.0e} (exactly zero: no logarithm) are drawn at {floor:.0e} as hollow markers."
            )
        } else {
            String::new()
        };
        let gap = GapVsSteps {
            title: format!("{name}: completeness gap vs quadrature nodes"),
            points,
            floor,
        };
        out.push(figure(
            format!("{stem}-gap.png"),
            format!("{name}: completeness gap against Gauss–Legendre nodes K, log-log.{note}"),
            &gap,
        )?);
    }
    Ok(out)
}

/// Where exact-zero gaps are drawn: a decade below the smallest nonzero gap, at most 1e-17.
fn gap_floor(gaps: impl Iterator<Item = f64>) -> f64 {
    let smallest = gaps
        .map(f64::abs)
        .filter(|g| *g > 0.0 && g.is_finite())
        .fold(f64::INFINITY, f64::min);
    if smallest.is_finite() {
        (10f64.powf(smallest.log10().floor()) / 10.0).min(1e-17)
    } else {
        1e-17
    }
}

fn figure(
    png_path: String,
    caption: String,
    chart: &impl crate::plot::Chart,
) -> Result<Figure, ReportError> {
    let image = render(&png_path, chart)?;
    Ok(Figure {
        png_path,
        caption,
        image,
    })
}

//! The run report's section on attribution through the dynamics: what the expected-value
//! model says, how it compares with the static attribution of the same run (rank
//! correlation, top-100 overlap, tier shares of each) and a static-vs-dynamic scatter.
//! Where the two disagree is a finding: agents whose features hold the outcome are not
//! always the agents who moved others to it.

use crate::doc::{Block, Figure, Table, code, strong, text};
use crate::error::ReportError;
use crate::fmt::{num, pct, sci};
use crate::plot::{Scatter, ScatterPanel, first_panels, render};
use crate::run_dir::{DynamicData, PLOT_DIR};

/// The section's blocks and how many figures it drew.
pub(crate) fn dynamic_blocks(
    d: &DynamicData,
    scenario: &str,
) -> Result<(Vec<Block>, usize), ReportError> {
    let mut out = vec![Block::heading(2, "Attribution through the dynamics")];
    out.push(Block::para(vec![
        text("Each agent's participation weight w_i scales how strongly its items act on the agents who see them; M(w) is the indicator at the horizon of the expected-value model of this run's policy on its network. φ_i = ∫₀¹ ∂M/∂w_i(α·1) dα (Gauss–Legendre), so Σφ = M(1) − M(0): the outcome minus a world where nobody influences anybody. Compare with the static attribution above, which asks whose final features hold the outcome. Details: "),
        code("emergent attribute --dynamic"),
        text("."),
    ]));
    out.push(summary_table(d));
    notes_and_tiers(d, &mut out);
    if d.points.iter().all(|(_, p)| p.is_empty()) {
        return Ok((out, 0));
    }
    out.push(scatter_figure(d, scenario)?);
    Ok((out, 1))
}

/// One row per indicator: the model's value and baseline, the stochastic run's value, the
/// completeness gap, the cost, and the agreement with the static attribution.
fn summary_table(d: &DynamicData) -> Block {
    let mut t = Table::new(&[
        "indicator",
        "model M(1)",
        "stochastic run",
        "M(0)",
        "Σφ",
        "gap",
        "K",
        "seconds",
        "backward / forward",
        "Spearman ρ vs static",
        "top-100 overlap (Jaccard)",
    ]);
    for i in &d.file.indicators {
        let c = i.comparison.as_ref();
        let m0 = if i.baseline_is_limit {
            format!("{} (limit M(0⁺))", num(Some(i.baseline_value)))
        } else {
            num(Some(i.baseline_value))
        };
        t.row([
            i.name.clone(),
            num(Some(i.value)),
            num(i.run_value),
            m0,
            num(Some(i.sum_phi)),
            gap_cell(i),
            i.nodes.to_string(),
            num(Some(i.seconds)),
            num(Some(i.backward_over_forward)),
            num(c.map(|c| c.spearman)),
            num(c.map(|c| c.top100_jaccard)),
        ]);
    }
    Block::Table(t)
}

/// The completeness gap, with the quadrature's own gap when panels (or paths) were anchored to
/// the change between their ends: the anchored gap is exact by construction, the one before
/// says how much of the split inside the panels is the anchoring's.
fn gap_cell(i: &emergent_io::run_dir::DynamicOutcome) -> String {
    match &i.anchoring {
        Some(a) => format!(
            "{} (before anchoring {})",
            sci(Some(i.completeness_gap)),
            sci(Some(a.quadrature_gap))
        ),
        None => sci(Some(i.completeness_gap)),
    }
}

/// Per indicator: its note, if any, then its static-vs-dynamic tier shares when both exist.
fn notes_and_tiers(d: &DynamicData, out: &mut Vec<Block>) {
    for i in &d.file.indicators {
        if let Some(note) = &i.note {
            out.push(Block::para(vec![
                strong(&i.name),
                text(format!(": {note}")),
            ]));
        }
        let Some(c) = &i.comparison else { continue };
        if i.tiers.is_empty() || c.static_tiers.is_empty() {
            continue;
        }
        out.push(Block::para(vec![
            strong(format!("{}: tier shares", i.name)),
            text(" (agents ranked by followers, highest first), static vs dynamic:"),
        ]));
        let mut tiers = Table::new(&["tier", "agents", "static share", "dynamic share"]);
        for (s, dy) in c.static_tiers.iter().zip(&i.tiers) {
            tiers.row([
                s.name.clone(),
                (s.to - s.from).to_string(),
                pct(Some(s.share)),
                pct(Some(dy.share)),
            ]);
        }
        out.push(Block::Table(tiers));
    }
}

/// The static-vs-dynamic scatter, one panel per indicator with points.
fn scatter_figure(d: &DynamicData, scenario: &str) -> Result<Block, ReportError> {
    let (points, left_out) = first_panels(&d.points, "indicators");
    let chart = Scatter {
        title: format!("{scenario}: static vs dynamic attribution per agent"),
        x_desc: "static φ".into(),
        y_desc: "dynamic φ".into(),
        panels: points
            .iter()
            .map(|(name, pts)| {
                let rho = d
                    .file
                    .indicators
                    .iter()
                    .find(|i| &i.name == name)
                    .and_then(|i| i.comparison.as_ref())
                    .map(|c| c.spearman);
                ScatterPanel {
                    label: format!("{name} (ρ = {})", num(rho)),
                    points: pts.clone(),
                    c_star: None,
                }
            })
            .collect(),
    };
    let png_path = format!("{PLOT_DIR}/static_vs_dynamic.png");
    let image = render(&png_path, &chart)?;
    Ok(Block::Figure(Figure {
        png_path,
        caption: format!(
            "One point per agent (the 200 largest |φ| of each kind and an even sample of the rest): static φ (features at the end) against dynamic φ (influence through the dynamics){}",
            left_out.map_or(String::new(), |n| format!(". {n}"))
        ),
        image,
    }))
}

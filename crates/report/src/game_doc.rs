//! The run report's section on the ground truth (`game.json`, written by `emergent attribute
//! --game`): each group's Shapley value measured by rerunning the simulator with groups
//! silenced, with its 95 % interval, beside the group sums of the static and dynamic
//! attributions. A share outside the interval is marked: that is where an attribution's claim
//! about groups does not hold up against the simulator itself.

use emergent_io::run_dir::{Estimate, GameFile, GameIndicator};

use crate::doc::{Block, Figure, Table, code, strong, text};
use crate::error::ReportError;
use crate::fmt::{num, pct};
use crate::plot::{BarSeries, TierBars, first_panels, render};
use crate::run_dir::PLOT_DIR;

/// The section's blocks and how many figures it drew.
pub(crate) fn game_blocks(
    g: &GameFile,
    scenario: &str,
) -> Result<(Vec<Block>, usize), ReportError> {
    let mut out = vec![Block::heading(
        2,
        "Ground truth: Shapley values of groups by rerunning",
    )];
    let how = match g.permutations {
        None => format!(
            "exact over all {} coalitions",
            1u64 << g.groups.len().min(63)
        ),
        Some(p) => format!("{p} antithetic permutations per replicate"),
    };
    out.push(Block::para(vec![
        text(format!(
            "Players: {} groups (",
            g.groups.len()
        )),
        code(&g.groups_spec),
        text(format!(
            "); v(S) is the indicator at the horizon when every group outside S is silenced from tick 0, \
             {how}, over {} replicates with common random numbers ({} simulator runs, {} s). \
             Shares are of v(N) − v(∅) for the ground truth and of Σφ for the attributions; \
             ✗ marks an attribution's share outside the ground truth's 95 % interval; the twin \
             game (with --twin) is the same game played on the expected-value model. Made by ",
            g.replicates,
            g.runs,
            num(Some(g.seconds)),
        )),
        code("emergent attribute --game"),
        text("."),
    ]));
    for i in &g.indicators {
        out.push(Block::para(vec![
            strong(&i.name),
            text(format!(
                ": v(N) = {}, v(∅) = {}, the run {}",
                estimate(&i.grand),
                estimate(&i.empty),
                num(i.run_value)
            )),
        ]));
        out.push(Block::Table(group_table(i)));
    }
    let (shown, left_out) = first_panels(&g.indicators, "indicators");
    let mut figures = 0;
    for (k, i) in shown.iter().enumerate() {
        out.push(Block::Figure(share_figure(i, scenario, k)?));
        figures += 1;
    }
    if let Some(note) = left_out {
        out.push(Block::text(note));
    }
    Ok((out, figures))
}

/// `mean ± half-width of the 95 % interval`, or the mean alone from one replicate.
fn estimate(e: &Estimate) -> String {
    match e.high.is_finite() && e.mean.is_finite() {
        true => format!("{} ± {}", num(Some(e.mean)), num(Some(e.high - e.mean))),
        false => num(Some(e.mean)),
    }
}

/// A share, marked ✗ when it falls outside the ground truth's interval.
fn beside(share: Option<f64>, truth: &Estimate) -> String {
    match share {
        Some(s) if s.is_finite() && truth.low.is_finite() && !truth.contains(s) => {
            format!("{} ✗", pct(Some(s)))
        }
        s => pct(s),
    }
}

fn interval(e: &Estimate) -> String {
    match e.low.is_finite() && e.high.is_finite() {
        true => format!("[{}, {}]", pct(Some(e.low)), pct(Some(e.high))),
        false => "—".into(),
    }
}

fn group_table(i: &GameIndicator) -> Table {
    let twin = !i.twin_coalition_values.is_empty();
    let mut head = vec![
        "group",
        "agents",
        "Shapley φ",
        "share",
        "95 % interval",
        "static share",
        "dynamic share",
    ];
    if twin {
        head.push("twin game share");
    }
    let mut t = Table::new(&head);
    for g in &i.groups {
        let mut row = vec![
            g.name.clone(),
            g.agents.to_string(),
            estimate(&g.shapley),
            pct(Some(g.share.mean)),
            interval(&g.share),
            beside(g.static_share, &g.share),
            beside(g.dynamic_share, &g.share),
        ];
        if twin {
            row.push(beside(g.twin_share, &g.share));
        }
        t.row(row);
    }
    t
}

/// Grouped bars per group: the ground truth's share with its interval, static, dynamic.
fn share_figure(i: &GameIndicator, scenario: &str, k: usize) -> Result<Figure, ReportError> {
    let half = |e: &Estimate| Some(e.high - e.mean).filter(|h| h.is_finite());
    let mut series = vec![BarSeries {
        label: "ground truth (rerun)".into(),
        shares: i.groups.iter().map(|g| Some(g.share.mean)).collect(),
        sd: i.groups.iter().map(|g| half(&g.share)).collect(),
    }];
    series.push(BarSeries {
        label: "static".into(),
        shares: i.groups.iter().map(|g| g.static_share).collect(),
        sd: vec![None; i.groups.len()],
    });
    if i.groups.iter().any(|g| g.dynamic_share.is_some()) {
        series.push(BarSeries {
            label: "dynamic".into(),
            shares: i.groups.iter().map(|g| g.dynamic_share).collect(),
            sd: vec![None; i.groups.len()],
        });
    }
    if i.groups.iter().any(|g| g.twin_share.is_some()) {
        series.push(BarSeries {
            label: "twin game".into(),
            shares: i.groups.iter().map(|g| g.twin_share).collect(),
            sd: vec![None; i.groups.len()],
        });
    }
    let chart = TierBars {
        title: format!(
            "{scenario}: {} — group shares, ground truth vs attributions",
            i.name
        ),
        tiers: i.groups.iter().map(|g| g.name.clone()).collect(),
        series,
    };
    let png_path = format!("{PLOT_DIR}/game-{k}.png");
    let image = render(&png_path, &chart)?;
    Ok(Figure {
        png_path,
        caption: format!(
            "{}: each group's share of the outcome by rerunning the simulator (error bars: 95 % interval over replicates) beside its share of the static and dynamic attributions",
            i.name
        ),
        image,
    })
}

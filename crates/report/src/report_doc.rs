//! The run report: scenario summary, indicator time series, attribution headline per
//! indicator, the study (when one was run), the manifest's counts and the files.

use emergent_io::run_dir::{IndicatorOutcome, Manifest};

use crate::cascade_doc::cascade_blocks;
use crate::doc::{Block, Document, Figure, Span, Table, code, strong, text};
use crate::dynamic_doc::dynamic_blocks;
use crate::error::ReportError;
use crate::fmt::{num, pct, sci};
use crate::game_doc::game_blocks;
use crate::market_doc::market_blocks;
use crate::opinions::opinion_blocks;
use crate::plot::{TimeSeries, first_panels, render};
use crate::run_dir::{PLOT_DIR, RunInputs};
use crate::study_doc::study_blocks;

/// How many of the largest-|φ| agents the headline lists.
const TOP_AGENTS: usize = 10;

/// The report document, and which of its figures are the report's own (the study's are
/// already on disk under `study/`).
pub struct RunReport {
    pub doc: Document,
    pub own_figures: usize,
}

pub fn run_report(run: &RunInputs) -> Result<RunReport, ReportError> {
    let meta = &run.scenario.scenario;
    let mut blocks = Vec::new();
    if !meta.description.is_empty() {
        blocks.push(Block::text(&meta.description));
    }
    blocks.push(Block::heading(2, "Scenario"));
    blocks.push(Block::Table(scenario_table(run)));
    if let Some(p) = &run.provenance {
        blocks.extend(crate::distilled_doc::provenance_blocks(p, &run.dir));
    }
    let mut own_figures = 0;
    if !run.series.is_empty() {
        blocks.push(Block::heading(2, "Indicators over time"));
        let (series, left_out) = first_panels(&run.series, "indicators");
        let chart = TimeSeries {
            title: format!("{}: indicators per recorded tick", meta.name),
            series,
            markers: intervention_markers(&run.manifest),
        };
        let png_path = format!("{PLOT_DIR}/indicators.png");
        let image = render(&png_path, &chart)?;
        let caption = match run.manifest.interventions.is_empty() {
            true => {
                "Each indicator at every recorded tick (gaps: ticks where the indicator is undefined)"
            }
            false => {
                "Each indicator at every recorded tick (gaps: ticks where the indicator is undefined; vertical lines: the first tick of each intervention, which acts before that tick's decisions)"
            }
        };
        blocks.push(Block::Figure(Figure {
            png_path,
            caption: match left_out {
                Some(note) => format!("{caption}. {note}"),
                None => caption.into(),
            },
            image,
        }));
        own_figures += 1;
    }
    if let Some(o) = &run.opinions {
        let b = opinion_blocks(o, &meta.name)?;
        own_figures += b.iter().filter(|b| matches!(b, Block::Figure(_))).count();
        blocks.extend(b);
    }
    if let Some(m) = &run.market {
        let (b, figures) = market_blocks(m, &run.series, &meta.name)?;
        blocks.extend(b);
        own_figures += figures;
    }
    if let Some(c) = &run.cascades {
        blocks.push(Block::heading(2, "Cascades"));
        let (b, figures) = cascade_blocks(c, &meta.name)?;
        blocks.extend(b);
        own_figures += figures;
    }
    blocks.push(Block::heading(2, "Attribution"));
    if run.attribution.indicators.is_empty() {
        blocks.push(Block::text(
            "The scenario declares no indicators, so nothing was attributed.",
        ));
    }
    for ind in &run.attribution.indicators {
        blocks.extend(headline(ind));
    }
    if let Some(d) = &run.dynamic {
        let (b, figures) = dynamic_blocks(d, &meta.name)?;
        blocks.extend(b);
        own_figures += figures;
    }
    if let Some(g) = &run.game {
        let (b, figures) = game_blocks(g, &meta.name)?;
        blocks.extend(b);
        own_figures += figures;
    }
    if let Some(f) = &run.follows {
        blocks.push(Block::heading(2, "Follow graph"));
        blocks.extend(follow_blocks(f));
    }
    blocks.push(Block::heading(2, "Study: full population vs panels"));
    match &run.study {
        Some(s) => blocks.extend(study_blocks(s, 3, "study/plots")?),
        None => blocks.push(Block::para(vec![
            text("No study in this run directory yet. Run "),
            code(format!("emergent study {}", run.dir.display())),
            text(" to compare the full-population attribution with sampled panels; this report includes it when rewritten."),
        ])),
    }
    blocks.push(Block::heading(2, "Counts"));
    blocks.extend(counts(&run.manifest));
    blocks.push(Block::heading(2, "Files"));
    blocks.push(files(run));
    Ok(RunReport {
        doc: Document {
            title: format!("Run report: {}", meta.name),
            blocks,
        },
        own_figures,
    })
}

fn scenario_table(run: &RunInputs) -> Table {
    let m = &run.manifest;
    let meta = &run.scenario.scenario;
    let mut t = Table::new(&["", ""]);
    t.row(["name".into(), meta.name.clone()]);
    if !m.scenario_file.is_empty() {
        t.row(["scenario file".into(), m.scenario_file.clone()]);
    }
    let count = |c: Option<u64>, or: String| c.map_or(or, |c| c.to_string());
    t.row([
        "agents".into(),
        count(m.counts.agents, run.scenario.population.agents.to_string()),
    ]);
    t.row([
        "ticks".into(),
        count(m.counts.ticks, meta.ticks.to_string()),
    ]);
    if let Some(r) = m.counts.recorded_ticks {
        t.row(["recorded ticks".into(), r.to_string()]);
    }
    t.row(["seed".into(), m.seed.unwrap_or(meta.seed).to_string()]);
    if !m.policy.name.is_empty() {
        t.row(["policy".into(), m.policy.name.clone()]);
    }
    if !m.overrides.is_empty() {
        t.row(["overrides".into(), m.overrides.join(", ")]);
    }
    if let Some(w) = m.timings.wall_seconds {
        t.row(["wall time".into(), format!("{w:.2} s")]);
    }
    // A run without a git commit says so ("0.1.0 @ —").
    if m.emergent_version.is_some() || m.git_commit.is_some() {
        let part = |v: &Option<String>| v.clone().unwrap_or_else(|| crate::fmt::UNDEFINED.into());
        let version = [part(&m.emergent_version), part(&m.git_commit)];
        t.row(["emergent version".into(), version.join(" @ ")]);
    }
    t
}

fn headline(ind: &IndicatorOutcome) -> Vec<Block> {
    let mut out = vec![Block::heading(3, format!("Indicator {}", ind.name))];
    let mut intro: Vec<Span> = vec![code(&ind.name), text(" = "), code(&ind.expr)];
    if let Some(e) = &ind.error {
        intro.push(text(format!(": not attributed ({e}).")));
        out.push(Block::para(intro));
        return out;
    }
    let method = match (&ind.method, ind.steps) {
        (Some(m), Some(k)) => format!("{m}, K = {k}"),
        (Some(m), None) => m.clone(),
        _ => "method unknown".into(),
    };
    intro.push(text(format!(
        ": f(x) = {} at the end of the run, f(x′) = {} at the {} baseline; Σφ = {}, completeness gap {} ({method}).",
        num(ind.value),
        num(ind.baseline_value),
        ind.baseline,
        num(ind.sum_phi),
        sci(ind.completeness_gap)
    )));
    out.push(Block::para(intro));
    let shares = shares_defined(ind);
    if !shares {
        out.push(Block::para(vec![text(
            "Σφ is zero up to rounding (the indicator equals its baseline value), so shares of it are undefined (–); the φ themselves still rank the agents.",
        )]));
    }
    let share = |x: f64| pct(Some(x).filter(|_| shares));
    if !ind.tiers.is_empty() {
        let by = ind.tier_by.clone().unwrap_or_else(|| "?".into());
        out.push(Block::para(vec![
            strong("Tier shares"),
            text(format!(" (agents ranked by {by}, highest first):")),
        ]));
        let mut t = Table::new(&["tier", "agents", "Σφ", "share of Σφ"]);
        for tier in &ind.tiers {
            t.row([
                tier.name.clone(),
                (tier.to - tier.from).to_string(),
                num(Some(tier.phi_sum)),
                share(tier.share),
            ]);
        }
        out.push(Block::Table(t));
    }
    if !ind.top_agents.is_empty() {
        out.push(Block::para(vec![
            strong("Top agents"),
            text(" by |φ|, with their final features:"),
        ]));
        let mut t = Table::new(&["rank", "agent", "φ", "share of Σφ", "features"]);
        for (k, a) in ind.top_agents.iter().take(TOP_AGENTS).enumerate() {
            let features = a
                .features
                .iter()
                .map(|(n, v)| format!("{n} {}", num(Some(*v))))
                .collect::<Vec<_>>()
                .join(", ");
            t.row_spans(vec![
                text((k + 1).to_string()),
                code(&a.agent_id),
                text(num(Some(a.phi))),
                text(share(a.share)),
                text(features),
            ]);
        }
        out.push(Block::Table(t));
    }
    out
}

/// Whether shares of Σφ mean anything: not when Σφ is zero up to rounding against the
/// indicator's own size (e.g. `mean(posts)` at the `mean` baseline: f(x) = f(x′), and
/// φ_i / Σφ would print as 10¹⁶ %).
fn shares_defined(ind: &IndicatorOutcome) -> bool {
    let scale = [ind.value, ind.baseline_value]
        .iter()
        .flatten()
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    match ind.sum_phi {
        Some(total) if total.is_finite() => total.abs() > 1e-10 * scale.max(f64::MIN_POSITIVE),
        _ => false,
    }
}

fn counts(m: &Manifest) -> Vec<Block> {
    let mut out = Vec::new();
    let c = &m.counts;
    if let Some(actions) = c.actions.as_ref().filter(|a| !a.is_empty()) {
        let mut t = Table::new(&["action", "count"]);
        for (k, v) in actions {
            t.row([k.clone(), v.to_string()]);
        }
        out.push(Block::para(vec![
            strong("Actions"),
            text(" taken by the agents:"),
        ]));
        out.push(Block::Table(t));
    }
    // In the manifest's (alphabetical) key order.
    let quantities = [
        ("active_agent_steps", c.active_agent_steps),
        ("agent_steps", c.agent_steps),
        ("agents", c.agents),
        ("edges", c.edges),
        ("exposures", c.exposures),
        ("items", c.items),
        ("months", c.months),
        ("recorded_ticks", c.recorded_ticks),
        ("rejected_actions", c.rejected_actions),
        ("ticks", c.ticks),
    ];
    if c.actions.is_some() || quantities.iter().any(|(_, v)| v.is_some()) {
        let mut t = Table::new(&["quantity", "count"]);
        for (k, v) in quantities {
            if let Some(v) = v {
                t.row([k.replace('_', " "), v.to_string()]);
            }
        }
        out.push(Block::para(vec![strong("Simulation"), text(":")]));
        out.push(Block::Table(t));
    }
    if m.policy.stats.is_empty() {
        let policy = match m.policy.name.as_str() {
            "" => "the surrogate",
            name => name,
        };
        out.push(Block::text(format!(
            "No LLM calls: the agents followed the {policy} policy."
        )));
    } else {
        let mut t = Table::new(&["LLM / policy statistic", "value"]);
        for (k, v) in &m.policy.stats {
            t.row([k.replace('_', " "), stat_text(v.as_ref())]);
        }
        out.push(Block::para(vec![
            strong("LLM calls, tokens and fallbacks"),
            text(" (manifest.policy.stats):"),
        ]));
        out.push(Block::Table(t));
    }
    out
}

/// A policy counter as written: an integer as one, a float with [`num`]'s digits.
fn stat_text(v: Option<&serde_json::Number>) -> String {
    match v {
        None => crate::fmt::UNDEFINED.into(),
        Some(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => u.to_string(),
            (_, Some(i), _) => i.to_string(),
            (_, _, f) => num(f),
        },
    }
}

fn files(run: &RunInputs) -> Block {
    let mut names: Vec<(String, Option<u64>)> = std::fs::read_dir(&run.dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| {
                    let name = e.file_name().to_string_lossy().to_string();
                    let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
                    if is_dir {
                        (format!("{name}/"), None)
                    } else {
                        (name, e.metadata().ok().map(|m| m.len()))
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    for own in ["report.md", "report.html", "plots/"] {
        if !names.iter().any(|(n, _)| n == own) {
            names.push((own.to_string(), None));
        }
    }
    names.sort();
    let items = names
        .into_iter()
        .map(|(n, size)| {
            let what = describe(&n);
            let size = size
                .map(|s| format!(" ({})", human_size(s)))
                .unwrap_or_default();
            vec![code(n), text(format!("{size}{what}"))]
        })
        .collect();
    Block::List(items)
}

fn describe(name: &str) -> &'static str {
    // A partitioned run's shards: `features-r00001.parquet` is rank 1's rows of features.
    if let Some((table, rest)) = name.split_once("-r")
        && rest.len() == "00000.parquet".len()
        && rest.ends_with(".parquet")
    {
        return match table {
            "ticks" => ": per-tick agent state, one rank's agents",
            "features" => ": final per-agent features, one rank's agents",
            "attribution" => ": φ per agent and indicator, one rank's agents",
            "actions" => ": every action one rank's agents took",
            "agents" => ": the scenario's id of each renamed agent, one rank's agents",
            "follows" => ": the follow graph at the start, one rank's followers",
            "follows-final" => ": the follow graph at the end, one rank's followers",
            _ => "",
        };
    }
    match name {
        "shards.json" => ": the shards of each table, in agent order",
        "ticks.parquet" => ": per-tick agent state",
        "features.parquet" => ": final per-agent features (the attribution input)",
        "actions.parquet" => ": every action taken",
        "agents.parquet" => ": the scenario's id of each agent renamed by the METIS partition",
        "follows.parquet" => ": the follow graph at the start (src follows dst)",
        "follows-final.parquet" => ": the follow graph at the end (src follows dst)",
        "indicators.csv" => ": indicator values per recorded tick",
        "cascades.parquet" => {
            ": one row per cascade (root item, origin, start tick, size, last tick)"
        }
        "attribution.parquet" => ": φ per agent and indicator",
        "attribution.json" => ": attribution summaries",
        "dynamic_attribution.parquet" => ": φ per agent and indicator, through the dynamics",
        "dynamic_attribution.json" => ": the dynamic attribution's summaries",
        "game.json" | "game.md" => {
            ": the ground truth, Shapley values of groups by rerunning (`attribute --game`)"
        }
        "market.json" => ": the market's price statistics",
        "distilled_policy.json" => ": the distilled policy this run ran, byte for byte",
        "distilled_fidelity.json" => ": the distilled policy's fidelity report (its distill.json)",
        "decisions.parquet" => ": the LLM agents' decisions (what each prompt showed, what it did)",
        "decision_items.parquet" => ": the feed items each LLM decision's prompt showed",
        "scenario.toml" => ": the scenario as run",
        "manifest.json" => ": counts, timings, versions",
        "report.md" | "report.html" => ": this report",
        "plots/" => ": this report's plots (PNG and SVG)",
        "study/" => ": the study (study.md, study.json, plots/)",
        _ => "",
    }
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// The follow graph at the start and the end: edges, weakly connected components, and stance
/// assortativity along follows (how far accounts follow like-minded accounts).
fn follow_blocks(f: &crate::graph::FollowMeasures) -> Vec<Block> {
    let row = |label: &str, m: &crate::graph::GraphMeasures| {
        vec![
            text(label),
            text(m.edges.to_string()),
            text(m.components.to_string()),
            text(
                m.assortativity
                    .map_or_else(|| "—".to_string(), |r| format!("{r:.3}")),
            ),
        ]
    };
    vec![
        Block::para(vec![
            text("From "),
            code("follows.parquet"),
            text(" (start) and "),
            code("follows-final.parquet"),
            text(
                " (end). Stance assortativity is the Pearson correlation of the follower's and the followee's stance over the follow edges (Newman 2003): 0 when accounts follow regardless of stance, near 1 in echo chambers.",
            ),
        ]),
        Block::Table(Table {
            header: vec![
                "graph".into(),
                "edges".into(),
                "weakly connected components".into(),
                "stance assortativity".into(),
            ],
            rows: vec![row("start", &f.start), row("end", &f.end)],
        }),
    ]
}

/// A marker at the first tick of each of the run's interventions, labelled (one per tick:
/// labels of interventions starting together are joined).
fn intervention_markers(m: &emergent_io::run_dir::Manifest) -> Vec<(f64, String)> {
    let mut by_tick: std::collections::BTreeMap<u32, Vec<&str>> = Default::default();
    for iv in &m.interventions {
        by_tick.entry(iv.from).or_default().push(&iv.label);
    }
    by_tick
        .into_iter()
        .map(|(t, labels)| (t as f64, labels.join(", ")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(value: f64, baseline: f64, sum_phi: f64) -> IndicatorOutcome {
        IndicatorOutcome {
            name: "posts".into(),
            expr: "mean(posts)".into(),
            baseline: "mean".into(),
            value: Some(value),
            baseline_value: Some(baseline),
            sum_phi: Some(sum_phi),
            completeness_gap: Some(0.0),
            method: Some("closed form".into()),
            steps: None,
            tier_by: None,
            tiers: Vec::new(),
            top_agents: vec![emergent_io::run_dir::TopAgent {
                agent_id: "7".into(),
                phi: 0.25,
                share: 0.25 / sum_phi,
                features: Vec::new(),
            }],
            error: None,
            phi: None,
        }
    }

    fn top_share_cell(ind: &IndicatorOutcome) -> String {
        let blocks = headline(ind);
        let Some(Block::Table(t)) = blocks.iter().rev().find(|b| matches!(b, Block::Table(_)))
        else {
            panic!("no top-agents table");
        };
        match &t.rows[0][3] {
            Span::Text(s) | Span::Code(s) | Span::Strong(s) => s.clone(),
        }
    }

    #[test]
    fn shares_of_a_sum_that_is_rounding_noise_are_undefined() {
        // mean(posts) at the mean baseline: f(x) = f(x′), Σφ is cancellation noise.
        let noise = outcome(1.8, 1.8, 3.0e-17);
        assert_eq!(top_share_cell(&noise), crate::fmt::UNDEFINED);
        // A real change keeps its shares.
        let real = outcome(2.8, 1.8, 1.0);
        assert_eq!(top_share_cell(&real), "25.0%");
    }
}

//! The report of an import directory: what the import read (`import.json`), how each
//! feature is distributed, the follow graph, the features over time when the import has
//! ticks, and how to attribute — with the study when one was written into `DIR/study`.

use emergent_attribution::{FeatureTable, Indicator, evaluate};
use emergent_io::TickMeans;
use serde_json::Value;

use crate::doc::{Block, Document, Figure, Table, code, text};
use crate::error::ReportError;
use crate::fmt::num;
use crate::graph::measures;
use crate::import_dir::{IMPORT_JSON, ImportInputs, ImportSource};
use crate::plot::{Series, TimeSeries, render};
use crate::report_doc::RunReport;
use crate::run_dir::PLOT_DIR;
use crate::study_doc::study_blocks;

/// Nested `import.json` entries listed in the summary table, at most: a capture's list of
/// malformed lines or topics is summarised by its length beyond this depth.
const SUMMARY_DEPTH: usize = 3;

pub fn import_report(imp: &ImportInputs) -> Result<RunReport, ReportError> {
    let (title, intro) = match imp.source {
        ImportSource::Oasis => (
            "OASIS simulation",
            vec![
                text("An OASIS simulation database imported by "),
                code("emergent import oasis"),
                text(" (docs/oasis.md): one row per OASIS user."),
            ],
        ),
        ImportSource::Bluesky => (
            "Bluesky capture",
            vec![
                text("A Bluesky Jetstream capture imported by "),
                code("emergent import bluesky"),
                text(": one row per user active in the window."),
            ],
        ),
        ImportSource::Other => ("import", vec![text("An imported dataset.")]),
    };
    let mut blocks = vec![Block::para(intro)];
    blocks.push(Block::heading(2, "Import"));
    blocks.push(Block::para(vec![
        text("From "),
        code(IMPORT_JSON),
        text(format!(
            ": {} agents (rows of features.parquet) with {} features.",
            imp.features.len(),
            imp.features.column_names().len()
        )),
    ]));
    blocks.push(Block::Table(summary_table(&imp.summary)));
    blocks.push(Block::heading(2, "Features"));
    blocks.extend(feature_blocks(&imp.features));
    let mut own_figures = 0;
    if let Some(t) = imp.ticks.as_ref().filter(|t| !t.ticks.is_empty()) {
        blocks.push(Block::heading(2, "Features over time"));
        blocks.extend(tick_blocks(t, title)?);
        own_figures += 1;
    }
    if let Some(edges) = &imp.follows {
        blocks.push(Block::heading(2, "Follow graph"));
        blocks.extend(follow_blocks(edges, &imp.features));
    }
    blocks.push(Block::heading(2, "Attribution"));
    blocks.push(attribution_how(imp));
    blocks.push(Block::heading(2, "Study: full population vs panels"));
    match &imp.study {
        Some(s) => blocks.extend(study_blocks(s, 3, "study/plots")?),
        None => blocks.push(Block::para(vec![
            text("No study in this folder yet. "),
            code(format!(
                "emergent study --features {} --indicator EXPR --baseline mean",
                imp.dir.join("features.parquet").display()
            )),
            text(" writes one into its study/ folder; this report includes it when rewritten."),
        ])),
    }
    Ok(RunReport {
        doc: Document {
            title: format!("Import report: {title}"),
            blocks,
        },
        own_figures,
    })
}

/// `import.json` as rows of (dotted key, value): scalars as written, lists of scalars
/// joined, lists of objects by their `path` or `name` fields (else their number).
fn summary_table(summary: &Value) -> Table {
    let mut t = Table::new(&["import.json", "value"]);
    let mut rows = Vec::new();
    flatten("", summary, 0, &mut rows);
    for (k, v) in rows {
        t.row_spans(vec![code(k), text(v)]);
    }
    t
}

fn flatten(prefix: &str, v: &Value, depth: usize, out: &mut Vec<(String, String)>) {
    let key = |k: &str| match prefix {
        "" => k.to_string(),
        p => format!("{p}.{k}"),
    };
    match v {
        Value::Object(map) if depth < SUMMARY_DEPTH => {
            for (k, v) in map {
                flatten(&key(k), v, depth + 1, out);
            }
        }
        Value::Object(map) => out.push((prefix.into(), format!("{} entries", map.len()))),
        Value::Array(items) => out.push((prefix.into(), list_text(items))),
        Value::Null => out.push((prefix.into(), crate::fmt::UNDEFINED.into())),
        Value::String(s) => out.push((prefix.into(), s.clone())),
        other => out.push((prefix.into(), other.to_string())),
    }
}

fn list_text(items: &[Value]) -> String {
    if items.is_empty() {
        return "none".into();
    }
    let named: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Object(o) => o
                .get("path")
                .or_else(|| o.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string),
            _ => None,
        })
        .collect();
    match named.len() == items.len() {
        true => named.join(", "),
        false => format!("{} entries", items.len()),
    }
}

/// Per feature: mean, standard deviation, maximum and Gini, evaluated by the indicator
/// language itself (so a number here is what `mean(x)`, `std(x)`, `gini(x)` attribute).
fn feature_blocks(features: &FeatureTable) -> Vec<Block> {
    let stat = |f: &str, col: &str| {
        Indicator::parse(&format!("{f}({col})"))
            .ok()
            .and_then(|ind| evaluate(features, &ind).ok())
    };
    let mut t = Table::new(&["feature", "mean", "sd", "max", "Gini"]);
    for name in features.column_names() {
        let max = features
            .column(name)
            .and_then(|c| c.iter().copied().reduce(f64::max));
        t.row_spans(vec![
            code(name),
            text(num(stat("mean", name))),
            text(num(stat("std", name))),
            text(num(max)),
            text(num(stat("gini", name))),
        ]);
    }
    vec![
        Block::para(vec![
            text("Over all agents, as the indicator language computes them (sd: "),
            code("std(x)"),
            text("; Gini: "),
            code("gini(x)"),
            text(", undefined when the feature sums to zero)."),
        ]),
        Block::Table(t),
    ]
}

/// The mean of a few features at every tick (one panel each), and their first and last values.
fn tick_blocks(t: &TickMeans, title: &str) -> Result<Vec<Block>, ReportError> {
    let series: Vec<Series> = t
        .columns
        .iter()
        .enumerate()
        .map(|(c, name)| Series {
            name: format!("mean({name})"),
            points: t
                .ticks
                .iter()
                .map(|(tick, _, m)| (*tick as f64, Some(m[c])))
                .collect(),
        })
        .collect();
    let chart = TimeSeries {
        title: format!("{title}: features per tick (mean over agents)"),
        series,
        markers: Vec::new(),
    };
    let png_path = format!("{PLOT_DIR}/ticks.png");
    let image = render(&png_path, &chart)?;
    let (first, last) = (&t.ticks[0], &t.ticks[t.ticks.len() - 1]);
    let mut table = Table::new(&[
        "feature",
        &format!("mean at tick {}", first.0),
        &format!("mean at tick {}", last.0),
    ]);
    for (c, name) in t.columns.iter().enumerate() {
        table.row_spans(vec![
            code(name),
            text(num(Some(first.2[c]))),
            text(num(Some(last.2[c]))),
        ]);
    }
    Ok(vec![
        Block::para(vec![
            text("From "),
            code("ticks.parquet"),
            text(format!(
                ": {} recorded ticks, {} to {}; each agent's counts as they stood after the tick.",
                t.ticks.len(),
                first.0,
                last.0
            )),
        ]),
        Block::Figure(Figure {
            png_path,
            caption: "The mean over agents of each feature at every recorded tick".into(),
            image,
        }),
        Block::Table(table),
    ])
}

/// Edges, weakly connected components and assortativity of `follows.parquet`: by `stance`
/// when the import has one, else by `followers` (Newman's degree assortativity, in-degree).
fn follow_blocks(edges: &[(u32, u32)], features: &FeatureTable) -> Vec<Block> {
    let by = ["stance", "followers"]
        .into_iter()
        .find(|c| features.column(c).is_some());
    let zeros = vec![0.0; features.len()];
    let values = by.and_then(|c| features.column(c)).unwrap_or(&zeros);
    let m = measures(edges, values);
    let assort = match by {
        Some(_) => m
            .assortativity
            .map_or_else(|| crate::fmt::UNDEFINED.to_string(), |r| format!("{r:.3}")),
        None => crate::fmt::UNDEFINED.to_string(),
    };
    let by = by.unwrap_or("—");
    vec![
        Block::para(vec![
            text("From "),
            code("follows.parquet"),
            text(format!(
                " (src follows dst). Assortativity by {by} is the Pearson correlation of the follower's and the followee's {by} over the follow edges (Newman 2003): positive when accounts follow accounts like themselves, negative when they follow unlike ones."
            )),
        ]),
        Block::Table(Table {
            header: vec![
                "agents".into(),
                "edges".into(),
                "weakly connected components".into(),
                format!("assortativity by {by}"),
            ],
            rows: vec![vec![
                text(m.agents.to_string()),
                text(m.edges.to_string()),
                text(m.components.to_string()),
                text(assort),
            ]],
        }),
    ]
}

/// How to attribute an import: the same commands as for a run, over its feature table.
fn attribution_how(imp: &ImportInputs) -> Block {
    let features = imp.dir.join("features.parquet");
    // Both importers write these engagement counts.
    let example = "gini(likes_received + reposts_received + replies_received)";
    let mut spans = vec![
        text(
            "An import has no scenario and so no declared indicators: attribute any indicator over its features with ",
        ),
        code(format!(
            "emergent attribute --features {} --indicator \"{example}\" --baseline mean",
            features.display()
        )),
        text(" (who made engagement unequal)"),
    ];
    if imp.ticks.is_some() {
        spans.push(text(", or the change since the first tick with "));
        spans.push(code(format!(
            "emergent attribute --features {} --indicator EXPR --baseline initial",
            imp.dir.display()
        )));
        spans.push(text(" (ticks.parquet is the "));
        spans.push(code("initial"));
        spans.push(text(" baseline)"));
    }
    spans.push(text("; add "));
    spans.push(code("--out FILE"));
    spans.push(text(
        " to keep φ per agent. The study below compares the full population with sampled panels.",
    ));
    Block::para(spans)
}

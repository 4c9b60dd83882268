//! The report's policy-provenance section. A run of a distilled policy: where the policy came
//! from (its file and SHA-256, the LLM run it was fitted to, when) and how faithful it is
//! (`distilled_fidelity.json`, the run's copy of `distill.json`: held-out log-loss, accuracy
//! and stance RMSE per choice, distilled vs the hand-written surrogate, and the macro check
//! when `emergent distill --check-seeds` made one). A run with LLM agents: its decision log
//! and how to distill it.
//!
//! The fidelity file is read as JSON and its tables are laid out from the keys it has, so a
//! report written by a newer `emergent distill` (another choice, an econ model) still shows.

use std::path::Path;

use emergent_io::run_dir::{self, DECISIONS, DistilledPolicyUse, Manifest, parquet_name};
use serde_json::Value;

use crate::doc::{Block, Span, Table, code, strong, text};
use crate::error::ReportError;
use crate::fmt::{UNDEFINED, num};

/// What the section shows, read up front.
#[derive(Debug, Clone)]
pub enum PolicyProvenance {
    /// A run of a distilled policy: the manifest's record and the fidelity report it kept.
    Distilled {
        record: DistilledPolicyUse,
        fidelity: Option<Value>,
    },
    /// A run with LLM agents: its decision log's size.
    DecisionLog { decisions: usize, fell_back: usize },
}

/// The run in `dir`'s provenance section's inputs; None for runs of a hand-written policy.
pub fn read_provenance(
    dir: &Path,
    manifest: &Manifest,
) -> Result<Option<PolicyProvenance>, ReportError> {
    if let Some(record) = &manifest.distilled_policy {
        let fidelity = match &record.fidelity {
            Some(name) if dir.join(name).is_file() => {
                Some(run_dir::read_json::<Value>(&dir.join(name)).map_err(input)?)
            }
            _ => None,
        };
        return Ok(Some(PolicyProvenance::Distilled {
            record: record.clone(),
            fidelity,
        }));
    }
    if !dir.join(parquet_name(DECISIONS)).is_file() {
        return Ok(None);
    }
    let (d, _) = run_dir::read_decisions(dir).map_err(input)?;
    Ok(Some(PolicyProvenance::DecisionLog {
        decisions: d.tick.len(),
        fell_back: d.fell_back.iter().filter(|&&f| f != 0).count(),
    }))
}

fn input(e: emergent_io::IoError) -> ReportError {
    ReportError::input(e.path, e.message)
}

/// The section's blocks (`dir` as the reader would type it in a command).
pub fn provenance_blocks(p: &PolicyProvenance, dir: &Path) -> Vec<Block> {
    match p {
        PolicyProvenance::Distilled { record, fidelity } => distilled_blocks(record, fidelity),
        PolicyProvenance::DecisionLog {
            decisions,
            fell_back,
        } => vec![
            Block::heading(2, "Decision log"),
            Block::para(vec![
                text(format!(
                    "The LLM agents' {decisions} decisions ({fell_back} fell back to the surrogate) are recorded in "
                )),
                code("decisions.parquet"),
                text(" and "),
                code("decision_items.parquet"),
                text(". "),
                code(format!(
                    "emergent distill {} --out policy.json",
                    dir.display()
                )),
                text(
                    " fits a policy to them that runs at any N (docs/distill.md); a run of it reports its fidelity.",
                ),
            ]),
        ],
    }
}

fn distilled_blocks(record: &DistilledPolicyUse, fidelity: &Option<Value>) -> Vec<Block> {
    let s = &record.source;
    let mut out = vec![Block::heading(2, "Policy: distilled from an LLM run")];
    let mut intro = vec![
        text("The agents followed a distilled policy (docs/distill.md): "),
        code(&record.path),
        text(" (SHA-256 "),
        code(record.sha256.get(..16).unwrap_or(&record.sha256)),
        text("…, kept in this directory as "),
        code(run_dir::DISTILLED_POLICY),
        text("), fitted to the decisions of the LLM run "),
        code(&s.run_dir),
        text(format!(
            " (scenario {}, seed {}, {} decisions)",
            s.scenario, s.seed, s.decisions
        )),
    ];
    let fitted_at = fidelity
        .as_ref()
        .and_then(|f| f.get("fitted_at")?.as_str())
        .filter(|t| !t.is_empty());
    if let Some(t) = fitted_at {
        intro.push(text(format!(" on {t}")));
    }
    intro.push(text("."));
    out.push(Block::para(intro));
    let Some(f) = fidelity else {
        let note = record
            .fidelity_note
            .as_deref()
            .unwrap_or("no fidelity report");
        out.push(Block::text(format!("Fidelity unknown: {note}.")));
        return out;
    };
    out.extend(fidelity_blocks(f));
    if let Some(m) = f.get("macro_check").filter(|m| !m.is_null()) {
        out.extend(macro_blocks(m));
    }
    out
}

fn fidelity_blocks(f: &Value) -> Vec<Block> {
    let int = |k: &str| {
        f.get(k)
            .and_then(Value::as_u64)
            .map_or(UNDEFINED.into(), |v| v.to_string())
    };
    let mut out = vec![Block::para(vec![
        strong("Held-out fidelity"),
        text(format!(
            " (from {}): fitted on {} decisions, scored on {} held-out ones, {}; {} fell back to the surrogate and were left out. Lower log-loss and RMSE, higher accuracy are better.",
            run_dir::DISTILLED_FIDELITY,
            int("fitted_on"),
            int("held_out"),
            f.get("held_out_rule")
                .and_then(Value::as_str)
                .unwrap_or("held-out agents"),
            int("fell_back"),
        )),
    ])];
    let surrogate = f.get("surrogate").filter(|v| v.is_object());
    let surrogate_name = f
        .get("surrogate_policy")
        .and_then(Value::as_str)
        .unwrap_or("surrogate");
    let header = format!("hand-written surrogate ({surrogate_name})");
    let mut t = match surrogate {
        Some(_) => Table::new(&["measure", "distilled", &header]),
        None => Table::new(&["measure", "distilled"]),
    };
    if let Some(d) = f.get("distilled") {
        for (label, path) in measures(d) {
            let mut row = vec![text(label), text(at(d, &path))];
            if let Some(s) = surrogate {
                row.push(text(at(s, &path)));
            }
            t.row_spans(row);
        }
    }
    out.push(Block::Table(t));
    if let Some(groups) = f
        .get("groups")
        .and_then(Value::as_array)
        .filter(|g| !g.is_empty())
    {
        let mut g = Table::new(&["group", "agents", "decisions fitted", "share", "model"]);
        for grp in groups {
            let field = |k: &str| grp.get(k).map_or(UNDEFINED.into(), cell);
            let pooled = grp.get("pooled").and_then(Value::as_bool).unwrap_or(false);
            g.row([
                field("name"),
                field("agents"),
                field("decisions"),
                field("share"),
                if pooled {
                    "pooled (too few decisions)"
                } else {
                    "its own"
                }
                .into(),
            ]);
        }
        out.push(Block::para(vec![strong("Groups"), text(":")]));
        out.push(Block::Table(g));
    }
    let notes: Vec<Vec<Span>> = f
        .get("notes")
        .and_then(Value::as_array)
        .map(|n| {
            n.iter()
                .filter_map(Value::as_str)
                .map(|s| vec![text(s)])
                .collect()
        })
        .unwrap_or_default();
    if !notes.is_empty() {
        out.push(Block::List(notes));
    }
    out
}

/// The rows of a fidelity object: its counts and overall scores first, then each choice's.
fn measures(d: &Value) -> Vec<(String, Vec<String>)> {
    let Some(obj) = d.as_object() else {
        return Vec::new();
    };
    let first = ["decisions", "log_loss", "accuracy"];
    let mut rows: Vec<(String, Vec<String>)> = first
        .iter()
        .filter(|k| obj.get(**k).is_some_and(Value::is_number))
        .map(|k| (label(k, true), vec![k.to_string()]))
        .collect();
    for (k, v) in obj {
        if v.is_number() && !first.contains(&k.as_str()) {
            rows.push((label(k, true), vec![k.clone()]));
        }
    }
    for (k, v) in obj {
        let Some(inner) = v.as_object() else { continue };
        for (sub, x) in inner {
            if x.is_number() {
                rows.push((
                    format!("{k}: {}", label(sub, false)),
                    vec![k.clone(), sub.clone()],
                ));
            }
        }
    }
    rows
}

/// A readable name of a fidelity key.
fn label(key: &str, whole: bool) -> String {
    match key {
        "decisions" => "decisions scored".into(),
        "log_loss" if whole => "log-loss per decision (all discrete choices)".into(),
        "log_loss" => "log-loss".into(),
        "accuracy" if whole => "accuracy (all discrete choices)".into(),
        "n" => "choices scored".into(),
        other => other.replace("_rmse", " RMSE").replace('_', " "),
    }
}

/// The value at `path` in `v`, formatted.
fn at(v: &Value, path: &[String]) -> String {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .map_or(UNDEFINED.into(), cell)
}

fn cell(v: &Value) -> String {
    match v {
        Value::Number(n) => match n.as_u64() {
            Some(u) => u.to_string(),
            None => num(n.as_f64()),
        },
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Null => UNDEFINED.into(),
        other => other.to_string(),
    }
}

fn macro_blocks(m: &Value) -> Vec<Block> {
    let list = |k: &str| -> String {
        m.get(k)
            .and_then(Value::as_array)
            .map(|v| v.iter().map(cell).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    let mut out = vec![Block::para(vec![
        strong("Macro check"),
        text(format!(
            ": the indicators at the last recorded tick of the distilled policy run at N = {} with seeds {} against the LLM run(s) of seeds {}. Inside: {}.",
            m.get("agents").map_or(UNDEFINED.into(), cell),
            list("seeds"),
            list("llm_seeds"),
            m.get("band").and_then(Value::as_str).unwrap_or("—"),
        )),
    ])];
    let mut t = Table::new(&[
        "indicator",
        "LLM run(s)",
        "distilled runs",
        "distilled mean ± sd",
        "band",
        "inside",
    ]);
    for ind in m
        .get("indicators")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let values = |k: &str| {
            ind.get(k)
                .and_then(Value::as_array)
                .map(|v| v.iter().map(cell).collect::<Vec<_>>().join(" "))
                .unwrap_or_default()
        };
        let f = |k: &str| ind.get(k).and_then(Value::as_f64);
        let inside = match ind.get("inside").and_then(Value::as_bool) {
            Some(true) => "yes",
            Some(false) => "no",
            None => UNDEFINED,
        };
        t.row([
            ind.get("name").map_or(UNDEFINED.into(), cell),
            values("llm"),
            values("distilled"),
            crate::fmt::num_pm(f("distilled_mean"), f("distilled_sd")),
            format!("[{}, {}]", num(f("low")), num(f("high"))),
            inside.into(),
        ]);
    }
    out.push(Block::Table(t));
    out
}

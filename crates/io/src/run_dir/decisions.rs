//! The decision log of an LLM run: `decisions.parquet` (one row per decision an LLM-driven
//! agent made: what the prompt showed about the agent and what the answer did) and
//! `decision_items.parquet` (one row per feed item the prompt showed, in the decisions'
//! order, `rank` 1 first). Written by the runner, read by `emergent distill`.
//! Flags are `UInt32` 0/1; ranks are 1-based feed numbers, as the prompt shows them.

use std::path::Path;

use arrow_array::{Array, ArrayRef, cast::AsArray, types};
use arrow_schema::DataType;

use crate::error::IoError;
use crate::parquet_guard;
use crate::parquet_table::{ParquetColumn, as_f64, open_checked, push_f64};

use super::names::parquet_name;

/// `decisions.parquet`.
pub const DECISIONS: &str = "decisions";
/// `decision_items.parquet`.
pub const DECISION_ITEMS: &str = "decision_items";
/// Item kinds as `decision_items.parquet`'s `kind` column stores them.
pub const ITEM_KINDS: [&str; 4] = ["post", "reply", "repost", "quote"];

/// Rows of `decisions.parquet`, column by column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DecisionRows {
    pub tick: Vec<u32>,
    pub agent: Vec<u32>,
    /// Index of the agent's `[[llm.groups]]` entry (0 without groups).
    pub group: Vec<u32>,
    /// 1: the request failed and the surrogate decided.
    pub fell_back: Vec<u32>,
    /// The agent's stance before deciding.
    pub stance: Vec<f64>,
    pub susceptibility: Vec<f64>,
    /// Items shown (rows of `decision_items.parquet` for this decision).
    pub feed_len: Vec<u32>,
    /// The stance after deciding.
    pub new_stance: Vec<f64>,
    pub post: Vec<u32>,
    pub post_stance: Vec<Option<f64>>,
    /// Feed number replied to.
    pub reply_rank: Vec<Option<u32>>,
    pub reply_stance: Vec<Option<f64>>,
    /// Feed number reposted.
    pub repost_rank: Vec<Option<u32>>,
}

/// Rows of `decision_items.parquet`, column by column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DecisionItemRows {
    pub tick: Vec<u32>,
    pub agent: Vec<u32>,
    /// Feed number (1 = best ranked).
    pub rank: Vec<u32>,
    pub item: Vec<u32>,
    pub author: Vec<u32>,
    pub stance: Vec<f64>,
    /// 1 when the deciding agent follows the author.
    pub followed: Vec<u32>,
    pub likes: Vec<u32>,
    pub shares: Vec<u32>,
    /// Index into [`ITEM_KINDS`].
    pub kind: Vec<u8>,
    /// 1 when the decision liked it.
    pub liked: Vec<u32>,
}

impl DecisionRows {
    pub fn len(&self) -> usize {
        self.tick.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tick.is_empty()
    }

    /// The Parquet columns, in the documented order.
    pub fn into_columns(self) -> Vec<ParquetColumn> {
        use ParquetColumn::*;
        vec![
            U32("tick".into(), self.tick),
            U32("agent".into(), self.agent),
            U32("group".into(), self.group),
            U32("fell_back".into(), self.fell_back),
            F64("stance".into(), self.stance),
            F64("susceptibility".into(), self.susceptibility),
            U32("feed_len".into(), self.feed_len),
            F64("new_stance".into(), self.new_stance),
            U32("post".into(), self.post),
            OptF64("post_stance".into(), self.post_stance),
            OptU32("reply_rank".into(), self.reply_rank),
            OptF64("reply_stance".into(), self.reply_stance),
            OptU32("repost_rank".into(), self.repost_rank),
        ]
    }
}

impl DecisionItemRows {
    pub fn len(&self) -> usize {
        self.tick.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tick.is_empty()
    }

    /// The Parquet columns, in the documented order.
    pub fn into_columns(self) -> Vec<ParquetColumn> {
        use ParquetColumn::*;
        vec![
            U32("tick".into(), self.tick),
            U32("agent".into(), self.agent),
            U32("rank".into(), self.rank),
            U32("item".into(), self.item),
            U32("author".into(), self.author),
            F64("stance".into(), self.stance),
            U32("followed".into(), self.followed),
            U32("likes".into(), self.likes),
            U32("shares".into(), self.shares),
            Dict8("kind".into(), self.kind, &ITEM_KINDS),
            U32("liked".into(), self.liked),
        ]
    }
}

/// The named columns of a Parquet file as f64 (null: NaN); dictionary columns of
/// [`ITEM_KINDS`] as their codes.
pub(super) fn read_columns(path: &Path, names: &[&str]) -> Result<Vec<Vec<f64>>, IoError> {
    let builder = open_checked(path)?;
    let schema = builder.schema().clone();
    let mut at = Vec::with_capacity(names.len());
    for name in names {
        let k = schema
            .fields()
            .iter()
            .position(|f| f.name() == name)
            .ok_or_else(|| {
                IoError::new(
                    path,
                    format!("no `{name}` column (not a decision log of this version?)"),
                )
            })?;
        at.push(k);
    }
    let reader = builder
        .build()
        .map_err(|e| IoError::new(path, e.to_string()))?;
    let mut out = vec![Vec::new(); names.len()];
    for batch in reader {
        let batch = batch.map_err(|e| IoError::new(path, format!("corrupt Parquet data ({e})")))?;
        for (c, &k) in at.iter().enumerate() {
            push_column(path, names[c], batch.column(k), &mut out[c])?;
        }
    }
    Ok(out)
}

fn push_column(path: &Path, name: &str, col: &ArrayRef, out: &mut Vec<f64>) -> Result<(), IoError> {
    if let DataType::Dictionary(..) = col.data_type() {
        let dict = col.as_dictionary_opt::<types::UInt8Type>().ok_or_else(|| {
            IoError::new(
                path,
                format!("column `{name}`: not a byte-keyed dictionary"),
            )
        })?;
        let labels = dict.values().as_string_opt::<i32>().ok_or_else(|| {
            IoError::new(path, format!("column `{name}`: dictionary of non-strings"))
        })?;
        for key in dict.keys().iter() {
            let label = key.map(|k| labels.value(k as usize)).unwrap_or_default();
            let code = ITEM_KINDS.iter().position(|&l| l == label).ok_or_else(|| {
                IoError::new(path, format!("column `{name}`: unknown kind {label:?}"))
            })?;
            out.push(code as f64);
        }
        return Ok(());
    }
    if as_f64(col.data_type()).is_none() {
        return Err(IoError::new(
            path,
            format!("column `{name}` is not numeric"),
        ));
    }
    let start = out.len();
    push_f64(col, out);
    for i in (0..col.len()).filter(|&i| col.is_null(i)) {
        out[start + i] = f64::NAN;
    }
    Ok(())
}

fn opt_u32(v: &[f64]) -> Vec<Option<u32>> {
    v.iter()
        .map(|x| (!x.is_nan()).then_some(*x as u32))
        .collect()
}

fn opt_f64(v: &[f64]) -> Vec<Option<f64>> {
    v.iter().map(|x| (!x.is_nan()).then_some(*x)).collect()
}

fn u32s(v: &[f64]) -> Vec<u32> {
    v.iter().map(|&x| x as u32).collect()
}

/// The decision log of the run in `dir`. Errors name the file; the two tables must agree
/// (each decision's `feed_len` item rows follow in order, with its tick and agent).
pub fn read_decisions(dir: &Path) -> Result<(DecisionRows, DecisionItemRows), IoError> {
    let dpath = dir.join(parquet_name(DECISIONS));
    let ipath = dir.join(parquet_name(DECISION_ITEMS));
    for p in [&dpath, &ipath] {
        if !p.exists() {
            return Err(IoError::new(
                p,
                "no decision log: this run has no LLM-driven agents (or was made by a version \
                 before decision logs); run a scenario with [llm] enabled = true first",
            ));
        }
    }
    let d = parquet_guard::without_panics(&dpath, || {
        read_columns(
            &dpath,
            &[
                "tick",
                "agent",
                "group",
                "fell_back",
                "stance",
                "susceptibility",
                "feed_len",
                "new_stance",
                "post",
                "post_stance",
                "reply_rank",
                "reply_stance",
                "repost_rank",
            ],
        )
    })?;
    let i = parquet_guard::without_panics(&ipath, || {
        read_columns(
            &ipath,
            &[
                "tick", "agent", "rank", "item", "author", "stance", "followed", "likes", "shares",
                "kind", "liked",
            ],
        )
    })?;
    let rows = DecisionRows {
        tick: u32s(&d[0]),
        agent: u32s(&d[1]),
        group: u32s(&d[2]),
        fell_back: u32s(&d[3]),
        stance: d[4].clone(),
        susceptibility: d[5].clone(),
        feed_len: u32s(&d[6]),
        new_stance: d[7].clone(),
        post: u32s(&d[8]),
        post_stance: opt_f64(&d[9]),
        reply_rank: opt_u32(&d[10]),
        reply_stance: opt_f64(&d[11]),
        repost_rank: opt_u32(&d[12]),
    };
    let items = DecisionItemRows {
        tick: u32s(&i[0]),
        agent: u32s(&i[1]),
        rank: u32s(&i[2]),
        item: u32s(&i[3]),
        author: u32s(&i[4]),
        stance: i[5].clone(),
        followed: u32s(&i[6]),
        likes: u32s(&i[7]),
        shares: u32s(&i[8]),
        kind: i[9].iter().map(|&k| k as u8).collect(),
        liked: u32s(&i[10]),
    };
    check_agree(&ipath, &rows, &items)?;
    Ok((rows, items))
}

fn check_agree(ipath: &Path, d: &DecisionRows, i: &DecisionItemRows) -> Result<(), IoError> {
    let mut at = 0usize;
    for r in 0..d.len() {
        for k in 0..d.feed_len[r] {
            let ok = at < i.len()
                && i.tick[at] == d.tick[r]
                && i.agent[at] == d.agent[r]
                && i.rank[at] == k + 1;
            if !ok {
                return Err(IoError::new(
                    ipath,
                    format!(
                        "row {}: expected item {} of decision (tick {}, agent {}) from decisions.parquet row {}",
                        at + 1,
                        k + 1,
                        d.tick[r],
                        d.agent[r],
                        r + 1
                    ),
                ));
            }
            at += 1;
        }
    }
    if at != i.len() {
        return Err(IoError::new(
            ipath,
            format!(
                "{} rows, but decisions.parquet's feed_len sum to {at}",
                i.len()
            ),
        ));
    }
    let bad = (0..d.len()).find(|&r| !(d.stance[r].is_finite() && d.new_stance[r].is_finite()));
    match bad {
        Some(r) => Err(IoError::new(
            &ipath.with_file_name(parquet_name(DECISIONS)),
            format!("row {}: stance or new_stance is missing", r + 1),
        )),
        None => Ok(()),
    }
}

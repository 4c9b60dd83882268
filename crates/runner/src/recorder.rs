//! Per-tick recording into segments, merged into the run's files at the end.
//!
//! A segment is the stretch between two checkpoints. Its parts (`.partial/ticks-SSSSS.parquet`,
//! `actions-…`, `indicators-….csv`) are renamed into place when the segment closes, just
//! before the checkpoint that follows it. A resumed run drops the parts of the segment that was
//! interrupted and rewrites them; the final files are the parts merged in order, one row group
//! per recorded tick, so they are byte-identical to an uninterrupted run's.
//!
//! In a partitioned run every rank records its own agents' rows and actions (`ticks-rRRRRR-SSSSS`
//! and `actions-rRRRRR-SSSSS` parts, merged into `ticks-rRRRRR.parquet` and
//! `actions-rRRRRR.parquet`); rank 0 alone records the indicators.

use std::path::{Path, PathBuf};

use emergent_attribution::FeatureTable;
use emergent_io::run_dir::{
    DECISION_ITEMS, DECISIONS, DecisionItemRows, DecisionRows, INDICATORS_CSV, PARTIAL,
};
use emergent_io::{BackgroundParquet, ParquetColumn, atomic_write_bytes, merge_parquet};
use emergent_sim::action::ACTION_NAMES;
use emergent_sim::items::NO_ITEM;
use emergent_sim::policy::DecisionRecord;
use emergent_sim::{Action, TickReport};

use crate::checkpoint::PartDigest;
use crate::error::RunError;
use crate::fs::{io, remove_if_exists};

/// `agent_id` of `n` consecutive agents from `first` (all of them, or a rank's).
pub(crate) fn agent_id_column(first: usize, n: usize) -> ParquetColumn {
    let first = first as i64;
    ParquetColumn::I64("agent_id".into(), (first..first + n as i64).collect())
}

pub(crate) struct Recorder {
    partial: PathBuf,
    /// `ticks`, or `ticks-rRRRRR` for one rank's rows of a partitioned run.
    ticks_kind: String,
    /// `actions`, or `actions-rRRRRR` for one rank's actions.
    actions_kind: String,
    /// Whether this recorder writes the tick-wide file (indicators).
    globals: bool,
    pub(crate) segment: u32,
    feature_names: Vec<String>,
    indicator_names: Vec<String>,
    ticks: Option<BackgroundParquet>,
    actions: Option<BackgroundParquet>,
    indicator_rows: String,
    /// Whether the run logs its LLM decisions (`decisions.parquet`, `decision_items.parquet`).
    logs_decisions: bool,
    decisions: Option<BackgroundParquet>,
    decision_items: Option<BackgroundParquet>,
    pub(crate) recorded_ticks: u32,
    /// The parts of the closed segments, in the order they were closed: the final files are
    /// merged from exactly these (a part that went missing is an error, not fewer rows).
    closed: Vec<String>,
    /// The digests of `closed[..digests.len()]`, for the checkpoint.
    digests: Vec<PartDigest>,
    /// Recorded columns that are not features (the surveys' answers, NaN where none), for
    /// the next [`Recorder::record_state`] only.
    pub(crate) extra: Vec<(String, Vec<f64>)>,
}

/// `kind-SSSSS.parquet` (`.csv` for the indicators).
fn part_name(kind: &str, segment: u32) -> String {
    let ext = if kind == "indicators" {
        "csv"
    } else {
        "parquet"
    };
    format!("{kind}-{segment:05}.{ext}")
}

fn part(partial: &Path, kind: &str, segment: u32) -> PathBuf {
    partial.join(part_name(kind, segment))
}

/// The kind of a part's file name (`ticks-r00001-00003.parquet` → `ticks-r00001`).
fn kind_of(file: &str) -> &str {
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    stem.rsplit_once('-').map_or(stem, |(kind, _)| kind)
}

impl Recorder {
    /// Start recording at `segment`, after the closed parts `parts` (verified by the
    /// checkpoint; none for a fresh run), discarding any parts from `segment` onwards (an
    /// interrupted segment's leftovers) and any temporary files.
    /// `rank` is `Some(rank)` in a partitioned run.
    pub(crate) fn open(
        dir: &Path,
        segment: u32,
        parts: Vec<PartDigest>,
        feature_names: Vec<String>,
        indicator_names: Vec<String>,
        rank: Option<usize>,
    ) -> Result<Self, RunError> {
        let kind = |table: &str| match rank {
            None => table.to_string(),
            Some(r) => format!("{table}-r{r:05}"),
        };
        let (ticks_kind, actions_kind) = (kind("ticks"), kind("actions"));
        let globals = rank.unwrap_or(0) == 0;
        let mut kinds = vec![ticks_kind.as_str(), actions_kind.as_str()];
        if globals {
            kinds.push("indicators");
        }
        // Decision logs are a one-process run's (LLM runs are not partitioned).
        if rank.is_none() {
            kinds.extend([DECISIONS, DECISION_ITEMS]);
        }
        let partial = dir.join(PARTIAL);
        std::fs::create_dir_all(&partial).map_err(|e| io(&partial, e))?;
        for entry in std::fs::read_dir(&partial).map_err(|e| io(&partial, e))? {
            let entry = entry.map_err(|e| io(&partial, e))?;
            let name = entry.file_name().to_string_lossy().to_string();
            // Temporary files are rank 0's to clear (other ranks' may be in flight).
            let stale = (globals && name.ends_with(".tmp"))
                || kinds.iter().any(|k| {
                    name.strip_prefix(&format!("{k}-"))
                        .and_then(|rest| rest.get(..5))
                        .and_then(|s| s.parse::<u32>().ok())
                        .is_some_and(|s| s >= segment)
                });
            if stale {
                remove_if_exists(&entry.path())?;
            }
        }
        Ok(Recorder {
            partial,
            ticks_kind,
            actions_kind,
            globals,
            segment,
            feature_names,
            indicator_names,
            ticks: None,
            actions: None,
            indicator_rows: String::new(),
            logs_decisions: false,
            decisions: None,
            decision_items: None,
            recorded_ticks: 0,
            closed: parts.iter().map(|p| p.file.clone()).collect(),
            digests: parts,
            extra: Vec::new(),
        })
    }

    /// The features at `tick` of the agents in `table` (all of them, or a rank's, starting at
    /// agent `first`), and the indicators' values.
    pub(crate) fn record_state(
        &mut self,
        tick: u32,
        table: &FeatureTable,
        first: usize,
        values: &[Option<f64>],
    ) -> Result<(), RunError> {
        if self.ticks.is_none() {
            self.ticks = Some(BackgroundParquet::create(&part(
                &self.partial,
                &self.ticks_kind,
                self.segment,
            ))?);
        }
        let n = table.len();
        let mut cols = vec![
            ParquetColumn::U32("tick".into(), vec![tick; n]),
            agent_id_column(first, n),
        ];
        let mut extra = std::mem::take(&mut self.extra);
        for name in &self.feature_names {
            let values = match table.column(name) {
                Some(c) => c.to_vec(),
                None => extra
                    .iter_mut()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| std::mem::take(v))
                    .unwrap_or_else(|| vec![f64::NAN; n]),
            };
            cols.push(ParquetColumn::F64(name.clone(), values));
        }
        self.ticks.as_mut().expect("opened").write(cols)?;
        self.recorded_ticks += 1;
        if !self.globals {
            return Ok(());
        }
        self.indicator_rows.push_str(&tick.to_string());
        for v in values {
            self.indicator_rows.push(',');
            if let Some(v) = v {
                self.indicator_rows.push_str(&format!("{v:?}"));
            }
        }
        self.indicator_rows.push('\n');
        Ok(())
    }

    /// The tick's applied actions (this rank's, in a partitioned run).
    pub(crate) fn record_actions(&mut self, r: &TickReport) -> Result<(), RunError> {
        if self.actions.is_none() {
            self.actions = Some(BackgroundParquet::create(&part(
                &self.partial,
                &self.actions_kind,
                self.segment,
            ))?);
        }
        let n = r.events.len();
        let mut agent = Vec::with_capacity(n);
        let mut action = Vec::with_capacity(n);
        let mut item = Vec::with_capacity(n);
        let mut target = Vec::with_capacity(n);
        let mut value = Vec::with_capacity(n);
        for e in &r.events {
            agent.push(e.agent);
            action.push(e.action.code());
            item.push((e.item != NO_ITEM).then_some(e.item));
            let (t, v) = match e.action {
                Action::Post { stance, .. } => (None, Some(stance as f64)),
                Action::Reply { parent, stance } | Action::Quote { parent, stance } => {
                    (Some(parent), Some(stance as f64))
                }
                Action::Repost { parent } => (Some(parent), None),
                Action::Like { item } => (Some(item), None),
                Action::Follow { agent } | Action::Unfollow { agent } => (Some(agent), None),
                Action::SetStance { value, .. } => (None, Some(value)),
                Action::Trade { quantity } => (None, Some(quantity)),
                Action::Influence { item, delta } => (Some(item), Some(delta)),
                Action::Nothing => (None, None),
            };
            target.push(t);
            value.push(v);
        }
        self.actions.as_mut().expect("opened").write(vec![
            ParquetColumn::U32("tick".into(), vec![r.tick; n]),
            ParquetColumn::U32("agent".into(), agent),
            ParquetColumn::Dict8("action".into(), action, &ACTION_NAMES),
            ParquetColumn::OptU32("item".into(), item),
            ParquetColumn::OptU32("target".into(), target),
            ParquetColumn::OptF64("value".into(), value),
        ])?;
        Ok(())
    }

    /// Log LLM decisions: `finish` then writes the decision tables, empty if none came.
    pub(crate) fn log_decisions(mut self, on: bool) -> Self {
        self.logs_decisions = on;
        self
    }

    /// A tick's LLM decisions with their context.
    pub(crate) fn record_decisions(&mut self, log: &[DecisionRecord]) -> Result<(), RunError> {
        if log.is_empty() {
            return Ok(());
        }
        for (kind, stream) in [
            (DECISIONS, &mut self.decisions),
            (DECISION_ITEMS, &mut self.decision_items),
        ] {
            if stream.is_none() {
                *stream = Some(BackgroundParquet::create(&part(
                    &self.partial,
                    kind,
                    self.segment,
                ))?);
            }
        }
        let (d, i) = crate::decision_log::rows_of(log);
        self.decisions
            .as_mut()
            .expect("opened")
            .write(d.into_columns())?;
        self.decision_items
            .as_mut()
            .expect("opened")
            .write(i.into_columns())?;
        Ok(())
    }

    /// Close the current segment's parts and start the next one.
    fn close_segment(&mut self) -> Result<(), RunError> {
        let names = self.feature_names.clone();
        let segment = self.segment;
        if let Some(s) = self.decisions.take() {
            s.finish(|| DecisionRows::default().into_columns())?;
            self.closed.push(part_name(DECISIONS, segment));
        }
        if let Some(s) = self.decision_items.take() {
            s.finish(|| DecisionItemRows::default().into_columns())?;
            self.closed.push(part_name(DECISION_ITEMS, segment));
        }
        if let Some(s) = self.ticks.take() {
            s.finish(|| Self::empty_ticks(&names))?;
            self.closed.push(part_name(&self.ticks_kind, segment));
        }
        if let Some(s) = self.actions.take() {
            s.finish(Self::empty_actions)?;
            self.closed.push(part_name(&self.actions_kind, segment));
        }
        if self.globals {
            atomic_write_bytes(
                &part(&self.partial, "indicators", segment),
                self.indicator_rows.as_bytes(),
            )?;
            self.closed.push(part_name("indicators", segment));
        }
        self.indicator_rows.clear();
        self.segment += 1;
        Ok(())
    }

    /// Close the current segment for a checkpoint and return the digests of every closed
    /// part, which the checkpoint carries so a resume can check they are all still there.
    pub(crate) fn close_for_checkpoint(&mut self) -> Result<&[PartDigest], RunError> {
        self.close_segment()?;
        for file in &self.closed[self.digests.len()..] {
            self.digests.push(PartDigest::of(&self.partial, file)?);
        }
        Ok(&self.digests)
    }

    fn empty_ticks(names: &[String]) -> Vec<ParquetColumn> {
        let mut c = vec![
            ParquetColumn::U32("tick".into(), vec![]),
            ParquetColumn::I64("agent_id".into(), vec![]),
        ];
        c.extend(names.iter().map(|n| ParquetColumn::F64(n.clone(), vec![])));
        c
    }

    fn empty_actions() -> Vec<ParquetColumn> {
        vec![
            ParquetColumn::U32("tick".into(), vec![]),
            ParquetColumn::U32("agent".into(), vec![]),
            ParquetColumn::Dict8("action".into(), vec![], &ACTION_NAMES),
            ParquetColumn::OptU32("item".into(), vec![]),
            ParquetColumn::OptU32("target".into(), vec![]),
            ParquetColumn::OptF64("value".into(), vec![]),
        ]
    }

    /// This recorder's merged per-tick file in `dir` once [`finish`](Self::finish)ed:
    /// `ticks.parquet`, or this rank's `ticks-rRRRRR.parquet`.
    pub(crate) fn ticks_file(&self, dir: &Path) -> PathBuf {
        dir.join(format!("{}.parquet", self.ticks_kind))
    }

    /// Merge every segment into `ticks.parquet` and `actions.parquet` (or this rank's
    /// `ticks-rRRRRR.parquet` and `actions-rRRRRR.parquet`), and for rank 0 `indicators.csv`.
    pub(crate) fn finish(&mut self, dir: &Path) -> Result<(), RunError> {
        self.close_segment()?;
        let parts = |kind: &str| -> Vec<PathBuf> {
            self.closed
                .iter()
                .filter(|f| kind_of(f) == kind)
                .map(|f| self.partial.join(f))
                .collect()
        };
        for (kind, ticks) in [(&self.ticks_kind, true), (&self.actions_kind, false)] {
            let ps = parts(kind);
            let dest = dir.join(format!("{kind}.parquet"));
            match ps.as_slice() {
                [] if ticks => emergent_io::write_parquet_columns(
                    &dest,
                    Self::empty_ticks(&self.feature_names),
                )?,
                [] => emergent_io::write_parquet_columns(&dest, Self::empty_actions())?,
                // One segment (no checkpoint before the end): the part is the file.
                [only] => std::fs::rename(only, &dest).map_err(|e| io(&dest, e))?,
                many => merge_parquet(many, &dest)?,
            }
        }
        if self.logs_decisions {
            let empty: [fn() -> Vec<ParquetColumn>; 2] = [
                || DecisionRows::default().into_columns(),
                || DecisionItemRows::default().into_columns(),
            ];
            for (kind, empty) in [DECISIONS, DECISION_ITEMS].into_iter().zip(empty) {
                let ps = parts(kind);
                let dest = dir.join(format!("{kind}.parquet"));
                match ps.as_slice() {
                    [] => emergent_io::write_parquet_columns(&dest, empty())?,
                    [only] => std::fs::rename(only, &dest).map_err(|e| io(&dest, e))?,
                    many => merge_parquet(many, &dest)?,
                }
            }
        }
        if !self.globals {
            return Ok(());
        }
        let mut csv = String::from("tick");
        for n in &self.indicator_names {
            csv.push(',');
            csv.push_str(n);
        }
        csv.push('\n');
        for p in parts("indicators") {
            csv.push_str(&std::fs::read_to_string(&p).map_err(|e| io(&p, e))?);
        }
        atomic_write_bytes(&dir.join(INDICATORS_CSV), csv.as_bytes())?;
        Ok(())
    }
}

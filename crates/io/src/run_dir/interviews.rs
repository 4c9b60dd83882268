//! `interviews.parquet`: the answers of `emergent interview` (one row per agent asked per
//! question), kept across interviews of a run: a new interview's rows replace only the rows
//! of the same (agent, tick, question), so nothing asked before is lost.

use std::collections::HashSet;
use std::path::Path;

use arrow_array::{Array, Float64Array, Int64Array, StringArray, UInt32Array};

use crate::batch_column::typed_column;
use crate::error::IoError;
use crate::parquet_table::open_checked;
use crate::{ParquetColumn, atomic_write_bytes, parquet_guard, write_parquet_columns};

/// What the file should be, when a column is missing.
const MISSING: &str = "it is not an interviews table";

/// One answer.
#[derive(Clone, Debug, PartialEq)]
pub struct InterviewRow {
    /// The agent asked.
    pub agent_id: i64,
    /// The tick it was asked as.
    pub tick: u32,
    /// The question.
    pub question: String,
    /// Its answer.
    pub answer: String,
    /// The number, or the index of the choice (0-based); `None`: the question asks for no
    /// value or the answer gave none.
    pub value: Option<f64>,
    /// The choice (empty: not a choice question, or none given).
    pub choice: String,
}

/// The rows of an interviews table written by [`write_interviews`] (Parquet).
pub fn read_interviews(path: &Path) -> Result<Vec<InterviewRow>, IoError> {
    parquet_guard::without_panics(path, || {
        let reader = open_checked(path)?
            .build()
            .map_err(|e| IoError::new(path, format!("not a readable Parquet file ({e})")))?;
        let mut out = Vec::new();
        for batch in reader {
            let b = batch.map_err(|e| IoError::new(path, format!("corrupt Parquet data ({e})")))?;
            let agent = typed_column::<Int64Array>(path, &b, "agent_id", MISSING)?;
            let tick = typed_column::<UInt32Array>(path, &b, "tick", MISSING)?;
            let question = typed_column::<StringArray>(path, &b, "question", MISSING)?;
            let answer = typed_column::<StringArray>(path, &b, "answer", MISSING)?;
            let value = typed_column::<Float64Array>(path, &b, "value", MISSING)?;
            let choice = typed_column::<StringArray>(path, &b, "choice", MISSING)?;
            for r in 0..b.num_rows() {
                out.push(InterviewRow {
                    agent_id: agent.value(r),
                    tick: tick.value(r),
                    question: question.value(r).to_string(),
                    answer: answer.value(r).to_string(),
                    value: (!value.is_null(r)).then(|| value.value(r)),
                    choice: choice.value(r).to_string(),
                });
            }
        }
        Ok(out)
    })
}

/// `earlier` rows without those `new` replaces (same agent, tick and question), then `new`.
pub fn merge_interviews(earlier: Vec<InterviewRow>, new: Vec<InterviewRow>) -> Vec<InterviewRow> {
    let asked: HashSet<(i64, u32, &str)> = new
        .iter()
        .map(|r| (r.agent_id, r.tick, r.question.as_str()))
        .collect();
    let mut out: Vec<InterviewRow> = earlier
        .into_iter()
        .filter(|r| !asked.contains(&(r.agent_id, r.tick, r.question.as_str())))
        .collect();
    out.extend(new);
    out
}

/// A CSV field, quoted when it must be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Write `rows` atomically to `path`: CSV when it ends in `.csv`, else Parquet. Columns
/// `agent_id` (Int64), `tick` (UInt32), `question`, `answer` (strings), `value` (Float64,
/// null when none; an empty cell in CSV), `choice` (string, empty when none).
pub fn write_interviews(path: &Path, rows: &[InterviewRow]) -> Result<(), IoError> {
    let csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if csv {
        let mut s = String::from("agent_id,tick,question,answer,value,choice\n");
        for r in rows {
            s.push_str(&format!(
                "{},{},{},{},{},{}\n",
                r.agent_id,
                r.tick,
                csv_field(&r.question),
                csv_field(&r.answer),
                r.value.map_or(String::new(), |v| format!("{v:?}")),
                csv_field(&r.choice)
            ));
        }
        return atomic_write_bytes(path, s.as_bytes());
    }
    write_parquet_columns(
        path,
        vec![
            ParquetColumn::I64("agent_id".into(), rows.iter().map(|r| r.agent_id).collect()),
            ParquetColumn::U32("tick".into(), rows.iter().map(|r| r.tick).collect()),
            ParquetColumn::Str(
                "question".into(),
                rows.iter().map(|r| r.question.clone()).collect(),
            ),
            ParquetColumn::Str(
                "answer".into(),
                rows.iter().map(|r| r.answer.clone()).collect(),
            ),
            ParquetColumn::OptF64("value".into(), rows.iter().map(|r| r.value).collect()),
            ParquetColumn::Str(
                "choice".into(),
                rows.iter().map(|r| r.choice.clone()).collect(),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(agent: i64, q: &str, value: Option<f64>) -> InterviewRow {
        InterviewRow {
            agent_id: agent,
            tick: 3,
            question: q.into(),
            answer: "I think, \"so\"".into(),
            value,
            choice: String::new(),
        }
    }

    #[test]
    fn rows_round_trip_and_a_new_interview_replaces_only_its_own_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("interviews.parquet");
        let first = vec![row(1, "a", Some(0.5)), row(2, "a", None)];
        write_interviews(&p, &first).unwrap();
        assert_eq!(read_interviews(&p).unwrap(), first);
        let merged = merge_interviews(
            read_interviews(&p).unwrap(),
            vec![row(2, "a", Some(1.0)), row(2, "b", None)],
        );
        assert_eq!(merged.len(), 3);
        assert_eq!(merged[0], first[0]);
        assert_eq!(merged[1].value, Some(1.0));
        let c = dir.path().join("i.csv");
        write_interviews(&c, &first).unwrap();
        let text = std::fs::read_to_string(&c).unwrap();
        assert!(
            text.contains("1,3,a,\"I think, \"\"so\"\"\",0.5,\n"),
            "{text}"
        );
    }
}

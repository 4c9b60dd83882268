//! The items each agent made, read back from a run's `actions.parquet`: what an LLM agent's
//! memory (its own recent posts) held at any tick, for an interview after the run.
//!
//! Every item is created by a `post`, `reply`, `quote` or `repost` row whose `item` is the new
//! item's id. A post, reply or quote carries its stance in `value`; a repost takes its
//! parent's stance, which is found among the items made before it (the parent of a repost is
//! always an earlier item).

use std::collections::HashMap;
use std::path::Path;

use arrow_array::types::UInt8Type;
use arrow_array::{Array, DictionaryArray, Float64Array, StringArray, UInt32Array};

use crate::batch_column::typed_column;
use crate::error::IoError;
use crate::parquet_guard;
use crate::parquet_table::open_checked;

/// What the file should be, when a column is missing.
const MISSING: &str = "is it a run's actions.parquet?";

/// One item an agent made.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AuthoredItem {
    /// Tick it was made.
    pub tick: u32,
    /// Its author.
    pub agent: u32,
    /// Its id.
    pub item: u32,
    /// The stance it expresses (`None`: a repost of an item this table does not hold).
    pub stance: Option<f64>,
}

/// Every item made in the run of `actions.parquet` at `path`, in the order they were made.
pub fn authored_items(path: &Path) -> Result<Vec<AuthoredItem>, IoError> {
    parquet_guard::without_panics(path, || read(path))
}

/// The `action` column's names, row by row (dictionary-encoded as written, or plain).
fn action_names(path: &Path, batch: &arrow_array::RecordBatch) -> Result<Vec<String>, IoError> {
    let a = batch
        .column_by_name("action")
        .ok_or_else(|| IoError::new(path, "has no `action` column"))?;
    if let Some(d) = a.as_any().downcast_ref::<DictionaryArray<UInt8Type>>() {
        let labels = d
            .values()
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| IoError::new(path, "column `action` has an unexpected type"))?;
        return Ok(d
            .keys()
            .iter()
            .map(|k| k.map_or(String::new(), |k| labels.value(k as usize).to_string()))
            .collect());
    }
    let s = a
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| IoError::new(path, "column `action` has an unexpected type"))?;
    Ok((0..s.len()).map(|i| s.value(i).to_string()).collect())
}

fn read(path: &Path) -> Result<Vec<AuthoredItem>, IoError> {
    let reader = open_checked(path)?
        .build()
        .map_err(|e| IoError::new(path, format!("not a readable Parquet file ({e})")))?;
    let mut out = Vec::new();
    let mut stance_of: HashMap<u32, Option<f64>> = HashMap::new();
    for batch in reader {
        let batch = batch.map_err(|e| IoError::new(path, format!("corrupt Parquet data ({e})")))?;
        let tick = typed_column::<UInt32Array>(path, &batch, "tick", MISSING)?;
        let agent = typed_column::<UInt32Array>(path, &batch, "agent", MISSING)?;
        let item = typed_column::<UInt32Array>(path, &batch, "item", MISSING)?;
        let target = typed_column::<UInt32Array>(path, &batch, "target", MISSING)?;
        let value = typed_column::<Float64Array>(path, &batch, "value", MISSING)?;
        let action = action_names(path, &batch)?;
        for (r, name) in action.iter().enumerate() {
            if item.is_null(r) {
                continue;
            }
            let stance = match name.as_str() {
                "post" | "reply" | "quote" => (!value.is_null(r)).then(|| value.value(r)),
                "repost" if !target.is_null(r) => {
                    stance_of.get(&target.value(r)).copied().flatten()
                }
                _ => continue,
            };
            stance_of.insert(item.value(r), stance);
            out.push(AuthoredItem {
                tick: tick.value(r),
                agent: agent.value(r),
                item: item.value(r),
                stance,
            });
        }
    }
    Ok(out)
}

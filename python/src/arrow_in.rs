//! A table handed over by Python through the Arrow C stream interface (a PyCapsule named
//! `arrow_array_stream`, what `__arrow_c_stream__` returns) → a [`FeatureTable`].
//!
//! Float64 columns without nulls in one chunk are shared, not copied: the table reads the
//! caller's buffer where it lies and keeps it alive; so are Int64 id columns. Other numeric
//! columns (integers, float32, booleans) and tables in several chunks are converted, as they
//! must be to become one contiguous `[f64]`. Nothing here checks what the table checks when it
//! is built (finite values, unique ids): those checks are the library's, done once.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch};
use arrow_schema::DataType;
use emergent_attribution::{AgentIds, FeatureTable, IntIds, SharedColumn};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods};

use crate::errors::EmergentError;

/// The capsule name the Arrow PyCapsule interface gives a stream.
const STREAM: &std::ffi::CStr = c"arrow_array_stream";

/// Where the agent ids come from (the CLI's `--id-col`).
pub enum Ids<'a> {
    /// This column; it must exist.
    Named(&'a str),
    /// `agent_id` when present, else row numbers.
    Default,
}

/// Every record batch of the stream in `capsule` (the stream is moved out of the capsule).
pub fn read_stream(capsule: &Bound<'_, PyCapsule>) -> PyResult<Vec<RecordBatch>> {
    let ptr = capsule.pointer_checked(Some(STREAM))?;
    // SAFETY: the capsule holds an `ArrowArrayStream` (its name says so, by the PyCapsule
    // interface's contract); `from_raw` moves it out and leaves a released stream behind, so
    // the capsule's destructor does not release it twice.
    let reader =
        unsafe { RecordBatchStreamReader::from_raw(ptr.as_ptr().cast::<FFI_ArrowArrayStream>()) }
            .map_err(|e| EmergentError::new_err(format!("reading the Arrow stream: {e}")))?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| EmergentError::new_err(format!("reading the Arrow stream: {e}")))
}

/// The feature table made of the columns `uses` (those the indicator and the tiers read) and
/// the ids of `batches`, with the ids as an Arrow array (results hand it back as it came, not
/// copied; row numbers when the table has no id column, shared with the table the same way).
pub fn feature_table(
    batches: &[RecordBatch],
    ids: &Ids<'_>,
    uses: &[String],
) -> PyResult<(FeatureTable, ArrayRef)> {
    let Some(first) = batches.first() else {
        return Err(EmergentError::new_err("the table has no rows"));
    };
    let schema = first.schema();
    let id_name = match ids {
        Ids::Named(name) => {
            if schema.index_of(name).is_err() {
                return Err(EmergentError::new_err(format!(
                    "id column `{name}` not found; the table has {}",
                    names(batches).join(", ")
                )));
            }
            Some(*name)
        }
        Ids::Default => schema
            .index_of(emergent_io::IdColumn::DEFAULT_NAME)
            .ok()
            .map(|_| emergent_io::IdColumn::DEFAULT_NAME),
    };
    let mut columns = Vec::with_capacity(uses.len());
    for name in uses {
        if columns.iter().any(|(n, _)| n == name) || Some(name.as_str()) == id_name {
            continue;
        }
        let Ok(array) = column(batches, name) else {
            return Err(EmergentError::new_err(format!(
                "column `{name}` not found; the table has {}",
                names(batches).join(", ")
            )));
        };
        columns.push((name.clone(), values(name, &array)?));
    }
    let n: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let id_array: ArrayRef = match id_name {
        Some(name) => column(batches, name)?,
        None => Arc::new(Int64Array::from_iter_values(0..n as i64)),
    };
    let agent_ids = agent_ids(id_name.unwrap_or("row number"), &id_array)?;
    let table = FeatureTable::from_shared(agent_ids, columns).map_err(crate::errors::to_py)?;
    Ok((table, id_array))
}

fn names(batches: &[RecordBatch]) -> Vec<String> {
    batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

/// Column `name` as one array: the chunk itself when there is one (no copy), else the
/// chunks concatenated.
fn column(batches: &[RecordBatch], name: &str) -> PyResult<ArrayRef> {
    let missing = || EmergentError::new_err(format!("column `{name}` not found"));
    if let [one] = batches {
        return one.column_by_name(name).cloned().ok_or_else(missing);
    }
    let chunks: Vec<&dyn Array> = batches
        .iter()
        .map(|b| {
            b.column_by_name(name)
                .map(|a| a.as_ref())
                .ok_or_else(missing)
        })
        .collect::<PyResult<_>>()?;
    arrow_select::concat::concat(&chunks)
        .map_err(|e| EmergentError::new_err(format!("column `{name}`: {e}")))
}

/// The values of a feature column: shared when Float64, converted otherwise. A null is an
/// error naming the column and row, as a table file's missing value is.
fn values(name: &str, array: &ArrayRef) -> PyResult<SharedColumn> {
    if let Some(nulls) = array.nulls()
        && nulls.null_count() > 0
    {
        let row = (0..array.len()).find(|&i| array.is_null(i)).unwrap_or(0);
        return Err(EmergentError::new_err(format!(
            "column `{name}`, row {row}: missing value (null); fill or drop it first"
        )));
    }
    let converted: Vec<f64> = match array.data_type() {
        DataType::Float64 => {
            let shared: SharedColumn =
                Arc::new(array.as_primitive::<Float64Type>().values().clone());
            return Ok(shared);
        }
        DataType::Float32 => widen(array.as_primitive::<Float32Type>().values()),
        DataType::Int8 => widen(array.as_primitive::<Int8Type>().values()),
        DataType::Int16 => widen(array.as_primitive::<Int16Type>().values()),
        DataType::Int32 => widen(array.as_primitive::<Int32Type>().values()),
        DataType::Int64 => array
            .as_primitive::<Int64Type>()
            .values()
            .iter()
            .map(|&v| v as f64)
            .collect(),
        DataType::UInt8 => widen(array.as_primitive::<UInt8Type>().values()),
        DataType::UInt16 => widen(array.as_primitive::<UInt16Type>().values()),
        DataType::UInt32 => widen(array.as_primitive::<UInt32Type>().values()),
        DataType::UInt64 => array
            .as_primitive::<UInt64Type>()
            .values()
            .iter()
            .map(|&v| v as f64)
            .collect(),
        DataType::Boolean => array
            .as_boolean()
            .values()
            .iter()
            .map(|b| b as u8 as f64)
            .collect(),
        other => {
            return Err(EmergentError::new_err(format!(
                "column `{name}` holds {other}, not numbers"
            )));
        }
    };
    Ok(Arc::new(converted))
}

fn widen<T: Copy + Into<f64>>(values: &[T]) -> Vec<f64> {
    values.iter().map(|&v| v.into()).collect()
}

/// Integer or text ids, as a table file's are read; Int64 ids are shared, not copied.
fn agent_ids(name: &str, array: &ArrayRef) -> PyResult<AgentIds> {
    if array.null_count() > 0 {
        return Err(EmergentError::new_err(format!(
            "id column `{name}` has missing values"
        )));
    }
    let text = |v: Vec<String>| Ok(AgentIds::Text(v));
    match array.data_type() {
        DataType::Int64 => Ok(AgentIds::Int(IntIds::shared(Arc::new(
            array.as_primitive::<Int64Type>().values().clone(),
        )))),
        DataType::Int32 => Ok(AgentIds::Int(
            array
                .as_primitive::<Int32Type>()
                .values()
                .iter()
                .map(|&v| v as i64)
                .collect(),
        )),
        DataType::UInt32 => Ok(AgentIds::Int(
            array
                .as_primitive::<UInt32Type>()
                .values()
                .iter()
                .map(|&v| v as i64)
                .collect(),
        )),
        DataType::UInt64 => array
            .as_primitive::<UInt64Type>()
            .values()
            .iter()
            .map(|&v| i64::try_from(v))
            .collect::<Result<_, _>>()
            .map(AgentIds::Int)
            .map_err(|_| {
                EmergentError::new_err(format!("id column `{name}`: an id exceeds 2^63 − 1"))
            }),
        DataType::Utf8 => text(
            array
                .as_string::<i32>()
                .iter()
                .flatten()
                .map(String::from)
                .collect(),
        ),
        DataType::LargeUtf8 => text(
            array
                .as_string::<i64>()
                .iter()
                .flatten()
                .map(String::from)
                .collect(),
        ),
        DataType::Utf8View => text(
            array
                .as_string_view()
                .iter()
                .flatten()
                .map(String::from)
                .collect(),
        ),
        other => Err(EmergentError::new_err(format!(
            "id column `{name}` holds {other}; ids are integers or text"
        ))),
    }
}

/// The address of the values `table` reads for column `name`, or for its ids when `name` is
/// the id column (tests check that Float64 columns and Int64 ids are read where Arrow put
/// them).
pub fn column_address(table: &FeatureTable, name: &str) -> Option<usize> {
    if let Some(c) = table.column(name) {
        return Some(c.as_ptr() as usize);
    }
    match table.ids() {
        AgentIds::Int(ids) if name == emergent_io::IdColumn::DEFAULT_NAME => {
            Some(ids.as_ptr() as usize)
        }
        _ => None,
    }
}

use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, UInt32Array,
    cast::AsArray, types,
};
use arrow_schema::{DataType, Field, Schema};
use emergent_attribution::{AgentIds, FeatureTable};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::error::IoError;
use crate::parquet_guard;
use crate::skipped::{SkippedColumn, TableRead};
use crate::{IdColumn, atomic_write, table_error};

pub(crate) fn read(path: &Path, ids: &IdColumn) -> Result<TableRead, IoError> {
    read_rows(path, ids, false)
}

/// As [`read`], but a file without rows is an empty table (a shard of a rank with no agents).
pub(crate) fn read_allowing_empty(path: &Path, ids: &IdColumn) -> Result<TableRead, IoError> {
    read_rows(path, ids, true)
}

/// Numeric columns become features. A column of another type, or one with a missing value,
/// cannot be a feature: it is left out and listed in [`TableRead::skipped`] with why.
fn read_rows(path: &Path, ids: &IdColumn, allow_empty: bool) -> Result<TableRead, IoError> {
    parquet_guard::without_panics(path, || read_rows_unguarded(path, ids, allow_empty))
}

/// Open `path` as Parquet, with a footer checked for values the reader would panic on.
pub(crate) fn open_checked(
    path: &Path,
) -> Result<ParquetRecordBatchReaderBuilder<std::fs::File>, IoError> {
    let file = std::fs::File::open(path).map_err(|e| IoError::io(path, &e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| IoError::new(path, format!("not a readable Parquet file ({e})")))?;
    parquet_guard::check_metadata(path, builder.metadata())?;
    Ok(builder)
}

fn read_rows_unguarded(
    path: &Path,
    ids: &IdColumn,
    allow_empty: bool,
) -> Result<TableRead, IoError> {
    let builder = open_checked(path)?;
    let schema = builder.schema().clone();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let id_at = id_column_index(path, ids, &names)?;
    let mut skipped = Vec::new();
    let mut numeric: Vec<usize> = Vec::new();
    for k in (0..names.len()).filter(|&k| Some(k) != id_at) {
        let t = schema.field(k).data_type();
        if as_f64(t).is_some() {
            numeric.push(k);
        } else {
            skipped.push(SkippedColumn {
                name: names[k].clone(),
                problem: format!("column `{}` has type {t}, which is not numeric", names[k]),
            });
        }
    }
    let reader = builder
        .build()
        .map_err(|e| IoError::new(path, format!("not a readable Parquet file ({e})")))?;
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); numeric.len()];
    let mut missing: Vec<Option<usize>> = vec![None; numeric.len()];
    let mut int_ids: Vec<i64> = Vec::new();
    let mut text_ids: Vec<String> = Vec::new();
    let mut rows = 0usize;
    for batch in reader {
        let batch = batch.map_err(|e| {
            IoError::new(path, format!("corrupt Parquet data after row {rows} ({e})"))
        })?;
        for (slot, &k) in numeric.iter().enumerate() {
            if missing[slot].is_some() {
                continue;
            }
            let col = batch.column(k);
            if let Some(r) = (0..col.len()).find(|&r| col.is_null(r)) {
                missing[slot] = Some(rows + r + 1);
                columns[slot] = Vec::new();
                continue;
            }
            push_f64(col, &mut columns[slot]);
        }
        if let Some(k) = id_at {
            push_ids(
                path,
                batch.column(k),
                &names[k],
                rows,
                &mut int_ids,
                &mut text_ids,
            )?;
        }
        rows += batch.num_rows();
    }
    let agent_ids = match id_at {
        None => AgentIds::sequential(rows),
        Some(_) if !text_ids.is_empty() => AgentIds::Text(text_ids),
        Some(_) => AgentIds::Int(int_ids.into()),
    };
    let mut cols = Vec::with_capacity(numeric.len());
    for ((&k, values), gap) in numeric.iter().zip(columns).zip(missing) {
        match gap {
            None => cols.push((names[k].clone(), values)),
            Some(row) => skipped.push(SkippedColumn {
                name: names[k].clone(),
                problem: format!(
                    "row {row}, column `{}`: the value is missing (null)",
                    names[k]
                ),
            }),
        }
    }
    let table = if allow_empty {
        FeatureTable::shard(agent_ids, cols)
    } else {
        FeatureTable::new(agent_ids, cols)
    };
    let table = table.map_err(|e| table_error(path, e, |r| format!("row {}", r + 1)))?;
    Ok(TableRead { table, skipped })
}

/// Where the agent id column is: the one --id-col names (an error when absent), else
/// `agent_id` if the file has it, else none (rows are numbered).
fn id_column_index(
    path: &Path,
    ids: &IdColumn,
    names: &[String],
) -> Result<Option<usize>, IoError> {
    Ok(match ids {
        IdColumn::Named(n) => Some(names.iter().position(|h| h == n).ok_or_else(|| {
            IoError::new(
                path,
                format!(
                    "no id column `{n}`; the file has: {}. Pick one with --id-col",
                    names.join(", ")
                ),
            )
        })?),
        IdColumn::Default => names.iter().position(|h| h == IdColumn::DEFAULT_NAME),
    })
}

/// Appends one batch's agent ids (`col`, the id column `name`, starting after `rows` rows) to
/// the integer or the text ids by the column's type; a null id or a type that cannot be an id
/// is an error.
fn push_ids(
    path: &Path,
    col: &ArrayRef,
    name: &str,
    rows: usize,
    int_ids: &mut Vec<i64>,
    text_ids: &mut Vec<String>,
) -> Result<(), IoError> {
    if let Some(r) = (0..col.len()).find(|&r| col.is_null(r)) {
        return Err(IoError::new(
            path,
            format!(
                "row {}, column `{name}`: the agent id is missing (null)",
                rows + r + 1
            ),
        ));
    }
    match col.data_type() {
        DataType::Utf8 => text_ids.extend(
            col.as_string::<i32>()
                .iter()
                .map(|s| s.unwrap_or("").to_string()),
        ),
        DataType::LargeUtf8 => text_ids.extend(
            col.as_string::<i64>()
                .iter()
                .map(|s| s.unwrap_or("").to_string()),
        ),
        DataType::Utf8View => text_ids.extend(
            col.as_string_view()
                .iter()
                .map(|s| s.unwrap_or("").to_string()),
        ),
        t if as_f64(t).is_some() && t.is_integer() => {
            let mut tmp = Vec::new();
            push_f64(col, &mut tmp);
            int_ids.extend(tmp.into_iter().map(|v| v as i64));
        }
        other => {
            return Err(IoError::new(
                path,
                format!("id column `{name}` has type {other}; use integer or text ids"),
            ));
        }
    }
    Ok(())
}

pub(crate) fn as_f64(t: &DataType) -> Option<()> {
    use DataType::*;
    matches!(
        t,
        Float64
            | Float32
            | Float16
            | Int8
            | Int16
            | Int32
            | Int64
            | UInt8
            | UInt16
            | UInt32
            | UInt64
            | Boolean
    )
    .then_some(())
}

pub(crate) fn push_f64(col: &ArrayRef, out: &mut Vec<f64>) {
    macro_rules! prim {
        ($t:ty) => {
            out.extend(col.as_primitive::<$t>().values().iter().map(|v| *v as f64))
        };
    }
    match col.data_type() {
        DataType::Float64 => prim!(types::Float64Type),
        DataType::Float32 => prim!(types::Float32Type),
        DataType::Float16 => out.extend(
            col.as_primitive::<types::Float16Type>()
                .values()
                .iter()
                .map(|v| v.to_f64()),
        ),
        DataType::Int8 => prim!(types::Int8Type),
        DataType::Int16 => prim!(types::Int16Type),
        DataType::Int32 => prim!(types::Int32Type),
        DataType::Int64 => prim!(types::Int64Type),
        DataType::UInt8 => prim!(types::UInt8Type),
        DataType::UInt16 => prim!(types::UInt16Type),
        DataType::UInt32 => prim!(types::UInt32Type),
        DataType::UInt64 => prim!(types::UInt64Type),
        DataType::Boolean => out.extend(
            col.as_boolean()
                .iter()
                .map(|b| if b == Some(true) { 1.0 } else { 0.0 }),
        ),
        _ => unreachable!("filtered by as_f64"),
    }
}

/// One named column for [`write_parquet_columns`] and streams.
#[derive(Debug, Clone)]
pub enum ParquetColumn {
    F64(String, Vec<f64>),
    I64(String, Vec<i64>),
    U32(String, Vec<u32>),
    Str(String, Vec<String>),
    /// Nullable columns: `None` is written as null.
    OptU32(String, Vec<Option<u32>>),
    OptF64(String, Vec<Option<f64>>),
    /// A categorical column: `codes[i]` indexes `labels`. Stored dictionary-encoded, so a
    /// million rows of a handful of words cost a byte each, not a string each.
    Dict8(String, Vec<u8>, &'static [&'static str]),
}

impl ParquetColumn {
    pub fn from_ids(name: &str, ids: &AgentIds) -> Self {
        match ids {
            AgentIds::Int(v) => ParquetColumn::I64(name.to_string(), v.to_vec()),
            AgentIds::Text(v) => ParquetColumn::Str(name.to_string(), v.clone()),
        }
    }

    fn field_and_array(self) -> (Field, ArrayRef) {
        match self {
            ParquetColumn::F64(n, v) => (
                Field::new(n, DataType::Float64, false),
                Arc::new(Float64Array::from(v)),
            ),
            ParquetColumn::I64(n, v) => (
                Field::new(n, DataType::Int64, false),
                Arc::new(Int64Array::from(v)),
            ),
            ParquetColumn::U32(n, v) => (
                Field::new(n, DataType::UInt32, false),
                Arc::new(UInt32Array::from(v)),
            ),
            ParquetColumn::Str(n, v) => (
                Field::new(n, DataType::Utf8, false),
                Arc::new(StringArray::from(v)),
            ),
            ParquetColumn::OptU32(n, v) => (
                Field::new(n, DataType::UInt32, true),
                Arc::new(UInt32Array::from(v)),
            ),
            ParquetColumn::OptF64(n, v) => (
                Field::new(n, DataType::Float64, true),
                Arc::new(Float64Array::from(v)),
            ),
            ParquetColumn::Dict8(n, codes, labels) => {
                let keys = arrow_array::UInt8Array::from(codes);
                let values: ArrayRef = Arc::new(StringArray::from(labels.to_vec()));
                let dict = arrow_array::DictionaryArray::<types::UInt8Type>::try_new(keys, values)
                    .expect("codes index the labels they come with");
                (
                    Field::new(
                        n,
                        DataType::Dictionary(Box::new(DataType::UInt8), Box::new(DataType::Utf8)),
                        false,
                    ),
                    Arc::new(dict),
                )
            }
        }
    }
}

pub(crate) fn batch_of(path: &Path, columns: Vec<ParquetColumn>) -> Result<RecordBatch, IoError> {
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = columns
        .into_iter()
        .map(ParquetColumn::field_and_array)
        .unzip();
    let schema = Arc::new(Schema::new(fields));
    RecordBatch::try_new(schema, arrays)
        .map_err(|e| IoError::new(path, format!("inconsistent columns: {e}")))
}

/// Snappy-compressed Parquet with the given columns, written atomically.
pub fn write_parquet_columns(path: &Path, columns: Vec<ParquetColumn>) -> Result<(), IoError> {
    let batch = batch_of(path, columns)?;
    let schema = batch.schema();
    atomic_write(path, |w| {
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let mut writer = ArrowWriter::try_new(w, schema, Some(props))
            .map_err(|e| IoError::new(path, e.to_string()))?;
        writer
            .write(&batch)
            .map_err(|e| IoError::new(path, e.to_string()))?;
        writer
            .close()
            .map_err(|e| IoError::new(path, e.to_string()))?;
        Ok(())
    })
}

/// An edge list (`src`, `dst` columns of unsigned or signed integers; `src` follows `dst`),
/// e.g. the `follows.parquet` an import writes. Errors name the row of a bad edge.
pub fn read_edges_parquet(path: &Path) -> Result<Vec<(u32, u32)>, IoError> {
    parquet_guard::without_panics(path, || read_edges_unguarded(path))
}

fn read_edges_unguarded(path: &Path) -> Result<Vec<(u32, u32)>, IoError> {
    let builder = open_checked(path)?;
    let schema = builder.schema().clone();
    let find = |name: &str| {
        schema
            .fields()
            .iter()
            .position(|f| f.name() == name)
            .ok_or_else(|| {
                let have: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                IoError::new(
                    path,
                    format!(
                        "no `{name}` column; an edge list needs `src` and `dst` (it has: {})",
                        have.join(", ")
                    ),
                )
            })
    };
    let (s, d) = (find("src")?, find("dst")?);
    let reader = builder
        .build()
        .map_err(|e| IoError::new(path, e.to_string()))?;
    let mut edges = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| {
            IoError::new(
                path,
                format!("corrupt Parquet data after row {} ({e})", edges.len()),
            )
        })?;
        let (mut src, mut dst) = (Vec::new(), Vec::new());
        for (k, out) in [(s, &mut src), (d, &mut dst)] {
            let col = batch.column(k);
            if as_f64(col.data_type()).is_none() || !col.data_type().is_integer() {
                return Err(IoError::new(
                    path,
                    format!(
                        "column `{}` must hold integer agent indices",
                        schema.field(k).name()
                    ),
                ));
            }
            push_f64(col, out);
        }
        for (r, (a, b)) in src.into_iter().zip(dst).enumerate() {
            if !(0.0..=u32::MAX as f64).contains(&a) || !(0.0..=u32::MAX as f64).contains(&b) {
                return Err(IoError::new(
                    path,
                    format!(
                        "row {}: edge ({a}, {b}) is not a pair of agent indices",
                        edges.len() + r + 1
                    ),
                ));
            }
            edges.push((a as u32, b as u32));
        }
    }
    Ok(edges)
}

/// Column `column` of the rows whose `tick` column equals `tick`, in file order, from a
/// table whose rows are in tick order (`ticks.parquet`): reading stops at the first row past
/// `tick`, so the first recorded tick costs its own rows, not the whole table.
pub fn read_tick_column(path: &Path, tick: u32, column: &str) -> Result<Vec<f64>, IoError> {
    parquet_guard::without_panics(path, || read_tick_column_unguarded(path, tick, column))
}

fn read_tick_column_unguarded(path: &Path, tick: u32, column: &str) -> Result<Vec<f64>, IoError> {
    let builder = open_checked(path)?;
    let schema = builder.schema().clone();
    let find = |name: &str| {
        schema
            .fields()
            .iter()
            .position(|f| f.name() == name && as_f64(f.data_type()).is_some())
            .ok_or_else(|| IoError::new(path, format!("no numeric `{name}` column")))
    };
    let (t, c) = (find("tick")?, find(column)?);
    let reader = builder
        .build()
        .map_err(|e| IoError::new(path, e.to_string()))?;
    let mut out = Vec::new();
    let (mut ticks, mut values) = (Vec::new(), Vec::new());
    for batch in reader {
        let batch = batch.map_err(|e| IoError::new(path, format!("corrupt Parquet data ({e})")))?;
        ticks.clear();
        values.clear();
        push_f64(batch.column(t), &mut ticks);
        push_f64(batch.column(c), &mut values);
        let target = f64::from(tick);
        for (k, v) in ticks.iter().zip(&values) {
            if *k == target {
                out.push(*v);
            }
        }
        if ticks.last().is_some_and(|k| *k > target) {
            break;
        }
    }
    Ok(out)
}

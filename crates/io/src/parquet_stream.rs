//! Parquet files written a row group at a time, and merged from parts.
//!
//! The recorder writes one row group per recorded tick so memory does not grow with the
//! run, into parts that a resumed run can keep or discard; the final file is the parts
//! merged row group by row group, so its bytes depend only on the rows, never on where a
//! run was interrupted.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::Schema;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::error::IoError;
use crate::parquet_table::{ParquetColumn, batch_of};

fn props() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        // Row groups are cut by us (one per write), never by size.
        .set_max_row_group_row_count(Some(usize::MAX))
        .build()
}

/// A Parquet file being written to a temporary name, renamed into place by `finish`.
pub struct ParquetStream {
    dest: PathBuf,
    tmp: tempfile::NamedTempFile,
    writer: Option<ArrowWriter<File>>,
    schema: Option<Arc<Schema>>,
}

impl ParquetStream {
    pub fn create(dest: &Path) -> Result<Self, IoError> {
        let dir = dest.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{}.", dest.file_name().and_then(|n| n.to_str()).unwrap_or("out")))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| IoError::io(dir, &e))?;
        Ok(ParquetStream { dest: dest.to_path_buf(), tmp, writer: None, schema: None })
    }

    /// Append `columns` as one row group. Every call must use the same columns.
    pub fn write(&mut self, columns: Vec<ParquetColumn>) -> Result<(), IoError> {
        let batch = batch_of(&self.dest, columns)?;
        self.write_batch(&batch)
    }

    fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), IoError> {
        let err = |e: parquet::errors::ParquetError| IoError::new(&self.dest, e.to_string());
        if self.writer.is_none() {
            let file = self.tmp.as_file().try_clone().map_err(|e| IoError::io(&self.dest, &e))?;
            self.schema = Some(batch.schema());
            self.writer = Some(ArrowWriter::try_new(file, batch.schema(), Some(props())).map_err(err)?);
        }
        if self.schema.as_ref() != Some(&batch.schema()) {
            return Err(IoError::new(&self.dest, "internal error: columns changed between row groups"));
        }
        let w = self.writer.as_mut().expect("opened above");
        w.write(batch).map_err(|e| IoError::new(&self.dest, e.to_string()))?;
        w.flush().map_err(|e| IoError::new(&self.dest, e.to_string()))?;
        Ok(())
    }

    /// Close the file and rename it into place. `empty` gives the columns (with no rows) to
    /// write when nothing was written, so the file always exists and has a schema.
    pub fn finish(mut self, empty: impl FnOnce() -> Vec<ParquetColumn>) -> Result<PathBuf, IoError> {
        if self.writer.is_none() {
            let batch = batch_of(&self.dest, empty())?;
            self.write_batch(&batch)?;
        }
        let w = self.writer.take().expect("opened above");
        w.close().map_err(|e| IoError::new(&self.dest, e.to_string()))?;
        crate::atomic::publish_permissions(self.tmp.as_file(), &self.dest)?;
        self.tmp.as_file().sync_all().map_err(|e| IoError::io(&self.dest, &e))?;
        self.tmp.persist(&self.dest).map_err(|e| IoError::io(&self.dest, &e.error))?;
        Ok(self.dest)
    }
}

/// Concatenate Parquet parts (same columns) into `dest`, one row group out per row group in.
pub fn merge_parquet(parts: &[PathBuf], dest: &Path) -> Result<(), IoError> {
    let mut out = ParquetStream::create(dest)?;
    let mut wrote = false;
    for part in parts {
        let open = || -> Result<ParquetRecordBatchReaderBuilder<File>, IoError> {
            let f = File::open(part).map_err(|e| IoError::io(part, &e))?;
            ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| IoError::new(part, format!("not a readable Parquet file ({e})")))
        };
        let groups = open()?.metadata().num_row_groups();
        for g in 0..groups {
            let b = open()?;
            let rows = b.metadata().row_group(g).num_rows().max(1) as usize;
            let reader = b
                .with_row_groups(vec![g])
                .with_batch_size(rows)
                .build()
                .map_err(|e| IoError::new(part, e.to_string()))?;
            let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().map_err(|e| IoError::new(part, e.to_string()))?;
            let batch = match batches.len() {
                1 => batches.into_iter().next().expect("one"),
                0 => continue,
                _ => arrow_select_concat(&batches, part)?,
            };
            // An all-empty part carries only a schema; do not write empty row groups
            // unless nothing else comes.
            if batch.num_rows() == 0 {
                continue;
            }
            out.write_batch(&batch)?;
            wrote = true;
        }
    }
    if !wrote {
        // Every part was empty: copy the first part's schema.
        if let Some(first) = parts.first() {
            let f = File::open(first).map_err(|e| IoError::io(first, &e))?;
            let b = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| IoError::new(first, e.to_string()))?;
            let schema = b.schema().clone();
            out.write_batch(&RecordBatch::new_empty(schema))?;
        }
    }
    out.finish(Vec::new)?;
    Ok(())
}

fn arrow_select_concat(batches: &[RecordBatch], part: &Path) -> Result<RecordBatch, IoError> {
    let schema = batches[0].schema();
    let columns = (0..schema.fields().len())
        .map(|k| {
            let arrays: Vec<&dyn arrow_array::Array> = batches.iter().map(|b| b.column(k).as_ref()).collect();
            arrow_select::concat::concat(&arrays)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| IoError::new(part, e.to_string()))?;
    RecordBatch::try_new(schema, columns).map_err(|e| IoError::new(part, e.to_string()))
}

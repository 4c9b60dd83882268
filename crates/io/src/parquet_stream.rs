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
        let dir = dest
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(&format!(
                ".{}.",
                dest.file_name().and_then(|n| n.to_str()).unwrap_or("out")
            ))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| IoError::io(dir, &e))?;
        Ok(ParquetStream {
            dest: dest.to_path_buf(),
            tmp,
            writer: None,
            schema: None,
        })
    }

    /// Append `columns` as one row group. Every call must use the same columns.
    pub fn write(&mut self, columns: Vec<ParquetColumn>) -> Result<(), IoError> {
        let batch = batch_of(&self.dest, columns)?;
        self.write_batch(&batch)
    }

    fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), IoError> {
        let err = |e: parquet::errors::ParquetError| IoError::new(&self.dest, e.to_string());
        if self.writer.is_none() {
            let file = self
                .tmp
                .as_file()
                .try_clone()
                .map_err(|e| IoError::io(&self.dest, &e))?;
            self.schema = Some(batch.schema());
            self.writer =
                Some(ArrowWriter::try_new(file, batch.schema(), Some(props())).map_err(err)?);
        }
        if self.schema.as_ref() != Some(&batch.schema()) {
            return Err(IoError::new(
                &self.dest,
                "internal error: columns changed between row groups",
            ));
        }
        let w = self.writer.as_mut().expect("opened above");
        w.write(batch)
            .map_err(|e| IoError::new(&self.dest, e.to_string()))?;
        w.flush()
            .map_err(|e| IoError::new(&self.dest, e.to_string()))?;
        Ok(())
    }

    /// Close the file and rename it into place. `empty` gives the columns (with no rows) to
    /// write when nothing was written, so the file always exists and has a schema.
    pub fn finish(
        mut self,
        empty: impl FnOnce() -> Vec<ParquetColumn>,
    ) -> Result<PathBuf, IoError> {
        if self.writer.is_none() {
            let batch = batch_of(&self.dest, empty())?;
            self.write_batch(&batch)?;
        }
        let w = self.writer.take().expect("opened above");
        w.close()
            .map_err(|e| IoError::new(&self.dest, e.to_string()))?;
        crate::atomic::publish_permissions(self.tmp.as_file(), &self.dest)?;
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|e| IoError::io(&self.dest, &e))?;
        self.tmp
            .persist(&self.dest)
            .map_err(|e| IoError::io(&self.dest, &e.error))?;
        Ok(self.dest)
    }
}

/// Concatenate Parquet parts (same columns) into `dest`, one row group out per row group in.
///
/// Column chunks are copied as bytes (no decoding, no re-encoding), so merging costs about
/// one read and one write of the data. The first part's key-value metadata (Arrow's schema)
/// is carried over so readers see the same types.
pub fn merge_parquet(parts: &[PathBuf], dest: &Path) -> Result<(), IoError> {
    use parquet::column::writer::ColumnCloseResult;
    use parquet::file::metadata::{PageIndexPolicy, ParquetMetaDataReader};
    use parquet::file::writer::SerializedFileWriter;

    let first = parts
        .first()
        .ok_or_else(|| IoError::new(dest, "internal error: nothing to merge"))?;
    let inputs = parts
        .iter()
        .map(|p| {
            let f = File::open(p).map_err(|e| IoError::io(p, &e))?;
            let meta = ParquetMetaDataReader::new()
                .with_page_index_policy(PageIndexPolicy::Optional)
                .parse_and_finish(&f)
                .map_err(|e| IoError::new(p, format!("not a readable Parquet file ({e})")))?;
            Ok((p, f, meta))
        })
        .collect::<Result<Vec<_>, IoError>>()?;
    let schema = inputs[0].2.file_metadata().schema_descr().root_schema_ptr();
    for (p, _, meta) in &inputs[1..] {
        if meta.file_metadata().schema() != inputs[0].2.file_metadata().schema() {
            return Err(IoError::new(
                p,
                format!("columns differ from {}", first.display()),
            ));
        }
    }
    let props = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_key_value_metadata(inputs[0].2.file_metadata().key_value_metadata().cloned())
            .build(),
    );
    crate::atomic_write(dest, |w| {
        let err = |e: parquet::errors::ParquetError| IoError::new(dest, e.to_string());
        let mut writer = SerializedFileWriter::new(w, schema, props).map_err(err)?;
        for (p, f, meta) in &inputs {
            let page_index = meta.page_index();
            for (g, rg) in meta.row_groups().iter().enumerate() {
                if rg.num_rows() == 0 && meta.num_row_groups() > 1 {
                    continue;
                }
                let mut out = writer.next_row_group().map_err(err)?;
                for (c, column) in rg.columns().iter().enumerate() {
                    let result = ColumnCloseResult {
                        bytes_written: column.compressed_size() as u64,
                        rows_written: rg.num_rows() as u64,
                        metadata: column.clone(),
                        bloom_filter: None,
                        column_index: page_index.and_then(|pi| pi.column_index(g, c)).cloned(),
                        offset_index: page_index.and_then(|pi| pi.offset_index(g, c)).cloned(),
                    };
                    out.append_column(f, result)
                        .map_err(|e| IoError::new(p, e.to_string()))?;
                }
                out.close().map_err(err)?;
            }
        }
        writer.close().map_err(err)?;
        Ok(())
    })
}

/// A [`ParquetStream`] fed from another thread: encoding and compressing a row group (a
/// second or two for a million agents) overlaps the simulation instead of stalling it. One
/// row group waits in the channel at most, which bounds the memory it adds.
pub struct BackgroundParquet {
    dest: PathBuf,
    tx: Option<std::sync::mpsc::SyncSender<Vec<ParquetColumn>>>,
    worker: Option<std::thread::JoinHandle<Result<ParquetStream, IoError>>>,
}

impl BackgroundParquet {
    pub fn create(dest: &Path) -> Result<Self, IoError> {
        let mut stream = ParquetStream::create(dest)?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<ParquetColumn>>(1);
        let worker = std::thread::Builder::new()
            .name("parquet-writer".into())
            .spawn(move || {
                for columns in rx {
                    stream.write(columns)?;
                }
                Ok(stream)
            })
            .map_err(|e| IoError::io(dest, &e))?;
        Ok(BackgroundParquet {
            dest: dest.to_path_buf(),
            tx: Some(tx),
            worker: Some(worker),
        })
    }

    /// Queue one row group. An error of an earlier write surfaces here.
    pub fn write(&mut self, columns: Vec<ParquetColumn>) -> Result<(), IoError> {
        let sent = self
            .tx
            .as_ref()
            .map(|tx| tx.send(columns).is_ok())
            .unwrap_or(false);
        if sent {
            return Ok(());
        }
        // The writer stopped: it failed, and its error says why.
        self.tx = None;
        match self.join()? {
            Ok(_) => Err(IoError::new(
                &self.dest,
                "internal error: the writer thread stopped early",
            )),
            Err(e) => Err(e),
        }
    }

    fn join(&mut self) -> Result<Result<ParquetStream, IoError>, IoError> {
        let worker = self
            .worker
            .take()
            .ok_or_else(|| IoError::new(&self.dest, "internal error: writer already joined"))?;
        worker
            .join()
            .map_err(|_| IoError::new(&self.dest, "internal error: the writer thread panicked"))
    }

    /// Wait for every queued row group, then close and rename the file into place.
    pub fn finish(
        mut self,
        empty: impl FnOnce() -> Vec<ParquetColumn>,
    ) -> Result<PathBuf, IoError> {
        self.tx = None;
        self.join()??.finish(empty)
    }
}

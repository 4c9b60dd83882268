//! Capture files as streams of whole lines, cut into chunks for the parser threads.
//!
//! The file's name picks the decoder (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`). Bytes read from
//! disk are counted so that a decoder failure can name the byte offset where the compressed
//! stream broke, and so progress can be shown against the file sizes.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::BlueskyError;

/// How a capture file is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Plain,
    Gzip,
    Zstd,
}

impl Compression {
    /// From the file name: `.gz` → gzip, `.zst`/`.zstd` → zstd, `.jsonl`/`.ndjson`/`.json` → plain.
    pub fn of(path: &Path) -> Result<Self, BlueskyError> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if name.ends_with(".gz") {
            Ok(Compression::Gzip)
        } else if name.ends_with(".zst") || name.ends_with(".zstd") {
            Ok(Compression::Zstd)
        } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json") {
            Ok(Compression::Plain)
        } else {
            Err(BlueskyError::UnknownFormat {
                path: path.to_path_buf(),
            })
        }
    }
}

/// A run of whole lines from one file.
pub(crate) struct RawChunk {
    pub seq: u64,
    pub file: usize,
    pub bytes: Vec<u8>,
}

/// `Read` that counts what it hands out, shared with whoever reports progress.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// One open capture file, decoded.
pub(crate) struct LineSource {
    path: PathBuf,
    compression: Compression,
    file_len: u64,
    consumed: Arc<AtomicU64>,
    reader: Box<dyn Read + Send>,
    carry: Vec<u8>,
    done: bool,
}

/// How a file ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    Complete,
    /// The compressed stream broke at this byte offset; earlier lines were delivered.
    Truncated(u64),
}

impl LineSource {
    pub fn open(path: &Path) -> Result<Self, BlueskyError> {
        let compression = Compression::of(path)?;
        let file = File::open(path).map_err(|e| BlueskyError::io(path, e))?;
        let file_len = file
            .metadata()
            .map_err(|e| BlueskyError::io(path, e))?
            .len();
        let consumed = Arc::new(AtomicU64::new(0));
        let counted = Counting {
            inner: file,
            count: consumed.clone(),
        };
        let reader: Box<dyn Read + Send> = match compression {
            Compression::Plain => Box::new(counted),
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
                std::io::BufReader::with_capacity(1 << 16, counted),
            )),
            Compression::Zstd => Box::new(
                zstd::stream::read::Decoder::new(counted).map_err(|e| BlueskyError::io(path, e))?,
            ),
        };
        Ok(LineSource {
            path: path.to_path_buf(),
            compression,
            file_len,
            consumed,
            reader,
            carry: Vec::new(),
            done: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// Bytes of the file read so far (compressed bytes for compressed files).
    pub fn consumed(&self) -> u64 {
        self.consumed.load(Ordering::Relaxed)
    }

    /// The next run of whole lines, about `target` bytes (more when a single line is longer).
    /// `Ok(None)` at the end. A final line without a newline is delivered as a line; after a
    /// decoder failure the incomplete tail is dropped and the failure reported.
    pub fn next_chunk(&mut self, target: usize) -> Result<Option<Vec<u8>>, (Ending, BlueskyError)> {
        if self.done {
            return Ok(None);
        }
        let mut buf = std::mem::take(&mut self.carry);
        buf.reserve(target.saturating_sub(buf.len()) + 1024);
        loop {
            if buf.len() >= target
                && let Some(last) = memchr::memrchr(b'\n', &buf)
            {
                self.carry = buf[last + 1..].to_vec();
                buf.truncate(last + 1);
                return Ok(Some(buf));
            }
            // `read_to_end` fills spare capacity without zeroing it first.
            let start = buf.len();
            let want = (target.max(start + 1) - start).max(64 * 1024);
            match (&mut self.reader).take(want as u64).read_to_end(&mut buf) {
                Ok(0) => {
                    self.done = true;
                    return Ok((!buf.is_empty()).then_some(buf));
                }
                Ok(_) => {}
                Err(e) => {
                    self.done = true;
                    return Err(self.failure(buf, e));
                }
            }
        }
    }

    /// Turn a read error into the error to report, keeping the whole lines read before it in
    /// `carry` so a partial import can still use them.
    fn failure(&mut self, mut buf: Vec<u8>, e: std::io::Error) -> (Ending, BlueskyError) {
        match memchr::memrchr(b'\n', &buf) {
            Some(last) => buf.truncate(last + 1),
            None => buf.clear(),
        }
        self.carry = buf;
        if self.compression == Compression::Plain {
            return (Ending::Complete, BlueskyError::io(&self.path, e));
        }
        let offset = self.consumed();
        let detail = match e.kind() {
            ErrorKind::UnexpectedEof => format!("{e}: the stream ends early"),
            _ => e.to_string(),
        };
        (
            Ending::Truncated(offset),
            BlueskyError::Truncated {
                path: self.path.clone(),
                offset,
                file_len: self.file_len,
                detail,
            },
        )
    }

    /// After a failure: the whole lines decoded before it.
    pub fn take_salvage(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.carry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(path: &Path, target: usize) -> Vec<u8> {
        let mut src = LineSource::open(path).unwrap();
        let mut all = Vec::new();
        while let Some(chunk) = src.next_chunk(target).map_err(|e| e.1).unwrap() {
            assert!(chunk.ends_with(b"\n"), "chunks hold whole lines");
            all.extend_from_slice(&chunk);
        }
        all
    }

    #[test]
    fn chunks_reassemble_the_file_in_every_format() {
        let dir = tempfile::tempdir().unwrap();
        let text: Vec<u8> = (0..2000)
            .flat_map(|i| format!("line {i} {}\n", "x".repeat(i % 300)).into_bytes())
            .collect();
        let plain = dir.path().join("a.jsonl");
        std::fs::write(&plain, &text).unwrap();
        let gz = dir.path().join("a.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, &text).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        let zst = dir.path().join("a.jsonl.zst");
        std::fs::write(&zst, zstd::encode_all(&text[..], 1).unwrap()).unwrap();
        for p in [&plain, &gz, &zst] {
            for target in [1, 100, 4096, 1 << 20] {
                assert_eq!(lines_of(p, target), text, "{} at {target}", p.display());
            }
        }
        assert!(Compression::of(Path::new("x.csv")).is_err());
    }

    #[test]
    fn truncated_zstd_names_the_offset_and_keeps_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let text: Vec<u8> = (0..200_000)
            .flat_map(|i| format!("{{\"n\":{i}}}\n").into_bytes())
            .collect();
        let full = zstd::encode_all(&text[..], 1).unwrap();
        let cut = full.len() / 2;
        let zst = dir.path().join("t.jsonl.zst");
        std::fs::write(&zst, &full[..cut]).unwrap();
        let mut src = LineSource::open(&zst).unwrap();
        let mut got = Vec::new();
        let err = loop {
            match src.next_chunk(4096) {
                Ok(Some(c)) => got.extend_from_slice(&c),
                Ok(None) => panic!("a truncated file must fail"),
                Err(e) => break e,
            }
        };
        assert_eq!(err.0, Ending::Truncated(cut as u64));
        assert!(
            err.1.to_string().contains(&format!("byte {cut}")),
            "{}",
            err.1
        );
        got.extend(src.take_salvage());
        assert!(
            got.ends_with(b"\n") && text.starts_with(&got) && got.len() > text.len() / 4,
            "{} of {}",
            got.len(),
            text.len()
        );
    }
}

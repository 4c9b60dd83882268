//! The import's threads: one reads and decompresses files into chunks of whole lines, a few
//! parse chunks into compact events, and the calling thread applies them in file order (chunks
//! carry sequence numbers and are re-ordered). Channels are bounded, so at most a few chunks
//! are in flight whatever the capture's size.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use emergent_attribution::Progress;

use crate::aggregate::Aggregate;
use crate::compact::{ParsedChunk, parse_chunk};
use crate::error::BlueskyError;
use crate::event::Malformed;
use crate::source::{Ending, LineSource, RawChunk};
use crate::topic::TopicSet;

/// Decoded bytes per chunk: large enough to amortise channel hand-offs, small enough that the
/// chunks in flight stay a few tens of MiB.
const CHUNK_BYTES: usize = 2 << 20;

/// What the reader learned about each file.
#[derive(Debug, Clone)]
pub(crate) struct FileRead {
    pub path: PathBuf,
    pub bytes: u64,
    pub truncated_at: Option<u64>,
}

/// Lines and malformed lines in file order, as the aggregator sees them.
#[derive(Debug, Default)]
pub(crate) struct LineTally {
    pub lines_per_file: Vec<u64>,
    pub blank_lines: u64,
    pub malformed: u64,
    /// (file index, 1-based line, why) of the first few malformed lines.
    pub first_malformed: Vec<(usize, u64, Malformed)>,
    /// Per file: blank lines, malformed lines, and the first malformed line (1-based) and why.
    pub per_file: Vec<FileLines>,
}

/// One file's blank and malformed lines.
#[derive(Debug, Default, Clone)]
pub(crate) struct FileLines {
    pub blank: u64,
    pub malformed: u64,
    pub first_malformed: Option<(u64, Malformed)>,
}

pub(crate) const MALFORMED_SHOWN: usize = 10;

pub(crate) struct PipelineOutput {
    pub files: Vec<FileRead>,
    pub lines: LineTally,
}

/// Read, parse and apply every file. On a truncated compressed file: an error, unless
/// `allow_partial`, in which case its whole lines before the break are kept.
pub(crate) fn run(
    files: &[PathBuf],
    topics: &TopicSet,
    threads: usize,
    allow_partial: bool,
    agg: &mut Aggregate,
    progress: &dyn Progress,
    stop: Option<&AtomicUsize>,
) -> Result<PipelineOutput, BlueskyError> {
    // Open everything first, so a missing file fails before any work.
    let mut sources = Vec::with_capacity(files.len());
    for f in files {
        sources.push(LineSource::open(f)?);
    }
    let total: u64 = sources.iter().map(LineSource::file_len).sum();
    progress.start(total, "importing");
    let workers = threads.max(1);
    let (raw_tx, raw_rx) = sync_channel::<RawChunk>(workers * 2);
    let raw_rx = Arc::new(Mutex::new(raw_rx));
    let (parsed_tx, parsed_rx) = sync_channel::<ParsedChunk>(workers * 2);
    let mut lines = LineTally {
        lines_per_file: vec![0; files.len()],
        per_file: vec![FileLines::default(); files.len()],
        ..Default::default()
    };

    std::thread::scope(|s| {
        let reader = s.spawn(move || read_all(sources, allow_partial, raw_tx, progress, stop));
        for _ in 0..workers {
            let (rx, tx) = (raw_rx.clone(), parsed_tx.clone());
            s.spawn(move || parse_worker(&rx, &tx, topics));
        }
        drop(parsed_tx);
        apply_in_order(&parsed_rx, agg, &mut lines);
        let files = reader
            .join()
            .map_err(|_| BlueskyError::Invalid("the reader thread panicked".into()))??;
        Ok(PipelineOutput { files, lines })
    })
}

fn read_all(
    sources: Vec<LineSource>,
    allow_partial: bool,
    tx: std::sync::mpsc::SyncSender<RawChunk>,
    progress: &dyn Progress,
    stop: Option<&AtomicUsize>,
) -> Result<Vec<FileRead>, BlueskyError> {
    let mut seq = 0u64;
    let mut out = Vec::with_capacity(sources.len());
    for (file, mut src) in sources.into_iter().enumerate() {
        let mut reported = 0u64;
        let mut send = |bytes: Vec<u8>, src: &LineSource| -> bool {
            let now = src.consumed();
            progress.advance(now - reported);
            reported = now;
            let ok = tx.send(RawChunk { seq, file, bytes }).is_ok();
            seq += 1;
            ok
        };
        let mut truncated_at = None;
        loop {
            if stop.is_some_and(|s| s.load(Ordering::SeqCst) != 0) {
                return Err(BlueskyError::Stopped);
            }
            match src.next_chunk(CHUNK_BYTES) {
                Ok(Some(bytes)) => {
                    if !send(bytes, &src) {
                        return Err(BlueskyError::Invalid(
                            "the parser threads stopped early".into(),
                        ));
                    }
                }
                Ok(None) => break,
                Err((Ending::Truncated(at), _)) if allow_partial => {
                    let salvage = src.take_salvage();
                    if !salvage.is_empty() && !send(salvage, &src) {
                        return Err(BlueskyError::Invalid(
                            "the parser threads stopped early".into(),
                        ));
                    }
                    truncated_at = Some(at);
                    break;
                }
                Err((_, e)) => return Err(e),
            }
        }
        progress.advance(src.file_len().saturating_sub(reported));
        out.push(FileRead {
            path: src.path().to_path_buf(),
            bytes: src.file_len(),
            truncated_at,
        });
    }
    Ok(out)
}

fn parse_worker(
    rx: &Mutex<Receiver<RawChunk>>,
    tx: &std::sync::mpsc::SyncSender<ParsedChunk>,
    topics: &TopicSet,
) {
    loop {
        let next = match rx.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => return,
        };
        let Ok(chunk) = next else { return };
        if tx
            .send(parse_chunk(chunk.seq, chunk.file, &chunk.bytes, topics))
            .is_err()
        {
            return;
        }
    }
}

fn apply_in_order(rx: &Receiver<ParsedChunk>, agg: &mut Aggregate, lines: &mut LineTally) {
    let mut waiting: BTreeMap<u64, ParsedChunk> = BTreeMap::new();
    let mut next = 0u64;
    for chunk in rx {
        waiting.insert(chunk.seq, chunk);
        while let Some(chunk) = waiting.remove(&next) {
            let before = lines.lines_per_file[chunk.file];
            for (i, reason) in &chunk.malformed {
                if lines.first_malformed.len() < MALFORMED_SHOWN {
                    lines
                        .first_malformed
                        .push((chunk.file, before + i + 1, reason.clone()));
                }
            }
            let file = &mut lines.per_file[chunk.file];
            if file.first_malformed.is_none()
                && let Some((i, reason)) = chunk.malformed.first()
            {
                file.first_malformed = Some((before + i + 1, reason.clone()));
            }
            file.malformed += chunk.malformed.len() as u64;
            file.blank += chunk.blank_lines;
            lines.malformed += chunk.malformed.len() as u64;
            lines.blank_lines += chunk.blank_lines;
            lines.lines_per_file[chunk.file] += chunk.lines;
            agg.apply_chunk(&chunk);
            next += 1;
        }
    }
}

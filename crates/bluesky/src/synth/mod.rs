//! `emergent synth bluesky`: a synthetic Jetstream capture with known answers.
//!
//! The capture is cut into one-hour slices. Per slice: draft the events in parallel (each
//! fixed-size chunk from its own keyed random stream), merge in the deletes scheduled by
//! earlier creates, sort by time and make times strictly increasing (so record keys, which are
//! TIDs of the event time, are unique), tally the truth, then format lines in parallel and
//! stream them through the compressor. Memory is per user and per pending delete, not per
//! event; the output depends on the seed only, not on the number of threads.

mod format;
mod model;
mod rng;
mod truth;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::Write;
use std::path::Path;

use emergent_attribution::Progress;
use emergent_io::{IoError, atomic_write};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::BlueskyError;
use crate::features::EventCounts;
use crate::source::Compression;
use crate::tid::tid_from_parts;
use model::{Coll, Draft, NO_USER, Population, What};
use rng::{Rng, hash_words};
use truth::Pending;
pub use truth::SynthTruth;

/// Draft this many events per random stream (fixed, so output does not depend on threads).
const DRAFT_CHUNK: usize = 16_384;
const SLICE_US: i64 = 3_600_000_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub users: u32,
    pub days: f64,
    pub seed: u64,
    /// Mean events a user authors per day (before scheduled deletes, which add ~2.5 %). The
    /// default gives ~5·10^7 events for 1,671,587 users over 14 days.
    pub events_per_user_day: f64,
    /// First event time, microseconds since 1970 (default 2024-11-01T00:00:00Z).
    pub start_us: i64,
    /// zstd level for `.zst` output.
    pub zstd_level: i32,
    /// Threads for drafting, formatting and compressing; 0 = one per core.
    pub threads: usize,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            users: 1000,
            days: 1.0,
            seed: 0,
            events_per_user_day: 2.1,
            start_us: 1_730_419_200_000_000,
            zstd_level: 1,
            threads: 0,
        }
    }
}

/// What was generated: the counts an import of the file must report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthReport {
    pub users: u32,
    pub days: f64,
    pub seed: u64,
    /// Lines written (one event each).
    pub events: u64,
    /// Bytes of JSON before compression.
    pub json_bytes: u64,
    pub counts: EventCounts,
    /// Users with at least one event.
    pub users_active: u64,
    /// Live follow records at the end.
    pub follow_records: u64,
    /// Distinct follow edges between active users, self-follows excluded.
    pub follow_edges: u64,
    pub first_us: i64,
    pub last_us: i64,
}

/// The report plus the per-user answers.
pub struct Synthesized {
    pub report: SynthReport,
    pub truth: SynthTruth,
}

/// Write a capture to `out` (`.jsonl`, `.jsonl.gz` or `.jsonl.zst`), atomically.
pub fn synth_capture(
    opts: &SynthOptions,
    out: &Path,
    progress: &dyn Progress,
) -> Result<Synthesized, BlueskyError> {
    if opts.users == 0 || opts.users == u32::MAX {
        return Err(BlueskyError::Invalid(
            "--users must be between 1 and 4294967294".into(),
        ));
    }
    let days_ok = opts.days > 0.0 && opts.days <= 3650.0;
    let rate_ok = opts.events_per_user_day > 0.0 && opts.events_per_user_day.is_finite();
    if !days_ok || !rate_ok {
        return Err(BlueskyError::Invalid(
            "--days must be in (0, 3650] and the event rate positive".into(),
        ));
    }
    let compression = Compression::of(out)?;
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| BlueskyError::Invalid(format!("cannot start threads: {e}")))?;
    let mut result = None;
    atomic_write(out, |w| {
        let io = |e: std::io::Error| IoError::new(out, e.to_string());
        let generated = match compression {
            Compression::Plain => pool
                .install(|| generate(opts, &mut *w, progress))
                .map_err(io)?,
            Compression::Gzip => {
                let mut enc = flate2::write::GzEncoder::new(&mut *w, flate2::Compression::fast());
                let g = pool
                    .install(|| generate(opts, &mut enc, progress))
                    .map_err(io)?;
                enc.finish().map_err(io)?;
                g
            }
            Compression::Zstd => {
                let mut enc =
                    zstd::stream::write::Encoder::new(&mut *w, opts.zstd_level).map_err(io)?;
                if threads > 1 {
                    enc.multithread(threads as u32).map_err(io)?;
                }
                let g = pool
                    .install(|| generate(opts, &mut enc, progress))
                    .map_err(io)?;
                enc.finish().map_err(io)?;
                g
            }
        };
        result = Some(generated);
        Ok(())
    })?;
    let mut s =
        result.ok_or_else(|| BlueskyError::Invalid("the generator produced nothing".into()))?;
    s.report.users = opts.users;
    s.report.days = opts.days;
    s.report.seed = opts.seed;
    Ok(s)
}

fn generate(
    opts: &SynthOptions,
    w: &mut dyn Write,
    progress: &dyn Progress,
) -> std::io::Result<Synthesized> {
    let mut g = Generator::new(opts);
    progress.start(g.expected as u64, "synthesizing");
    for slice in 0..g.slices {
        let s0 = g.start + slice * SLICE_US;
        let s1 = (s0 + SLICE_US).min(g.end);
        let mut drafts = g.draft_slice(slice, s0, s1);
        let deleted = g.merge_due_deletes(&mut drafts, s1);
        let (sorted, seqs) = g.sequence(&drafts, deleted);
        g.write_slice(w, &sorted, &seqs)?;
        progress.advance(sorted.len() as u64);
    }
    w.flush()?;
    Ok(g.finish())
}

/// The state one capture carries from slice to slice: the deletes scheduled for later slices,
/// the sequence counters, the truth tally, and the output counts. Split out of [`generate`] so
/// each per-slice step is a method with its own name.
struct Generator<'a> {
    opts: &'a SynthOptions,
    pop: Population,
    /// Capture span in microseconds (`start..end`, `end - start` at least 1).
    total_us: i64,
    start: i64,
    end: i64,
    slices: i64,
    /// Mean event count over the whole capture.
    expected: f64,
    truth: SynthTruth,
    /// Deletes scheduled by earlier creates, earliest first.
    pending: BinaryHeap<Reverse<Pending>>,
    pending_seq: u64,
    identity_seq: u64,
    /// The last event time written (times are made strictly increasing).
    last_time: i64,
    events: u64,
    json_bytes: u64,
    /// Formatting buffers, one per `DRAFT_CHUNK`, reused across slices.
    buffers: Vec<Vec<u8>>,
}

impl<'a> Generator<'a> {
    fn new(opts: &'a SynthOptions) -> Self {
        let pop = Population::new(opts.users, opts.seed);
        let total_us = (opts.days * 86_400e6) as i64;
        let start = opts.start_us;
        let end = start + total_us.max(1);
        let slices = (total_us.max(1) + SLICE_US - 1) / SLICE_US;
        let expected = f64::from(opts.users) * opts.events_per_user_day * opts.days;
        Generator {
            opts,
            pop,
            total_us,
            start,
            end,
            slices,
            expected,
            truth: SynthTruth::new(opts.users as usize),
            pending: BinaryHeap::new(),
            pending_seq: 0,
            identity_seq: 0,
            last_time: i64::MIN,
            events: 0,
            json_bytes: 0,
            buffers: Vec::new(),
        }
    }

    /// The slice's authored events: a diurnally modulated, normally perturbed count from the
    /// slice's own stream, drafted in fixed-size chunks each from its own keyed stream.
    fn draft_slice(&self, slice: i64, s0: i64, s1: i64) -> Vec<Draft> {
        let opts = self.opts;
        // Diurnal cycle: ±30 % around the mean rate, peaking mid-afternoon UTC.
        let hour = (s0.div_euclid(SLICE_US)).rem_euclid(24) as f64;
        let rate = 1.0 + 0.3 * (std::f64::consts::TAU * (hour - 9.0) / 24.0).sin();
        let mean = self.expected * (s1 - s0) as f64 / self.total_us as f64 * rate;
        let count = {
            let mut rng = Rng::stream(&[opts.seed, 10, slice as u64]);
            (mean + mean.sqrt() * rng.normal()).round().max(0.0) as usize
        };
        let chunks = count.div_ceil(DRAFT_CHUNK);
        (0..chunks)
            .into_par_iter()
            .flat_map_iter(|c| {
                let n = DRAFT_CHUNK.min(count - c * DRAFT_CHUNK);
                self.pop.draft(
                    &[opts.seed, 11, slice as u64, c as u64],
                    n,
                    s0,
                    s1 - s0,
                    self.start,
                )
            })
            .collect()
    }

    /// Appends the deletes due in this slice (on the last slice: all due before the end; later
    /// ones never happen) to `drafts`, returning each one's draft index and schedule entry.
    fn merge_due_deletes(&mut self, drafts: &mut Vec<Draft>, s1: i64) -> Vec<(usize, Pending)> {
        let mut deleted: Vec<(usize, Pending)> = Vec::new();
        while let Some(Reverse(p)) = self.pending.peek().copied()
            && p.time_us < s1
        {
            self.pending.pop();
            deleted.push((drafts.len(), p));
            drafts.push(Draft {
                time_us: p.time_us,
                actor: p.actor,
                what: What::Delete(p.coll),
                target: p.target,
                target_post: 0,
                rkey: p.rkey,
                salt: hash_words(&[self.opts.seed, 12, p.seq]),
            });
        }
        deleted
    }

    /// Sorts the slice by time, makes times strictly increasing, gives records their keys,
    /// schedules later deletes and tallies the truth: the events in output order with each
    /// one's identity sequence number.
    fn sequence(
        &mut self,
        drafts: &[Draft],
        deleted: Vec<(usize, Pending)>,
    ) -> (Vec<Draft>, Vec<u64>) {
        let mut order: Vec<u32> = (0..drafts.len() as u32).collect();
        order.sort_by_key(|&i| drafts[i as usize].time_us);
        let mut pending_of = vec![None; drafts.len()];
        for (i, p) in deleted {
            pending_of[i] = Some(p);
        }
        let mut sorted = Vec::with_capacity(drafts.len());
        let mut seqs = Vec::with_capacity(drafts.len());
        for &i in &order {
            let mut d = drafts[i as usize];
            d.time_us = d.time_us.max(self.last_time + 1);
            self.last_time = d.time_us;
            let coll = match d.what {
                What::Like => Some(Coll::Like),
                What::Repost => Some(Coll::Repost),
                What::Follow => Some(Coll::Follow),
                What::Post | What::Reply => Some(Coll::Post),
                _ => None,
            };
            if let Some(coll) = coll {
                d.rkey = tid_from_parts(d.time_us, d.salt);
                self.maybe_schedule_delete(&d, coll);
            }
            self.truth.record(&d, pending_of[i as usize].as_ref());
            if matches!(d.what, What::Identity | What::Account) {
                self.identity_seq += 1;
            }
            seqs.push(self.identity_seq);
            sorted.push(d);
        }
        (sorted, seqs)
    }

    /// A created record is deleted later with probability `DELETE_PROBABILITY` (drawn from
    /// the record's own salt stream), if the delete falls before the capture ends.
    fn maybe_schedule_delete(&mut self, d: &Draft, coll: Coll) {
        let mut rng = Rng::stream(&[d.salt, 0xde1]);
        if rng.unit() < model::DELETE_PROBABILITY {
            let delay = model::DELETE_MIN_DELAY_US
                + rng.exponential(model::DELETE_MEAN_EXTRA_DELAY_US) as i64;
            if d.time_us + delay < self.end {
                let target = if d.what == What::Post {
                    NO_USER
                } else {
                    d.target
                };
                self.pending.push(Reverse(Pending {
                    time_us: d.time_us + delay,
                    seq: self.pending_seq,
                    actor: d.actor,
                    coll,
                    rkey: d.rkey,
                    target,
                }));
                self.pending_seq += 1;
            }
        }
    }

    /// Formats the slice's lines in parallel (one buffer per chunk) and writes them in order.
    fn write_slice(
        &mut self,
        w: &mut dyn Write,
        sorted: &[Draft],
        seqs: &[u64],
    ) -> std::io::Result<()> {
        let pieces = sorted.len().div_ceil(DRAFT_CHUNK);
        let buffers = &mut self.buffers;
        buffers.resize_with(pieces.max(buffers.len()), Vec::new);
        let dids = &self.pop.dids;
        buffers[..pieces]
            .par_iter_mut()
            .enumerate()
            .for_each(|(c, buf)| {
                buf.clear();
                let lo = c * DRAFT_CHUNK;
                let hi = (lo + DRAFT_CHUNK).min(sorted.len());
                for k in lo..hi {
                    format::push_event(buf, &sorted[k], dids, seqs[k]);
                }
            });
        for buf in &buffers[..pieces] {
            w.write_all(buf)?;
            self.json_bytes += buf.len() as u64;
        }
        self.events += sorted.len() as u64;
        Ok(())
    }

    /// The truth with the users' DIDs, and the capture's report.
    fn finish(self) -> Synthesized {
        let opts = self.opts;
        let mut truth = self.truth;
        truth.dids = self
            .pop
            .dids
            .iter()
            .map(|d| String::from_utf8_lossy(d).into_owned())
            .collect();
        let span = truth
            .features
            .iter()
            .filter(|f| f.is_active())
            .fold((i64::MAX, i64::MIN), |(a, b), f| {
                (a.min(f.first_activity_us), b.max(f.last_activity_us))
            });
        let report = SynthReport {
            users: opts.users,
            days: opts.days,
            seed: opts.seed,
            events: self.events,
            json_bytes: self.json_bytes,
            counts: truth.counts(),
            users_active: truth.users_active(),
            follow_records: truth.follow_records(),
            follow_edges: truth.follow_edges(),
            first_us: span.0,
            last_us: span.1,
        };
        Synthesized { report, truth }
    }
}

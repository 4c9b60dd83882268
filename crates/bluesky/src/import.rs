//! `emergent import bluesky`: capture files in, feature tables and a follow graph out.

use std::path::{Path, PathBuf};

use emergent_attribution::Progress;

use crate::aggregate::Aggregate;
use crate::error::BlueskyError;
use crate::features::TopicFeatures;
use crate::output::topic_file_name;
use crate::pipeline;
use crate::report::{FileReport, ImportReport, Imported, MalformedLine, TimeSpan, TopicReport};
use crate::time::format_rfc3339;
use crate::topic::{Topic, TopicSet};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Keep events with `time_us >= since` (microseconds; see [`crate::parse_time`]).
    pub since: Option<i64>,
    /// Keep events with `time_us < until`.
    pub until: Option<i64>,
    /// Per-topic feature tables to build.
    pub topics: Vec<Topic>,
    /// Import the whole lines before the break of a truncated compressed file instead of failing.
    pub allow_partial: bool,
    /// Parser threads; 0 = one per core.
    pub threads: usize,
    /// Replace an earlier import in a non-empty output folder ([`import_to_dir`] only). Never
    /// allows writing into a run directory or the folder of an input file.
    pub force: bool,
    /// Stop reading once this holds a non-zero value (a signal number, as the runner's stop
    /// flag): the import ends with [`BlueskyError::Stopped`] and writes nothing.
    pub stop: Option<std::sync::Arc<std::sync::atomic::AtomicUsize>>,
}

/// Read the capture files (in the order given, as one stream) and build the tables in memory.
pub fn import_capture(
    files: &[PathBuf],
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<Imported, BlueskyError> {
    if files.is_empty() {
        return Err(BlueskyError::Invalid("no capture files given".into()));
    }
    if let (Some(s), Some(u)) = (opts.since, opts.until)
        && s >= u
    {
        return Err(BlueskyError::Invalid(format!(
            "the window is empty: since ({}) is not before until ({})",
            format_rfc3339(s),
            format_rfc3339(u)
        )));
    }
    let topics = TopicSet::new(opts.topics.clone())?;
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let mut agg = Aggregate::new(topics.topics().len(), opts.since, opts.until);
    let out = pipeline::run(
        files,
        &topics,
        threads,
        opts.allow_partial,
        &mut agg,
        progress,
        opts.stop.as_deref(),
    )?;
    refuse_unreadable_files(&out)?;
    Ok(assemble(agg, out, &topics, opts))
}

/// Below this share of well-formed lines a file is not a capture with some damage but the
/// wrong file (or a broken one): "all but a negligible few" lines are malformed.
const MIN_WELL_FORMED_SHARE: f64 = 0.01;

/// An error for the first file whose non-blank lines are all (or all but under 1 %)
/// malformed, naming its first bad line and why. A file of blank lines only is not refused.
fn refuse_unreadable_files(out: &pipeline::PipelineOutput) -> Result<(), BlueskyError> {
    for ((read, &lines), tally) in out
        .files
        .iter()
        .zip(&out.lines.lines_per_file)
        .zip(&out.lines.per_file)
    {
        let non_blank = lines - tally.blank;
        let well_formed = non_blank - tally.malformed;
        if non_blank == 0 || well_formed as f64 >= MIN_WELL_FORMED_SHARE * non_blank as f64 {
            continue;
        }
        let (line, why) = tally.first_malformed.clone().unwrap_or_default();
        let first = MalformedLine {
            file: read.path.clone(),
            line,
            column: why.column,
            reason: why.reason,
        };
        return Err(BlueskyError::Unreadable {
            at: first.location(),
            reason: first.reason,
            malformed: tally.malformed,
            lines: non_blank,
        });
    }
    Ok(())
}

fn assemble(
    agg: Aggregate,
    out: pipeline::PipelineOutput,
    topics: &TopicSet,
    opts: &ImportOptions,
) -> Imported {
    // Rows: active users in order of first appearance.
    let mut row_of = vec![u32::MAX; agg.users.len()];
    let mut dids = Vec::new();
    let mut features = Vec::new();
    for (i, u) in agg.users.iter().enumerate() {
        if u.is_active() {
            row_of[i] = features.len() as u32;
            features.push(*u);
            dids.push(String::from_utf8_lossy(agg.dids.get(i as u32)).into_owned());
        }
    }
    let mut follow_records = 0u64;
    let mut edges: Vec<(u32, u32)> = agg
        .follow_edges()
        .inspect(|_| follow_records += 1)
        .map(|(s, d)| (row_of[s as usize], row_of[d as usize]))
        .filter(|&(s, d)| s != u32::MAX && d != u32::MAX && s != d)
        .collect();
    edges.sort_unstable();
    edges.dedup();
    let n_topics = agg.n_topics;
    let topic_features: Vec<Vec<TopicFeatures>> = (0..n_topics)
        .map(|k| {
            (0..agg.users.len())
                .filter(|&i| row_of[i] != u32::MAX)
                .map(|i| agg.topic_users[i * n_topics + k])
                .collect()
        })
        .collect();
    let topic_reports = topics
        .topics()
        .iter()
        .zip(&topic_features)
        .map(|(t, rows)| TopicReport {
            name: t.name.clone(),
            keywords: t.keywords.clone(),
            users_engaged: rows
                .iter()
                .filter(|r| **r != TopicFeatures::default())
                .count() as u64,
            posts: rows.iter().map(|r| u64::from(r.posts)).sum(),
            replies: rows.iter().map(|r| u64::from(r.replies)).sum(),
            file: topic_file_name(&t.name),
        })
        .collect();
    let files: Vec<FileReport> = out
        .files
        .iter()
        .zip(&out.lines.lines_per_file)
        .map(|(f, &lines)| FileReport {
            path: f.path.clone(),
            bytes: f.bytes,
            lines,
            truncated_at: f.truncated_at,
        })
        .collect();
    let malformed_lines = out
        .lines
        .first_malformed
        .iter()
        .map(|(file, line, why)| MalformedLine {
            file: out.files[*file].path.clone(),
            line: *line,
            column: why.column,
            reason: why.reason.clone(),
        })
        .collect();
    let report = ImportReport {
        lines: out.lines.lines_per_file.iter().sum(),
        files,
        blank_lines: out.lines.blank_lines,
        malformed: out.lines.malformed,
        malformed_lines,
        outside_window: agg.outside_window,
        counts: agg.counts,
        since_us: opts.since,
        until_us: opts.until,
        covered: agg.window_seen.map(|(a, b)| TimeSpan {
            first_us: a,
            last_us: b,
            first: format_rfc3339(a),
            last: format_rfc3339(b),
        }),
        users_seen: agg.users.len() as u64,
        users_active: features.len() as u64,
        follow_records,
        follow_edges: edges.len() as u64,
        follow_records_not_edges: follow_records - edges.len() as u64,
        topics: topic_reports,
    };
    Imported {
        report,
        dids,
        features,
        edges,
        topic_features,
    }
}

/// Import and write `features.parquet`, `follows.parquet`, `topic_NAME.parquet` and
/// `import.json` into `out_dir` (created when missing). Nothing is written when the import
/// fails; each file is written atomically, `import.json` last. A non-empty `out_dir` is refused
/// before any work unless `opts.force`; a run directory or an input's folder always is.
pub fn import_to_dir(
    files: &[PathBuf],
    out_dir: &Path,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, BlueskyError> {
    crate::out_dir::check(out_dir, files, opts.force)?;
    let imported = import_capture(files, opts, progress)?;
    crate::output::write_outputs(&imported, out_dir, files)?;
    Ok(imported.report)
}

//! `emergent import bluesky` and `emergent synth bluesky`: thin wrappers over
//! `emergent-bluesky` — parse arguments, draw progress, print a short summary.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use emergent_bluesky::{
    FEATURES_FILE, FOLLOWS_FILE, ImportOptions, ImportReport, REPORT_FILE, SynthOptions, Topic,
    format_rfc3339, import_to_dir, parse_time, synth_capture,
};

use crate::progress::Bar;

#[derive(clap::Args)]
pub struct ImportArgs {
    /// Jetstream captures (.jsonl, .jsonl.gz, .jsonl.zst), read in order as one stream.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output folder: features.parquet, follows.parquet, topic_NAME.parquet, import.json.
    /// Must be new or empty, unless --force; never a run directory or an input's folder.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace the earlier import in a non-empty --out folder.
    #[arg(long)]
    force: bool,
    /// Keep events at or after T (RFC 3339, e.g. 2024-11-01T00:00:00Z, or microseconds).
    #[arg(long, value_name = "T")]
    since: Option<String>,
    /// Keep events before T (RFC 3339 or microseconds).
    #[arg(long, value_name = "T")]
    until: Option<String>,
    /// A topic table: NAME=keyword1,keyword2 (a `#tag` keyword matches only the hashtag).
    /// Repeat for several topics.
    #[arg(long = "topic", value_name = "NAME=KW,KW")]
    topics: Vec<String>,
    /// On a truncated compressed file, import the events before the break instead of failing.
    #[arg(long)]
    allow_partial: bool,
    /// Parser threads (0 = one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    threads: usize,
    /// Print the import report (import.json) on stdout instead of the summary.
    #[arg(long)]
    json: bool,
}

pub fn import(args: ImportArgs) -> Result<()> {
    let since = args
        .since
        .as_deref()
        .map(parse_time)
        .transpose()
        .context("--since")?;
    let until = args
        .until
        .as_deref()
        .map(parse_time)
        .transpose()
        .context("--until")?;
    let topics = args
        .topics
        .iter()
        .map(|t| Topic::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .context("--topic")?;
    let opts = ImportOptions {
        since,
        until,
        topics,
        allow_partial: args.allow_partial,
        threads: args.threads,
        force: args.force,
        stop: None,
    };
    let bar = Bar::new();
    let started = Instant::now();
    let result = import_to_dir(&args.files, &args.out, &opts, &bar);
    bar.finish();
    let report = result?;
    warn_malformed(&report);
    let secs = started.elapsed().as_secs_f64();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let c = &report.counts;
    println!(
        "imported {} events from {} file(s) in {secs:.1} s ({:.0} events/s)",
        c.events,
        report.files.len(),
        (c.events + report.outside_window) as f64 / secs.max(1e-9)
    );
    println!(
        "  users: {} active ({} seen); follow edges: {}",
        report.users_active, report.users_seen, report.follow_edges
    );
    println!(
        "  posts {} (replies {}), reposts {}, likes {}, follows {}; deletes matched {}, unmatched {}",
        c.posts.creates,
        c.replies,
        c.reposts.creates,
        c.likes.creates,
        c.follows.creates,
        c.posts.deletes_matched
            + c.reposts.deletes_matched
            + c.likes.deletes_matched
            + c.follows.deletes_matched,
        c.posts.deletes_unmatched
            + c.reposts.deletes_unmatched
            + c.likes.deletes_unmatched
            + c.follows.deletes_unmatched,
    );
    println!(
        "  identity {}, account {}, other collections {}, unknown kinds {}",
        c.identity, c.account, c.other_collections, c.unknown_kind
    );
    if let Some(w) = &report.covered {
        println!("  window covered: {} .. {}", w.first, w.last);
    }
    if report.malformed > 0 {
        let shown: Vec<String> = report
            .malformed_lines
            .iter()
            .map(|m| m.location())
            .collect();
        println!(
            "  malformed lines skipped: {} (first: {})",
            report.malformed,
            shown.join(", ")
        );
    }
    if report.outside_window > 0 {
        println!("  outside --since/--until: {}", report.outside_window);
    }
    for f in report.files.iter().filter(|f| f.truncated_at.is_some()) {
        println!(
            "  partial: {} breaks at byte {}",
            f.path.display(),
            f.truncated_at.unwrap_or_default()
        );
    }
    let mut written = vec![FEATURES_FILE.to_string(), FOLLOWS_FILE.to_string()];
    written.extend(report.topics.iter().map(|t| t.file.clone()));
    written.push(REPORT_FILE.to_string());
    println!("  wrote {}: {}", args.out.display(), written.join(", "));
    Ok(())
}

/// Malformed lines were skipped: say how many on stderr, and where and why the first few are.
fn warn_malformed(report: &ImportReport) {
    if report.malformed == 0 {
        return;
    }
    let non_blank = report.lines - report.blank_lines;
    eprintln!(
        "warning: skipped {} malformed line(s) of {non_blank}; the first:",
        report.malformed
    );
    for m in report.malformed_lines.iter().take(3) {
        eprintln!("  {m}");
    }
}

#[derive(clap::Args)]
pub struct SynthArgs {
    /// Number of users.
    #[arg(long, value_name = "N")]
    users: u32,
    /// Length of the capture in days.
    #[arg(long, value_name = "D")]
    days: f64,
    /// Output file: .jsonl, .jsonl.gz or .jsonl.zst.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Random seed; the same seed gives the same file.
    #[arg(long, default_value_t = 0, value_name = "S")]
    seed: u64,
    /// Mean events a user authors per day (2.1 gives ~5e7 events for 1,671,587 users over 14 days).
    #[arg(long, default_value_t = 2.1, value_name = "R")]
    rate: f64,
    /// Time of the first event (RFC 3339 or microseconds).
    #[arg(long, default_value = "2024-11-01T00:00:00Z", value_name = "T")]
    start: String,
    /// zstd compression level for .zst output.
    #[arg(long, default_value_t = 1, value_name = "L")]
    level: i32,
    /// Threads (0 = one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    threads: usize,
    /// Print the generated counts as JSON on stdout instead of the summary.
    #[arg(long)]
    json: bool,
}

pub fn synth(args: SynthArgs) -> Result<()> {
    let start_us = parse_time(&args.start).context("--start")?;
    let opts = SynthOptions {
        users: args.users,
        days: args.days,
        seed: args.seed,
        events_per_user_day: args.rate,
        start_us,
        zstd_level: args.level,
        threads: args.threads,
    };
    let bar = Bar::new();
    let started = Instant::now();
    let result = synth_capture(&opts, &args.out, &bar);
    bar.finish();
    let s = result?;
    let secs = started.elapsed().as_secs_f64();
    let r = &s.report;
    if args.json {
        println!("{}", serde_json::to_string_pretty(r)?);
        return Ok(());
    }
    let c = &r.counts;
    println!(
        "wrote {} events ({} users, {} days, seed {}) to {} in {secs:.1} s",
        r.events,
        r.users,
        r.days,
        r.seed,
        args.out.display()
    );
    println!(
        "  users active: {}; follow edges: {}",
        r.users_active, r.follow_edges
    );
    println!(
        "  posts {} (replies {}), reposts {}, likes {}, follows {}; identity {}, account {}, other collections {}",
        c.posts.creates,
        c.replies,
        c.reposts.creates,
        c.likes.creates,
        c.follows.creates,
        c.identity,
        c.account,
        c.other_collections
    );
    println!(
        "  time span: {} .. {}",
        format_rfc3339(r.first_us),
        format_rfc3339(r.last_us)
    );
    Ok(())
}

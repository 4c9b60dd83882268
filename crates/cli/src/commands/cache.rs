//! `emergent cache stats|prune|export`: the LLM replay cache every run shares (docs/llm.md);
//! the commands' work is `emergent_runner::cache`'s (the Python package calls it too).

use std::path::{Path, PathBuf};

use anyhow::Result;
use emergent_llm::CacheStats;
use emergent_runner::cache::{export_cache, open_replay_cache, prune_cache, stats_json};

/// Which cache: `--cache`, else the per-user default.
#[derive(clap::Args)]
pub struct Which {
    /// The cache file; default `$EMERGENT_CACHE`, else `$XDG_CACHE_HOME/emergent/replay.sqlite`,
    /// else `~/.cache/emergent/replay.sqlite` (a scenario's `llm.cache` may name another).
    #[arg(long, value_name = "PATH")]
    cache: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// Size, entries, entries by model, and the hit rate of every run that used the cache.
    Stats {
        #[command(flatten)]
        which: Which,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove entries by model and/or age, or all of them. A dry run (it only counts) unless
    /// `--yes` is given.
    Prune {
        #[command(flatten)]
        which: Which,
        /// Only entries of this model (as `llm.model` names it).
        #[arg(long)]
        model: Option<String>,
        /// Only entries stored longer ago than this: a number with `d`, `h`, `m` or `s`
        /// (`30d`, `12h`); a bare number is days.
        #[arg(long, value_name = "AGE")]
        older_than: Option<String>,
        /// Every entry (needed when neither --model nor --older-than is given).
        #[arg(long)]
        all: bool,
        /// Really remove them (otherwise only say how many would go).
        #[arg(long)]
        yes: bool,
    },
    /// Every entry as a Parquet table (requests and answers; never a key or header).
    Export {
        #[command(flatten)]
        which: Which,
        /// The Parquet file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace `--out` if it exists.
        #[arg(long)]
        force: bool,
    },
}

pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Stats { which, json } => {
            let cache = open_replay_cache(which.cache.as_deref())?;
            print_stats(cache.path(), &cache.stats()?, json);
            Ok(())
        }
        Command::Prune {
            which,
            model,
            older_than,
            all,
            yes,
        } => {
            let (path, n) = prune_cache(
                which.cache.as_deref(),
                model,
                older_than.as_deref(),
                all,
                yes,
            )?;
            if yes {
                println!("removed {n} entries from {}", path.display());
            } else {
                println!(
                    "would remove {n} entries from {} (dry run: add --yes to remove them)",
                    path.display()
                );
            }
            Ok(())
        }
        Command::Export { which, out, force } => {
            let n = export_cache(which.cache.as_deref(), &out, force)?;
            println!("exported {n} entries to {}", out.display());
            Ok(())
        }
    }
}

fn print_stats(path: &Path, s: &CacheStats, json: bool) {
    if json {
        println!("{:#}", stats_json(path, s));
        return;
    }
    let rate = s.hit_rate();
    println!("cache:    {}", path.display());
    println!("size:     {:.1} MiB", s.bytes as f64 / (1u64 << 20) as f64);
    println!("entries:  {} ({} recorded failures)", s.entries, s.failures);
    for (model, n) in &s.by_model {
        let name = if model.is_empty() { "(unknown)" } else { model };
        println!("  {name}: {n}");
    }
    match rate {
        Some(r) => println!("hit rate: {:.1} % over {} runs", 100.0 * r, s.runs.len()),
        None => println!("hit rate: no run recorded yet"),
    }
    for r in s.runs.iter().take(10) {
        let total = (r.hits + r.misses).max(1);
        println!(
            "  run {} ({}): {} hits, {} misses ({:.1} %)",
            r.id,
            r.model,
            r.hits,
            r.misses,
            100.0 * r.hits as f64 / total as f64
        );
    }
}

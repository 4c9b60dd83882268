//! `emergent cache stats|prune|export`: the LLM replay cache every run shares (docs/llm.md).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use emergent_io::{ParquetColumn, check_output_path, write_parquet_columns};
use emergent_llm::{CacheStats, PruneFilter, ReplayCache, open_cache};

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
            let cache = open(&which)?;
            print_stats(cache.path(), &cache.stats()?, json);
            Ok(())
        }
        Command::Prune {
            which,
            model,
            older_than,
            all,
            yes,
        } => prune(&which, model, older_than, all, yes),
        Command::Export { which, out, force } => export(&which, &out, force),
    }
}

fn open(which: &Which) -> Result<ReplayCache> {
    let path = match &which.cache {
        Some(p) => p.clone(),
        None => emergent_llm::default_cache_path().context(
            "no default replay cache location (EMERGENT_CACHE, XDG_CACHE_HOME and HOME are all unset): give --cache PATH",
        )?,
    };
    Ok(open_cache(&path)?)
}

fn print_stats(path: &Path, s: &CacheStats, json: bool) {
    let rate = s.hit_rate();
    if json {
        let runs: Vec<_> = s
            .runs
            .iter()
            .map(|r| {
                serde_json::json!({"id": r.id, "started": r.started, "model": r.model,
                    "hits": r.hits, "misses": r.misses})
            })
            .collect();
        let by_model: serde_json::Map<_, _> = s
            .by_model
            .iter()
            .map(|(m, n)| (m.clone(), serde_json::json!(n)))
            .collect();
        let out = serde_json::json!({"path": path.display().to_string(), "bytes": s.bytes,
            "entries": s.entries, "failures": s.failures, "by_model": by_model,
            "hit_rate": rate, "runs": runs});
        println!("{out:#}");
        return;
    }
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

/// `30d`, `12h`, `90m`, `45s`, or days.
fn parse_age(text: &str) -> Result<i64> {
    let t = text.trim();
    let (number, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c),
        _ => (t, 'd'),
    };
    let seconds = match unit {
        'd' => 86_400.0,
        'h' => 3_600.0,
        'm' => 60.0,
        's' => 1.0,
        _ => bail!("--older-than {text:?}: the unit must be d, h, m or s (e.g. 30d)"),
    };
    let n: f64 = number
        .trim()
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n >= 0.0 && *n < 1e6)
        .with_context(|| format!("--older-than {text:?}: not an age like 30d or 12h"))?;
    Ok((n * seconds) as i64)
}

fn prune(
    which: &Which,
    model: Option<String>,
    older_than: Option<String>,
    all: bool,
    yes: bool,
) -> Result<()> {
    if model.is_none() && older_than.is_none() && !all {
        bail!("say what to prune: --model NAME, --older-than AGE, or --all");
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let before = older_than
        .as_deref()
        .map(parse_age)
        .transpose()?
        .map(|age| now - age);
    let cache = open(which)?;
    let n = cache.prune(&PruneFilter { model, before }, yes)?;
    if yes {
        println!("removed {n} entries from {}", cache.path().display());
    } else {
        println!(
            "would remove {n} entries from {} (dry run: add --yes to remove them)",
            cache.path().display()
        );
    }
    Ok(())
}

fn export(which: &Which, out: &Path, force: bool) -> Result<()> {
    let cache = open(which)?;
    check_output_path(out, &[cache.path().to_path_buf()], force)?;
    let rows = cache.entries()?;
    let col = |name: &str, f: &dyn Fn(&emergent_llm::CacheEntry) -> String| {
        ParquetColumn::Str(name.into(), rows.iter().map(f).collect())
    };
    let int = |name: &str, f: &dyn Fn(&emergent_llm::CacheEntry) -> i64| {
        ParquetColumn::I64(name.into(), rows.iter().map(f).collect())
    };
    let columns = vec![
        col("key", &|r| r.key.clone()),
        col("model", &|r| r.model.clone()),
        ParquetColumn::U32("agent".into(), rows.iter().map(|r| r.agent).collect()),
        ParquetColumn::U32("tick".into(), rows.iter().map(|r| r.tick).collect()),
        int("seed", &|r| r.seed as i64),
        int("created", &|r| r.created),
        col("request", &|r| r.request.clone()),
        col("response", &|r| r.response.clone().unwrap_or_default()),
        ParquetColumn::U32(
            "failed".into(),
            rows.iter().map(|r| r.response.is_none() as u32).collect(),
        ),
        int("prompt_tokens", &|r| r.prompt_tokens as i64),
        int("completion_tokens", &|r| r.completion_tokens as i64),
    ];
    write_parquet_columns(out, columns)?;
    println!("exported {} entries to {}", rows.len(), out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_age;

    #[test]
    fn ages_have_units_and_default_to_days() {
        assert_eq!(parse_age("30d").unwrap(), 30 * 86_400);
        assert_eq!(parse_age("12h").unwrap(), 12 * 3_600);
        assert_eq!(parse_age("2").unwrap(), 2 * 86_400);
        assert_eq!(parse_age("90m").unwrap(), 5_400);
        assert!(parse_age("3w").is_err() && parse_age("-1d").is_err() && parse_age("d").is_err());
    }
}

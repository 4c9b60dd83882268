//! `emergent import oasis`: a thin wrapper over `emergent-oasis` — parse arguments, import,
//! print a short summary.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use emergent_oasis::{ImportOptions, import_oasis};

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The SQLite database an OASIS simulation wrote (its `db_path`).
    #[arg(value_name = "SIM.db")]
    db: PathBuf,
    /// Output folder: features.parquet, follows.parquet, ticks.parquet (timestep clocks),
    /// import.json. Must be new or empty, unless --force; never a run directory or the
    /// database's folder.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace the earlier import in a non-empty --out folder.
    #[arg(long)]
    force: bool,
    /// Print the import summary (import.json) on stdout instead of the summary lines.
    #[arg(long)]
    json: bool,
}

pub fn import(args: ImportArgs) -> Result<()> {
    let started = Instant::now();
    let opts = ImportOptions { force: args.force };
    let s = import_oasis(&args.db, &args.out, &opts)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(());
    }
    let c = &s.counts;
    println!(
        "imported {} agents from {} in {:.2} s",
        s.agents,
        args.db.display(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "  posts {}, reposts {}, quotes {}, comments {}, likes {}, dislikes {}, follow edges {}, trace rows {}",
        c.posts, c.reposts, c.quotes, c.comments, c.likes, c.dislikes, c.follow_edges, c.trace_rows
    );
    match (&s.ticks, &s.no_ticks_because) {
        (Some(t), _) => println!("  ticks {}..={} ({} timesteps)", t.first, t.last, t.ticks),
        (None, Some(why)) => println!("  no ticks.parquet: {why}"),
        (None, None) => {}
    }
    if !s.absent_tables.is_empty() {
        println!(
            "  tables absent (features zero): {}",
            s.absent_tables.join(", ")
        );
    }
    if c.dangling > 0 {
        println!(
            "  rows naming a user, post or comment not in the database: {}",
            c.dangling
        );
    }
    println!("  wrote {}: {}", args.out.display(), s.files.join(", "));
    Ok(())
}

//! Benchmark driver used by `benches/bluesky.sh` when the `emergent` subcommands are not wired:
//!
//!   bluesky_bench synth USERS DAYS FILE [SEED]   → prints the SynthReport as JSON
//!   bluesky_bench import DIR FILE...             → imports, prints events/s and the report

use std::path::PathBuf;
use std::time::Instant;

use emergent_attribution::NoProgress;
use emergent_bluesky::{ImportOptions, SynthOptions, import_to_dir, synth_capture};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("synth") if args.len() >= 4 => {
            let opts = SynthOptions {
                users: args[1].parse()?,
                days: args[2].parse()?,
                seed: args.get(4).map_or(Ok(0), |s| s.parse())?,
                ..Default::default()
            };
            let t = Instant::now();
            let s = synth_capture(&opts, &PathBuf::from(&args[3]), &NoProgress)?;
            let secs = t.elapsed().as_secs_f64();
            eprintln!(
                "synth: {} events in {secs:.1} s ({:.0} events/s)",
                s.report.events,
                s.report.events as f64 / secs
            );
            println!("{}", serde_json::to_string_pretty(&s.report)?);
        }
        Some("import") if args.len() >= 3 => {
            let files: Vec<PathBuf> = args[2..].iter().map(PathBuf::from).collect();
            let t = Instant::now();
            let r = import_to_dir(
                &files,
                &PathBuf::from(&args[1]),
                &ImportOptions::default(),
                &NoProgress,
            )?;
            let secs = t.elapsed().as_secs_f64();
            let events = r.counts.events + r.outside_window;
            eprintln!(
                "import: {events} events in {secs:.1} s ({:.0} events/s)",
                events as f64 / secs
            );
            println!("{}", serde_json::to_string_pretty(&r)?);
        }
        _ => {
            eprintln!(
                "usage: bluesky_bench synth USERS DAYS FILE [SEED] | bluesky_bench import DIR FILE..."
            );
            std::process::exit(2);
        }
    }
    Ok(())
}

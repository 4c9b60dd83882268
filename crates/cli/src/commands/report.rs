//! `emergent report`: a run directory (or an import directory) → `report.md` and a
//! self-contained `report.html`.

use std::path::PathBuf;

use anyhow::Result;

#[derive(clap::Args)]
pub struct Args {
    /// A run directory made by `emergent run`, or a folder made by `emergent import oasis` or
    /// `emergent import bluesky` (its study, if `emergent study` wrote one into DIR/study, is
    /// included).
    #[arg(value_name = "RUN_DIR")]
    run_dir: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    let files = emergent_report::write_report(&args.run_dir)?;
    println!("report: {}", files.markdown.display());
    println!("html:   {} (self-contained)", files.html.display());
    if !files.with_study && files.import {
        println!(
            "no study yet: `emergent study --features {} --indicator EXPR` adds one",
            args.run_dir.join("features.parquet").display()
        );
    } else if !files.with_study {
        println!(
            "no study yet: `emergent study {}` adds one",
            args.run_dir.display()
        );
    }
    Ok(())
}

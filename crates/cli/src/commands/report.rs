//! `emergent report`: a run directory → `report.md` and a self-contained `report.html`.

use std::path::PathBuf;

use anyhow::Result;

#[derive(clap::Args)]
pub struct Args {
    /// A run directory made by `emergent run` (its study, if `emergent study` ran, is included).
    #[arg(value_name = "RUN_DIR")]
    run_dir: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    let files = emergent_report::write_report(&args.run_dir)?;
    println!("report: {}", files.markdown.display());
    println!("html:   {} (self-contained)", files.html.display());
    if !files.with_study {
        println!(
            "no study yet: `emergent study {}` adds one",
            args.run_dir.display()
        );
    }
    Ok(())
}

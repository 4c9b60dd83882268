//! `emergent study`: full-population attribution vs sampled panels, the scaling-bias
//! verdict and robustness sweeps, written as tables and plots (see `emergent_report`).

//!
//! The planning (what to read, every check before any work) is
//! `emergent_runner::study`, shared with the Python package.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use emergent_runner::study::{StudyRequest, StudySource, plan_study};
use emergent_study::Study;

use crate::commands::tiers::TierArgs;

#[derive(clap::Args)]
pub struct Args {
    /// A run directory made by `emergent run`: features from features.parquet, indicators and
    /// baselines from its scenario.toml; outputs in RUN_DIR/study/.
    #[arg(
        value_name = "RUN_DIR",
        conflicts_with = "features",
        required_unless_present = "features"
    )]
    run_dir: Option<PathBuf>,
    /// A feature table (.csv or .parquet) instead of a run directory.
    #[arg(long, value_name = "FILE", requires = "indicator")]
    features: Option<PathBuf>,
    /// Indicator to study, e.g. `gini(posts + replies)` (repeatable; with --features).
    #[arg(
        long,
        value_name = "EXPR",
        allow_hyphen_values = true,
        requires = "features"
    )]
    indicator: Vec<String>,
    /// zero | mean | min | COL=V,COL=V: one for every indicator, or one per --indicator in order
    /// (`initial`, a run's first recorded tick, needs a RUN_DIR: its scenario names it).
    #[arg(long, value_name = "B", requires = "features")]
    baseline: Vec<String>,
    /// Output folder (default: RUN_DIR/study, or `study/` next to the --features file).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Agents per panel.
    #[arg(long, default_value_t = 100, value_name = "N")]
    panel_size: usize,
    /// Panels (seeds) per protocol.
    #[arg(long, default_value_t = 10, value_name = "S")]
    seeds: u64,
    /// `--tier-by` also weights the visibility protocol.
    #[command(flatten)]
    tier: TierArgs,
    /// Weights of the activity protocol.
    #[arg(long, default_value = "posts", value_name = "COL")]
    activity_by: String,
    /// Panel protocols, comma-separated.
    #[arg(
        long,
        default_value = "uniform,visibility,stratified,activity",
        value_delimiter = ',',
        value_name = "LIST"
    )]
    protocols: Vec<String>,
    /// Master seed of the panel draws.
    #[arg(long, default_value_t = 0, value_name = "S")]
    seed: u64,
    /// Skip the robustness sweeps (baseline, quadrature steps, path).
    #[arg(long)]
    no_sweeps: bool,
}

pub fn run(args: Args) -> Result<()> {
    args.tier.check()?;
    let started = Instant::now();
    let source = match args.run_dir {
        Some(dir) => StudySource::RunDir(dir),
        None => StudySource::Features {
            file: args.features.context("give a RUN_DIR or --features FILE")?,
            indicators: args.indicator,
            baselines: args.baseline,
        },
    };
    let req = StudyRequest {
        out: args.out,
        panel_size: args.panel_size,
        seeds: args.seeds,
        tier_by: Some(args.tier.column().to_string()),
        tiers: args.tier.tiers,
        activity_by: args.activity_by,
        protocols: args.protocols,
        seed: args.seed,
        sweeps: !args.no_sweeps,
        ..StudyRequest::new(source)
    };
    let plan = plan_study(&req)?;
    let progress = |what: &str| eprintln!("[{:>6.1} s] {what}", started.elapsed().as_secs_f64());
    progress(&format!(
        "{} agents from {}",
        plan.table.len(),
        plan.features.display()
    ));
    let study = plan.run(&progress)?;
    progress("writing tables and plots");
    let written = emergent_report::write_study(&plan.out, &study)?;
    print_summary(
        &study,
        &plan.out,
        written.len(),
        started.elapsed().as_secs_f64(),
    );
    Ok(())
}

fn print_summary(study: &Study, out: &Path, files: usize, seconds: f64) {
    println!(
        "studied {} indicator(s) on {} agents: {} protocol(s) × {} panels of {} agents, in {seconds:.1} s",
        study.indicators.len(),
        study.n_agents,
        study.protocols.len(),
        study.seeds,
        study.panel_size
    );
    for ind in &study.indicators {
        let top = ind.full.tiers.first();
        let full = top
            .map(|t| format!("{} holds {:.1}% of Σφ", t.name, 100.0 * t.share))
            .unwrap_or_default();
        let panels: Vec<String> = ind
            .protocols
            .iter()
            .map(|p| {
                format!(
                    "{} {:.1}%",
                    p.protocol.name(),
                    100.0 * p.tier_shares.first().map_or(f64::NAN, |s| s.mean)
                )
            })
            .collect();
        let label = if ind.name == ind.expr {
            ind.name.clone()
        } else {
            format!("{} = {}", ind.name, ind.expr)
        };
        println!("  {label}: {full} (panels: {})", panels.join(", "));
        println!("    {}", ind.verdict.text);
    }
    println!(
        "outputs in {}/ ({files} files: study.md, study.json, plots/)",
        out.display()
    );
}

//! `emergent experiment`: paired experiments over arms of interventions (the work is
//! `emergent_runner::run_experiment`; the pages are `emergent_report`'s).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use emergent_runner::{ArmSpec, ExperimentOptions, ExperimentSummary, RunError};

use crate::progress::Bar;

#[derive(clap::Args)]
#[command(after_help = "\
An arm file holds `[[interventions]]` entries only (docs/interventions.md); they are appended to \
the scenario's own. An arm `control` without extra interventions is added unless one of the \
--arm is called `control` (that arm is then the control). `--arm NAME=` (no file) is an arm \
without extra interventions.

Replicate r runs every arm with the same noise seed (replicate 0: the scenario's own) on the \
same world. Writes DIR/arms/<arm>/r<k>/ (ordinary run directories), experiment.json, \
experiment.md, experiment.html, plots/ and phi/<arm>.csv (see docs/experiments.md). Rerunning \
the same command keeps the complete runs and runs the rest.")]
pub struct Args {
    /// Scenario file (see scenarios/README.md).
    #[arg(value_name = "SCENARIO.toml")]
    scenario: PathBuf,
    /// An arm: NAME=INTERVENTIONS_FILE (repeatable; NAME: letters, digits, `_`, `-`).
    #[arg(long = "arm", value_name = "NAME=FILE", required = true)]
    arms: Vec<String>,
    /// Replicates per arm (at least 2: the effect's 95 % interval needs them).
    #[arg(long, value_name = "R")]
    replicates: usize,
    /// Override the scenario's seed (the world's: the same in every arm and replicate).
    #[arg(long)]
    seed: Option<u64>,
    /// Override any scenario key in every run, e.g. --set population.agents=1000 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Experiment directory (default: `runs/<scenario name>-experiment`).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Remove an earlier experiment's outputs in DIR and start over.
    #[arg(long)]
    force: bool,
    /// Sum up only this indicator of the scenario (repeatable; default all).
    #[arg(long = "indicator", value_name = "NAME")]
    indicators: Vec<String>,
    /// Print experiment.json to stdout instead of the summary.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let arms = args
        .arms
        .iter()
        .map(|a| ArmSpec::parse(a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let opts = ExperimentOptions {
        scenario: args.scenario,
        arms,
        replicates: args.replicates,
        seed: args.seed,
        overrides: args.set,
        out: args.out,
        force: args.force,
        indicators: args.indicators,
        stop: Some(super::run::stop_on_signals()?),
    };
    let bar = Bar::new();
    let result = emergent_runner::run_experiment(&opts, &bar);
    bar.finish();
    let summary = match result {
        Err(halted @ RunError::Halted { .. }) => {
            eprintln!("{halted}");
            eprintln!("the experiment stopped; rerun the same command to continue it");
            return Ok(ExitCode::from(130));
        }
        other => other?,
    };
    let pages = emergent_report::write_experiment_report(&summary.dir);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary.file)?);
    } else {
        print_summary(&summary);
    }
    match pages {
        Ok(files) => eprintln!("report: {}", files.markdown.display()),
        Err(e) => bail!("the experiment ran but its pages were not written: {e}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(s: &ExperimentSummary) {
    let f = &s.file;
    println!(
        "{} arms × {} replicates: {} runs made, {} kept from before, in {:.2} s",
        f.arms.len(),
        f.replicates,
        s.ran,
        s.kept,
        s.seconds
    );
    println!("outputs in {}/", s.dir.display());
    for ind in &f.indicators {
        for x in &ind.effects {
            let top = x
                .carried
                .as_ref()
                .and_then(|c| c.tiers.first().map(|t| (c, t)))
                .map(|(c, t)| {
                    format!(
                        "; the {} by {} carry {:.1}% of it",
                        t.name,
                        c.tier_by.as_deref().unwrap_or("?"),
                        100.0 * t.share
                    )
                })
                .unwrap_or_default();
            println!(
                "  {}: {} − {} = {:.6} (95% CI [{:.6}, {:.6}]){top}",
                ind.name, x.arm, f.control, x.effect.mean, x.effect.low, x.effect.high
            );
        }
    }
}

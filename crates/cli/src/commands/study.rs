//! `emergent study`: full-population attribution vs sampled panels, the scaling-bias
//! verdict and robustness sweeps, written as tables and plots (see `emergent_report`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use emergent_attribution::{Baseline, FeatureTable, Indicator};
use emergent_io::run_dir::RunDirLock;
use emergent_io::{IdColumn, read_table_for};
use emergent_scenario::Scenario;
use emergent_study::{IndicatorInput, Protocol, Study, StudyConfig};

use crate::commands::attribute::{initial_table, parse_baseline};
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

/// What to study and where to write it.
struct Plan {
    features: PathBuf,
    inputs: Vec<IndicatorInput>,
    out: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    args.tier.check()?;
    let started = Instant::now();
    let protocols = parse_protocols(&args.protocols)?;
    // Not while a run (or another command) writes into the run directory.
    let _lock = match &args.run_dir {
        Some(dir) if dir.is_dir() => Some(RunDirLock::acquire(dir, "emergent study")?),
        _ => None,
    };
    let (plan, table) = match &args.run_dir {
        Some(dir) => from_run_dir(dir, args.out.clone())?,
        None => from_features(&args)?,
    };
    check_columns(&table, &plan, &args, &protocols)?;
    if plan.out.exists() && !plan.out.is_dir() {
        bail!("--out {}: exists and is not a folder", plan.out.display());
    }
    if args.out.is_some() {
        // An existing study folder is rewritten, but never over what the study reads.
        let input = args
            .run_dir
            .clone()
            .unwrap_or_else(|| plan.features.clone());
        emergent_io::check_output_path(&plan.out, &[input], true)?;
    }
    let cfg = StudyConfig {
        panel_size: args.panel_size,
        seeds: args.seeds,
        tier_by: args.tier.column().to_string(),
        cuts: args.tier.tiers.clone(),
        activity_by: args.activity_by.clone(),
        protocols,
        seed: args.seed,
        sweeps: !args.no_sweeps,
        ..StudyConfig::default()
    };
    let progress = |what: &str| eprintln!("[{:>6.1} s] {what}", started.elapsed().as_secs_f64());
    progress(&format!(
        "{} agents from {}",
        table.len(),
        plan.features.display()
    ));
    let study = emergent_study::study(&table, &plan.inputs, &cfg, &progress)
        .with_context(|| format!("studying {}", plan.features.display()))?;
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

fn from_run_dir(dir: &Path, out: Option<PathBuf>) -> Result<(Plan, FeatureTable)> {
    if !dir.is_dir() {
        bail!(
            "{}: not a directory; give a run directory made by `emergent run`, or use --features FILE",
            dir.display()
        );
    }
    // One file, or a partitioned run's shards (listed in shards.json).
    let files = emergent_io::dataset_files(dir, "features").with_context(|| {
        format!(
            "{} is not a (complete) run directory made by `emergent run`",
            dir.display()
        )
    })?;
    let features = files[0].clone();
    let scenario_path = dir.join("scenario.toml");
    let text = std::fs::read_to_string(&scenario_path)
        .with_context(|| format!("{}: cannot read", scenario_path.display()))?;
    let scenario = Scenario::from_str(&text, &scenario_path.display().to_string())?;
    if scenario.indicators.is_empty() {
        bail!(
            "{}: the scenario declares no [[indicators]]; add some, or use --features FILE --indicator EXPR",
            scenario_path.display()
        );
    }
    // Read once, only when an indicator starts from the run's first recorded tick.
    let initial = match scenario.indicators.iter().any(|c| c.baseline == "initial") {
        true => Some(initial_table(Some(dir))?),
        false => None,
    };
    let inputs = scenario
        .indicators
        .iter()
        .map(|c| {
            let indicator = Indicator::parse(&c.expr)
                .with_context(|| format!("{}: indicator `{}`", scenario_path.display(), c.name))?;
            let baseline = match (c.baseline.as_str(), &initial) {
                ("initial", Some(t)) => Ok(Baseline::Table(t.clone())),
                (other, _) => simple_baseline(other),
            }
            .with_context(|| format!("{}: indicator `{}`", scenario_path.display(), c.name))?;
            Ok(IndicatorInput {
                name: c.name.clone(),
                indicator,
                baseline,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let table = emergent_io::read_dataset(dir, "features", &IdColumn::Default)?;
    Ok((
        Plan {
            features,
            inputs,
            out: out.unwrap_or_else(|| dir.join("study")),
        },
        table,
    ))
}

fn from_features(args: &Args) -> Result<(Plan, FeatureTable)> {
    let features = args
        .features
        .clone()
        .context("give a RUN_DIR or --features FILE")?;
    let ids = IdColumn::Default;
    let baselines: Vec<String> = match args.baseline.len() {
        0 => vec!["zero".into(); args.indicator.len()],
        1 => vec![args.baseline[0].clone(); args.indicator.len()],
        n if n == args.indicator.len() => args.baseline.clone(),
        n => bail!(
            "--baseline given {n} times for {} indicators: give one for all, or one per --indicator",
            args.indicator.len()
        ),
    };
    let mut inputs = Vec::new();
    for (expr, b) in args.indicator.iter().zip(&baselines) {
        let indicator = Indicator::parse(expr).with_context(|| format!("--indicator `{expr}`"))?;
        let baseline = parse_baseline(b, &ids, None)?;
        inputs.push(IndicatorInput {
            name: expr.clone(),
            indicator,
            baseline,
        });
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| features.parent().unwrap_or(Path::new(".")).join("study"));
    let uses: Vec<String> = inputs
        .iter()
        .flat_map(|i| i.indicator.columns().iter().cloned())
        .collect();
    let table = read_table_for(&features, &ids, &uses)?;
    Ok((
        Plan {
            features,
            inputs,
            out,
        },
        table,
    ))
}

/// The baselines a scenario may name.
fn simple_baseline(name: &str) -> Result<Baseline> {
    Ok(match name {
        "zero" => Baseline::Zero,
        "mean" => Baseline::Mean,
        "min" => Baseline::Min,
        other => bail!("baseline `{other}` is not zero, mean, min or initial"),
    })
}

fn parse_protocols(names: &[String]) -> Result<Vec<Protocol>> {
    let mut out = Vec::new();
    for n in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let p = Protocol::parse(n).with_context(|| {
            format!(
                "--protocols: `{n}` is not one of {}",
                Protocol::ALL
                    .iter()
                    .map(|p| p.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    if out.is_empty() {
        bail!("--protocols: give at least one protocol");
    }
    Ok(out)
}

/// Fail before any work when a named column is missing, listing the ones there are.
fn check_columns(
    table: &FeatureTable,
    plan: &Plan,
    args: &Args,
    protocols: &[Protocol],
) -> Result<()> {
    let available = || table.column_names().join(", ");
    for input in &plan.inputs {
        if let Some(bad) = input
            .indicator
            .columns()
            .iter()
            .find(|c| table.column(c).is_none())
        {
            bail!(
                "{}: indicator `{}` reads column `{bad}`, which the table does not have; columns: {}",
                plan.features.display(),
                input.name,
                available()
            );
        }
    }
    if table.column(args.tier.column()).is_none() {
        bail!(
            "{}: --tier-by column `{}` is missing; columns: {}",
            plan.features.display(),
            args.tier.column(),
            available()
        );
    }
    if protocols.contains(&Protocol::Activity) && table.column(&args.activity_by).is_none() {
        bail!(
            "{}: --activity-by column `{}` is missing (the activity protocol needs it); columns: {}",
            plan.features.display(),
            args.activity_by,
            available()
        );
    }
    if args.panel_size > table.len() {
        bail!(
            "--panel-size {} is larger than the population of {} ({} agents); use at most {}",
            args.panel_size,
            plan.features.display(),
            table.len(),
            table.len()
        );
    }
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

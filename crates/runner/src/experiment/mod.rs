//! Paired experiments (`emergent experiment SCENARIO --arm NAME=FILE … --replicates R`): every
//! arm — the scenario plus an arm file's `[[interventions]]` — runs on the same world with
//! common random numbers (replicate r uses the same noise seed in every arm, the ground-truth
//! game's [`crate::game::noise_seed`]: replicate 0 is the scenario's own noise), each run an
//! ordinary run directory (`arms/<arm>/r<k>/`) made by the same path as `emergent run`. Then
//! `experiment.json` sums them up: trajectories with bands, the paired effect at the horizon
//! with a 95 % t-interval, and which agents carried it (`carried`). Rerunning the same
//! command keeps the complete runs and runs the rest; `--force` starts over.

mod arms;
mod carried;
mod replicate;
mod trajectory;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use emergent_attribution::{FeatureTable, Progress};
use emergent_io::run_dir::{
    self, ArmValue, EXPERIMENT_ARMS, EXPERIMENT_JSON, EXPERIMENT_PHI_DIR, ExperimentArm,
    ExperimentFile, ExperimentIndicator, FEATURES, RunDirLock, experiment_run_dir,
};
use emergent_io::{IdColumn, atomic_write_bytes, read_dataset};
use emergent_scenario::Scenario;

pub use arms::{ArmSpec, CONTROL};

use crate::error::RunError;
use crate::indicators::IndicatorSpec;
use crate::options::{LoopControl, StopFlag};
use crate::source::ScenarioSource;
use arms::Arm;
use carried::Accumulator;
use replicate::{Outcome, ensure_run};
use trajectory::{Recorded, difference, trajectory};

/// What `emergent experiment` asks for.
#[derive(Debug, Clone, Default)]
pub struct ExperimentOptions {
    pub scenario: PathBuf,
    /// The arms as given; a `control` arm without interventions is added unless one is named so.
    pub arms: Vec<ArmSpec>,
    /// Replicates per arm (at least 2: the effect's interval needs them).
    pub replicates: usize,
    /// Override the scenario's seed (the world's: the same in every run).
    pub seed: Option<u64>,
    /// `KEY=VALUE` overrides for every run.
    pub overrides: Vec<String>,
    /// Default `runs/<scenario name>-experiment`.
    pub out: Option<PathBuf>,
    /// Remove an earlier experiment's outputs first.
    pub force: bool,
    /// Indicators to sum up (default all of the scenario's).
    pub indicators: Vec<String>,
    /// Stop cleanly after the current tick once this holds a signal number.
    pub stop: Option<StopFlag>,
}

/// What an experiment did.
#[derive(Debug, Clone)]
pub struct ExperimentSummary {
    pub dir: PathBuf,
    pub file: ExperimentFile,
    /// Runs made by this invocation, and complete runs it kept from an earlier one.
    pub ran: usize,
    pub kept: usize,
    pub seconds: f64,
}

/// The φ table of treated arm `arm`, relative to the experiment directory.
pub fn phi_file(arm: &str) -> String {
    format!("{EXPERIMENT_PHI_DIR}/{arm}.csv")
}

/// Run (or finish) an experiment and write `experiment.json` and the φ tables; `progress`
/// counts arm × replicate runs. Every input is checked before anything is written.
pub fn run_experiment(
    opts: &ExperimentOptions,
    progress: &dyn Progress,
) -> Result<ExperimentSummary, RunError> {
    let started = Instant::now();
    let (base, scenario) = base_source(opts)?;
    check_inputs(opts, &scenario)?;
    let arms = arms::arms(&base, &opts.arms)?;
    let dir = opts.out.clone().unwrap_or_else(|| default_dir(&scenario));
    let _lock = prepare_dir(&dir, opts.force)?;
    let noise: Vec<Option<u64>> = (0..opts.replicates)
        .map(|r| crate::game::noise_seed(&scenario, r))
        .collect();
    let control = LoopControl {
        throttle: None,
        stop: opts.stop.clone(),
    };
    progress.start(
        (arms.len() * opts.replicates) as u64,
        "arm × replicate runs",
    );
    let (mut ran, mut kept) = (0, 0);
    for (r, &seed) in noise.iter().enumerate() {
        for arm in &arms {
            let source = replicate_source(&base, arm, r, seed);
            match ensure_run(
                &dir.join(experiment_run_dir(&arm.name, r)),
                &source,
                &control,
            )? {
                Outcome::Ran => ran += 1,
                Outcome::Kept => kept += 1,
            }
            progress.advance(1);
        }
    }
    let file = summarise(&dir, opts, &base, &scenario, &arms, noise)?;
    run_dir::write_json(&dir.join(EXPERIMENT_JSON), &file)?;
    Ok(ExperimentSummary {
        dir,
        file,
        ran,
        kept,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The scenario as given, with `--seed` and `--set`, parsed and validated.
fn base_source(opts: &ExperimentOptions) -> Result<(ScenarioSource, Scenario), RunError> {
    let base = ScenarioSource::read(&opts.scenario, &opts.overrides, opts.seed)?;
    let scenario = base.scenario()?;
    Ok((base, scenario))
}

/// What the experiment cannot do, refused before any run.
fn check_inputs(opts: &ExperimentOptions, scenario: &Scenario) -> Result<(), RunError> {
    let refuse = |what: &str, message: String| {
        Err(RunError::Experiment {
            what: what.to_string(),
            message,
        })
    };
    if opts.replicates < 2 {
        return refuse(
            "--replicates",
            format!(
                "{}: give at least 2 (the effect's 95 % interval comes from the spread of the \
                 paired differences over replicates)",
                opts.replicates
            ),
        );
    }
    if scenario.econ.is_some() || emergent_llm::uses_llm(scenario) {
        return refuse(
            &scenario.file,
            "experiments run social worlds of surrogate policies (not [econ] runs, which take \
             no interventions, nor LLM agents)"
                .into(),
        );
    }
    if let Some(bad) = opts
        .indicators
        .iter()
        .find(|n| !scenario.indicators.iter().any(|i| &i.name == *n))
    {
        let names: Vec<&str> = scenario
            .indicators
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        return refuse(
            &format!("--indicator {bad}"),
            format!(
                "no such indicator; the scenario declares: {}",
                names.join(", ")
            ),
        );
    }
    Ok(())
}

/// `runs/<scenario name>-experiment` (the name's characters outside `A–Z a–z 0–9 _ -` as `_`).
fn default_dir(scenario: &Scenario) -> PathBuf {
    let safe: String = scenario
        .scenario
        .name
        .chars()
        .map(
            |c| match c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                true => c,
                false => '_',
            },
        )
        .collect();
    PathBuf::from("runs").join(format!("{safe}-experiment"))
}

/// Create and lock the experiment directory. An existing one must be an experiment's (it is
/// then continued) unless `force`, which removes every earlier experiment output first.
fn prepare_dir(dir: &Path, force: bool) -> Result<RunDirLock, RunError> {
    std::fs::create_dir_all(dir).map_err(|e| crate::fs::io(dir, e))?;
    let lock = RunDirLock::acquire(dir, "emergent experiment")?;
    if force {
        run_dir::remove_experiment_outputs(dir)?;
    } else if run_dir::is_non_empty(dir)? && !dir.join(EXPERIMENT_ARMS).is_dir() {
        return Err(RunError::Experiment {
            what: dir.display().to_string(),
            message: "exists, is not empty and holds no experiment (no `arms/`); pass --force \
                      to write the experiment there anyway, or choose another --out"
                .into(),
        });
    }
    Ok(lock)
}

/// The run of arm `arm` in replicate `r`: the arm's text, the experiment's overrides and the
/// replicate's noise seed (none for the scenario's own noise: then the control's replicate 0
/// is exactly `emergent run SCENARIO`).
fn replicate_source(
    base: &ScenarioSource,
    arm: &Arm,
    r: usize,
    noise: Option<u64>,
) -> ScenarioSource {
    let mut overrides = base.overrides.clone();
    if r > 0
        && let Some(n) = noise
    {
        overrides.push(format!("scenario.noise_seed={n}"));
    }
    ScenarioSource {
        text: arm.text.clone(),
        file: base.file.clone(),
        overrides,
        policy: None,
    }
}

/// Read every run back and sum the experiment up; writes the φ tables.
fn summarise(
    dir: &Path,
    opts: &ExperimentOptions,
    base: &ScenarioSource,
    scenario: &Scenario,
    arms: &[Arm],
    noise_seeds: Vec<Option<u64>>,
) -> Result<ExperimentFile, RunError> {
    let run = |a: &Arm, r: usize| dir.join(experiment_run_dir(&a.name, r));
    let features = |a: &Arm, r: usize| read_dataset(&run(a, r), FEATURES, &IdColumn::Default);
    let first = features(&arms[0], 0)?;
    let specs = IndicatorSpec::from_scenario(scenario, first.column_names())?;
    let wanted = crate::dynamic::wanted(&specs, &opts.indicators, &scenario.file)?;
    let recorded: Vec<Vec<Recorded>> = arms
        .iter()
        .map(|a| {
            (0..opts.replicates)
                .map(|r| Recorded::read(&run(a, r)))
                .collect()
        })
        .collect::<Result<_, _>>()?;
    // acc[arm − 1][indicator]: the treated arms' paired effects.
    let mut acc: Vec<Vec<Accumulator>> = (1..arms.len())
        .map(|_| wanted.iter().map(|_| Accumulator::default()).collect())
        .collect();
    let mut control_values = vec![Vec::new(); wanted.len()];
    let mut ids = first.clone();
    for r in 0..opts.replicates {
        let control = features(&arms[0], r)?;
        for (k, spec) in wanted.iter().enumerate() {
            control_values[k].push(carried::value(&control, spec));
        }
        for (a, arm) in arms.iter().enumerate().skip(1) {
            let treated = features(arm, r)?;
            same_agents(&treated, &control, &run(arm, r))?;
            for (k, spec) in wanted.iter().enumerate() {
                acc[a - 1][k].add(spec, &treated, &control);
            }
            ids = treated;
        }
    }
    let label = |i: usize| ids.ids().label(i);
    write_phi_tables(dir, arms, &wanted, &acc, &label)?;
    let indicators = wanted
        .iter()
        .enumerate()
        .map(|(k, spec)| ExperimentIndicator {
            name: spec.name.clone(),
            expr: spec.indicator.text().to_string(),
            trajectories: arms
                .iter()
                .zip(&recorded)
                .map(|(a, runs)| trajectory(&a.name, &spec.name, runs))
                .collect(),
            differences: arms
                .iter()
                .zip(&recorded)
                .skip(1)
                .map(|(a, runs)| difference(&a.name, &spec.name, runs, &recorded[0]))
                .collect(),
            horizon: arms
                .iter()
                .enumerate()
                .map(|(a, arm)| {
                    let values = match a {
                        0 => control_values[k].clone(),
                        _ => acc[a - 1][k].treated.clone(),
                    };
                    ArmValue {
                        arm: arm.name.clone(),
                        value: carried::estimate(&values),
                        per_replicate: values,
                    }
                })
                .collect(),
            effects: arms
                .iter()
                .enumerate()
                .skip(1)
                .map(|(a, arm)| acc[a - 1][k].effect(&arm.name, &label))
                .collect(),
        })
        .collect();
    Ok(ExperimentFile {
        scenario_file: base.file.clone(),
        scenario: scenario.scenario.name.clone(),
        overrides: base.overrides.clone(),
        seed: scenario.scenario.seed,
        replicates: opts.replicates,
        noise_seeds,
        control: arms[0].name.clone(),
        arms: arms
            .iter()
            .map(|a| ExperimentArm {
                name: a.name.clone(),
                file: a.file.clone(),
                interventions: a.interventions,
                runs: (0..opts.replicates)
                    .map(|r| experiment_run_dir(&a.name, r))
                    .collect(),
            })
            .collect(),
        indicators,
    })
}

/// Both runs hold the same agents in the same order (same scenario and seed: always, unless
/// a run directory was tampered with).
fn same_agents(treated: &FeatureTable, control: &FeatureTable, dir: &Path) -> Result<(), RunError> {
    if treated.ids() == control.ids() {
        return Ok(());
    }
    Err(RunError::Experiment {
        what: dir.display().to_string(),
        message: "its agents differ from the control run's of the same replicate".into(),
    })
}

/// `phi/<arm>.csv` of every treated arm: agent_id, then each indicator's φ (mean over the
/// replicates; empty where the attribution failed).
fn write_phi_tables(
    dir: &Path,
    arms: &[Arm],
    wanted: &[&IndicatorSpec],
    acc: &[Vec<Accumulator>],
    label: &dyn Fn(usize) -> String,
) -> Result<(), RunError> {
    let phi_dir = dir.join(EXPERIMENT_PHI_DIR);
    std::fs::create_dir_all(&phi_dir).map_err(|e| crate::fs::io(&phi_dir, e))?;
    for (a, arm) in arms.iter().enumerate().skip(1) {
        let phis: Vec<Option<Vec<f64>>> = acc[a - 1].iter().map(Accumulator::mean_phi).collect();
        let rows = phis.iter().flatten().map(Vec::len).max().unwrap_or(0);
        let mut csv = String::from("agent_id");
        for spec in wanted {
            let _ = write!(csv, ",{}", spec.name);
        }
        csv.push('\n');
        for i in 0..rows {
            csv.push_str(&label(i));
            for phi in &phis {
                match phi.as_ref().and_then(|p| p.get(i)) {
                    Some(v) => {
                        let _ = write!(csv, ",{v:e}");
                    }
                    None => csv.push(','),
                }
            }
            csv.push('\n');
        }
        atomic_write_bytes(&dir.join(phi_file(&arm.name)), csv.as_bytes())?;
    }
    Ok(())
}

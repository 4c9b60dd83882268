//! `emergent distill --check-seeds K` (and Python's `distill(check_seeds=K)`): the macro
//! check of a fresh distillation. The LLM run's scenario is run K times with the distilled policy in place of the LLM agents (same N,
//! same overrides; the seeds of the LLM runs compared against, then the next ones), and the
//! indicators at the last recorded tick are compared with the LLM run's — or, given more
//! LLM runs of the same scenario (`--llm-runs`), with their seed band. The comparison is
//! `emergent_distill::MacroIndicator`; the runs go to a scratch folder beside the policy that
//! is removed afterwards.

use std::path::{Path, PathBuf};

use emergent_distill::{DistillError, MacroCheck, MacroIndicator, band_rule};
use emergent_io::IoError;
use emergent_io::run_dir::{self, INDICATORS_CSV, Manifest, SCENARIO};
use thiserror::Error;

use crate::error::RunError;

/// Why a macro check could not be planned or made.
#[derive(Debug, Error)]
pub enum DistillCheckError {
    /// A bad `--check-seeds` or `--llm-runs` (the message says which and what to do).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Io(#[from] IoError),
    #[error(transparent)]
    Distill(#[from] DistillError),
    /// A run directory compared against cannot be read. (The inner error is in the message,
    /// not a `source`: printed once, as the command line prints every error's chain.)
    #[error("{what}: {error}")]
    Read {
        what: String,
        error: Box<DistillCheckError>,
    },
    /// One of the check's runs failed.
    #[error("the macro check's run with seed {seed}: {error}")]
    Run { seed: u64, error: RunError },
}

type Result<T> = std::result::Result<T, DistillCheckError>;

/// Most seeds a check runs.
pub const MAX_CHECK_SEEDS: usize = 100;

/// A run's indicators at its last recorded tick: (name, value; None where undefined).
type Last = Vec<(String, Option<f64>)>;

/// An LLM run compared against: its directory, manifest and last recorded indicators.
struct LlmRun {
    dir: PathBuf,
    manifest: Manifest,
    last: Last,
}

impl LlmRun {
    fn read(dir: &Path) -> Result<Self> {
        let manifest = run_dir::read_manifest(dir)?;
        let last = last_indicators(dir)?;
        Ok(LlmRun {
            dir: dir.to_path_buf(),
            manifest,
            last,
        })
    }

    fn seed(&self) -> u64 {
        self.manifest.seed.unwrap_or_default()
    }
}

/// The indicators at the last recorded tick of the run in `dir` (`indicators.csv`'s last
/// row; an empty cell is undefined).
fn last_indicators(dir: &Path) -> Result<Last> {
    let path = dir.join(INDICATORS_CSV);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| IoError::new(&path, format!("cannot read ({e})")))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let Some(last) = lines.rfind(|l| !l.trim().is_empty()) else {
        return Err(IoError::new(&path, "no recorded tick").into());
    };
    let cells: Vec<&str> = last.split(',').collect();
    Ok(header
        .iter()
        .enumerate()
        .skip(1)
        .map(|(k, name)| {
            let v = cells.get(k).and_then(|c| c.trim().parse::<f64>().ok());
            (name.to_string(), v)
        })
        .collect())
}

/// The scenario file to rerun the LLM run from: the file it was started from when that
/// still holds the same text (its relative paths then resolve as they did), else the run
/// directory's copy.
fn scenario_file(dir: &Path, m: &Manifest) -> PathBuf {
    let original = PathBuf::from(&m.scenario_file);
    match std::fs::read_to_string(&original) {
        Ok(text) if text == m.scenario => original,
        _ => dir.join(SCENARIO),
    }
}

/// The seeds: the LLM runs' own, then the next integers, `k` in all.
fn check_seeds(llm: &[LlmRun], k: usize) -> Vec<u64> {
    let mut seeds: Vec<u64> = Vec::new();
    for r in llm {
        if !seeds.contains(&r.seed()) {
            seeds.push(r.seed());
        }
    }
    let mut next = seeds.iter().copied().max().unwrap_or(0);
    while seeds.len() < k {
        next += 1;
        if !seeds.contains(&next) {
            seeds.push(next);
        }
    }
    seeds.truncate(k);
    seeds
}

/// The runs a check compares, read and checked before anything is fitted or written.
pub struct CheckPlan {
    llm: Vec<LlmRun>,
    seeds: Vec<u64>,
}

/// Read the LLM run in `run_dir` and the further ones `more` (the same scenario text and
/// N, each a different seed) and choose `k` seeds; every problem is refused here.
pub fn plan_check(run_dir: &Path, more: &[PathBuf], k: usize) -> Result<CheckPlan> {
    if !(1..=MAX_CHECK_SEEDS).contains(&k) {
        return Err(DistillCheckError::Refused(format!(
            "--check-seeds {k}: give 1 to {MAX_CHECK_SEEDS} seeds"
        )));
    }
    let mut llm = vec![LlmRun::read(run_dir)?];
    for d in more {
        let r = LlmRun::read(d).map_err(|e| DistillCheckError::Read {
            what: format!("--llm-runs {}", d.display()),
            error: Box::new(e),
        })?;
        if r.manifest.scenario_sha256 != llm[0].manifest.scenario_sha256
            || r.manifest.counts.agents != llm[0].manifest.counts.agents
        {
            return Err(DistillCheckError::Refused(format!(
                "--llm-runs {}: not a run of the same scenario at the same N as {} (its scenario text or agent count differs)",
                d.display(),
                run_dir.display()
            )));
        }
        if let Some(same) = llm.iter().find(|o| o.seed() == r.seed()) {
            return Err(DistillCheckError::Refused(format!(
                "--llm-runs {}: seed {} again (as {}): the LLM runs compared must differ in seed",
                d.display(),
                r.seed(),
                same.dir.display()
            )));
        }
        llm.push(r);
    }
    let seeds = check_seeds(&llm, k);
    Ok(CheckPlan { llm, seeds })
}

/// Run the check of `plan` with the policy just written and add it to `report` (the
/// `distill.json` written with it).
/// `progress` hears each run's start (seed, its number, how many).
pub fn run_check(
    plan: CheckPlan,
    policy: &Path,
    report: &Path,
    progress: &dyn Fn(u64, usize, usize),
) -> Result<MacroCheck> {
    let CheckPlan { llm, seeds } = plan;
    let policy = std::path::absolute(policy).map_err(|e| IoError::new(policy, e.to_string()))?;
    let scratch = policy.with_file_name(format!(".distill-check-{}", std::process::id()));
    let result = run_seeds(&llm[0], &policy, &scratch, &seeds, progress);
    let _ = std::fs::remove_dir_all(&scratch);
    let distilled = result?;
    let indicators = llm[0]
        .last
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let l = llm
                .iter()
                .map(|r| r.last.get(i).and_then(|x| x.1))
                .collect();
            let d = distilled
                .iter()
                .map(|run| run.get(i).and_then(|x| x.1))
                .collect();
            MacroIndicator::compare(name, l, d)
        })
        .collect();
    let check = MacroCheck {
        agents: llm[0].manifest.counts.agents.unwrap_or_default() as usize,
        seeds,
        llm_runs: llm.iter().map(|r| r.dir.display().to_string()).collect(),
        llm_seeds: llm.iter().map(LlmRun::seed).collect(),
        band: band_rule(llm.len()),
        indicators,
    };
    emergent_distill::add_macro_check(report, check.clone())?;
    Ok(check)
}

/// The distilled policy on the LLM run's scenario with each seed; the last recorded
/// indicators of each run.
fn run_seeds(
    llm: &LlmRun,
    policy: &Path,
    scratch: &Path,
    seeds: &[u64],
    progress: &dyn Fn(u64, usize, usize),
) -> Result<Vec<Last>> {
    let scenario = scenario_file(&llm.dir, &llm.manifest);
    let path = policy
        .display()
        .to_string()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    let mut overrides = llm.manifest.overrides.clone();
    overrides.extend([
        "llm.enabled=false".to_string(),
        "policy.kind=\"distilled\"".to_string(),
        format!("policy.path=\"{path}\""),
    ]);
    let mut out = Vec::new();
    for (i, &seed) in seeds.iter().enumerate() {
        progress(seed, i + 1, seeds.len());
        let dir = scratch.join(format!("seed-{seed}"));
        let opts = crate::RunOptions {
            scenario: scenario.clone(),
            out: Some(dir.clone()),
            seed: Some(seed),
            overrides: overrides.clone(),
            force: true,
            ..Default::default()
        };
        crate::start(&opts, &crate::NoRunProgress)
            .map_err(|error| DistillCheckError::Run { seed, error })?;
        out.push(last_indicators(&dir)?);
    }
    Ok(out)
}

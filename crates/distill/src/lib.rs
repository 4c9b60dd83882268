//! emergent-distill: `emergent distill RUN_DIR --out policy.json` fits a surrogate to the
//! decisions the LLM agents of a run made (its decision log, `decisions.parquet` and
//! `decision_items.parquet`), one set of models per `[[llm.groups]]` group, and reports its
//! fidelity on held-out agents' decisions next to the scenario's hand-written surrogate.
//!
//! The models (`emergent_sim::policy::distilled`) are logistic regressions for each choice
//! and linear-Gaussian models for the stances, fitted with linfa (`fit.rs`); the engine runs
//! them as `[policy] kind = "distilled"` without this crate. An `[econ]` run's work and
//! consumption are distilled by `econ/` (latent-Gaussian models on the logit scale);
//! [`distill_run`] picks the kind of the run.

mod by_group;
mod dataset;
pub mod econ;
mod error;
mod fidelity;
mod fit;
mod macro_check;
mod models;

use std::path::{Path, PathBuf};

use emergent_io::run_dir::{self, DECISION_ITEMS, DECISIONS, MANIFEST, SCENARIO, parquet_name};
use emergent_scenario::{PolicyKind, Scenario};
use emergent_sim::policy::decision_view::{DECISION_FEATURES, FEATURES_VERSION, ITEM_FEATURES};
use emergent_sim::policy::distilled::{DistilledModel, FORMAT, GroupModel};
use serde::{Deserialize, Serialize};

pub use dataset::{Decisions, HELD_OUT_EVERY, Sample, is_held_out};
pub use error::DistillError;
pub use fidelity::{CLIP, ChoiceModel, Fidelity, MAX_LIKES, Score, fidelity, first_success};
pub use fit::fit_group;
pub use macro_check::{
    MacroCheck, MacroIndicator, add_macro_check, band_rule, file_sha256, utc_now,
};
pub use models::{DistilledChoices, SurrogateChoices};

/// The fidelity report's file name, written beside `policy.json`.
pub const DISTILL_JSON: &str = "distill.json";

/// A group with fewer fitting decisions than this takes the pooled model of every group.
pub const MIN_GROUP_DECISIONS: usize = 200;

/// Fewest fitting decisions a distillation accepts.
pub const MIN_DECISIONS: usize = 50;

/// The estimator, as `distill.json` names it.
pub const ESTIMATOR: &str = "linfa-logistic 0.8.1 (L2 logistic regression, alpha 0.01) for the choices; linfa-linear 0.8.1 (least squares, ridge 0.01) for the stances";

/// What `emergent distill` is asked to do.
#[derive(Clone, Debug)]
pub struct DistillOptions {
    /// The LLM run's directory.
    pub run_dir: PathBuf,
    /// Where `policy.json` goes (`distill.json` is written beside it).
    pub out: PathBuf,
    /// Overwrite existing outputs.
    pub force: bool,
}

/// How one group was fitted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupFit {
    pub name: String,
    /// Decisions fitted on.
    pub decisions: usize,
    /// Agents whose decisions the log holds.
    pub agents: usize,
    pub share: f64,
    /// Too few decisions for its own models: it has the pooled ones.
    pub pooled: bool,
}

/// `distill.json`: where the policy came from and how well it predicts held-out decisions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DistillFile {
    pub run_dir: String,
    pub scenario: String,
    pub seed: u64,
    pub policy_file: String,
    /// Decisions the models answered; fallbacks are left out.
    pub decisions: usize,
    pub fell_back: usize,
    pub fitted_on: usize,
    pub held_out: usize,
    pub held_out_rule: String,
    pub groups: Vec<GroupFit>,
    pub estimator: String,
    /// The distilled policy on the held-out decisions.
    pub distilled: Fidelity,
    /// The scenario's hand-written surrogate on the same decisions (bounded confidence only).
    pub surrogate: Option<Fidelity>,
    pub surrogate_policy: String,
    pub notes: Vec<String>,
    /// SHA-256 (hex) of the `policy.json` written with this report: a run of that file
    /// copies this report into its run directory (`distilled_fidelity.json`), a run of
    /// another file does not.
    #[serde(default)]
    pub policy_sha256: String,
    /// When the policy was fitted (UTC, RFC 3339, seconds).
    #[serde(default)]
    pub fitted_at: String,
    /// The distilled policy's macro indicators against the LLM runs' at the same N
    /// (`emergent distill --check-seeds K`); absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macro_check: Option<MacroCheck>,
}

/// Where a distilled policy came from (in `policy.json`; the engine does not read it).
#[derive(Serialize)]
pub(crate) struct Source<'a> {
    pub run_dir: &'a str,
    pub scenario: &'a str,
    pub seed: u64,
    pub decisions: usize,
}

/// `policy.json`, social or econ: the model, its provenance and its fit.
#[derive(Serialize)]
pub(crate) struct PolicyFile<'a, M: Serialize> {
    #[serde(flatten)]
    pub model: &'a M,
    pub source: Source<'a>,
    pub fit: &'a [GroupFit],
}

/// What a distillation wrote.
#[derive(Clone, Debug)]
pub struct DistillSummary {
    pub policy: PathBuf,
    pub report: PathBuf,
    pub file: DistillFile,
}

/// The run's scenario as it ran (its text in the run directory, with the manifest's
/// overrides), after checking the directory is a finished run.
fn run_scenario(dir: &Path) -> Result<(Scenario, run_dir::Manifest), DistillError> {
    if !dir.is_dir() {
        return Err(DistillError::NotARun {
            dir: dir.into(),
            why:
                "no such directory (give the output folder of an `emergent run` of an LLM scenario)"
                    .into(),
        });
    }
    let manifest = run_dir::read_manifest(dir)?;
    let path = dir.join(SCENARIO);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| emergent_io::IoError::new(&path, format!("cannot read: {e}")))?;
    // The original file name, so relative paths in it resolve as when it ran.
    let name = match manifest.scenario_file.is_empty() {
        true => path.display().to_string(),
        false => manifest.scenario_file.clone(),
    };
    let scenario = Scenario::with_overrides(&text, &name, &manifest.overrides)?;
    Ok((scenario, manifest))
}

/// The groups of the log: the scenario's `[[llm.groups]]` names, or one `all`.
pub(crate) fn group_names(scenario: &Scenario) -> Vec<String> {
    match scenario.llm.groups.is_empty() {
        true => vec!["all".into()],
        false => scenario.llm.groups.iter().map(|g| g.name.clone()).collect(),
    }
}

/// The model: one group per log group that has decisions (its own fit, or the pooled one).
fn fit_model(
    names: &[String],
    decisions: &Decisions,
    fitting: &[&Sample],
    feed_size: usize,
) -> Result<(DistilledModel, Vec<GroupFit>, Vec<usize>), DistillError> {
    let by = by_group::fit_by_group(
        names,
        &decisions.samples,
        fitting,
        |name, share, mine| fit_group(name, share, mine, feed_size),
        |m: &mut GroupModel, name, share| {
            m.name = name.to_string();
            m.share = share;
        },
    )?;
    let (groups, fits, group_of) = (by.models, by.fits, by.group_of);
    let model = DistilledModel {
        format: FORMAT.into(),
        features_version: FEATURES_VERSION,
        decision_features: DECISION_FEATURES.iter().map(|s| s.to_string()).collect(),
        item_features: ITEM_FEATURES.iter().map(|s| s.to_string()).collect(),
        max_likes: MAX_LIKES,
        groups,
    };
    Ok((model, fits, group_of))
}

/// Distill the run in `opts.run_dir` into `opts.out` (and `distill.json` beside it). Every
/// check comes before any file is written; each file is written atomically.
pub fn distill(opts: &DistillOptions) -> Result<DistillSummary, DistillError> {
    let dir = &opts.run_dir;
    let (scenario, manifest) = run_scenario(dir)?;
    if scenario.econ.is_some() {
        return Err(DistillError::NotARun {
            dir: dir.clone(),
            why: "an [econ] run: distill it with `emergent distill` (emergent_distill::distill_run), which fits work and consumption".into(),
        });
    }
    let report = opts.out.with_file_name(DISTILL_JSON);
    let inputs: Vec<PathBuf> = [MANIFEST, SCENARIO]
        .into_iter()
        .map(|f| dir.join(f))
        .chain([DECISIONS, DECISION_ITEMS].map(|t| dir.join(parquet_name(t))))
        .collect();
    for out in [&opts.out, &report] {
        emergent_io::check_output_path(out, &inputs, opts.force)?;
    }
    let decisions = Decisions::read(dir)?;
    let (fitting, held_out) = decisions.split();
    if fitting.len() < MIN_DECISIONS || held_out.is_empty() {
        return Err(DistillError::TooFewDecisions {
            dir: dir.clone(),
            why: format!(
                "{} answered LLM decisions ({} fell back): too few to fit ({MIN_DECISIONS} needed besides the held-out agents'); run more agents or ticks",
                decisions.samples.len(),
                decisions.fell_back
            ),
        });
    }
    let feed_size = scenario.feed.size;
    let names = group_names(&scenario);
    let (model, fits, group_of) = fit_model(&names, &decisions, &fitting, feed_size)?;
    let choices = DistilledChoices {
        model: &model,
        group_of,
        feed_size,
    };
    let mut notes = Vec::new();
    let surrogate = match scenario.policy.kind {
        PolicyKind::BoundedConfidence => Some(fidelity(
            &SurrogateChoices(scenario.policy.bounded_confidence.clone()),
            &held_out,
        )),
        other => {
            notes.push(format!("the surrogate's probabilities are written for bounded_confidence only, not {other:?}"));
            None
        }
    };
    let run_dir = dir.display().to_string();
    let mut file = DistillFile {
        run_dir: run_dir.clone(),
        scenario: scenario.scenario.name.clone(),
        seed: manifest.seed.unwrap_or(scenario.scenario.seed),
        policy_file: opts.out.display().to_string(),
        decisions: decisions.samples.len(),
        fell_back: decisions.fell_back,
        fitted_on: fitting.len(),
        held_out: held_out.len(),
        held_out_rule: format!(
            "the decisions of one agent in {HELD_OUT_EVERY} (by a hash of the agent id)"
        ),
        groups: fits.clone(),
        estimator: ESTIMATOR.into(),
        distilled: fidelity(&choices, &held_out),
        surrogate,
        surrogate_policy: format!("{:?}", scenario.policy.kind),
        notes,
        policy_sha256: String::new(),
        fitted_at: String::new(),
        macro_check: None,
    };
    let policy = PolicyFile {
        model: &model,
        source: Source {
            run_dir: &run_dir,
            scenario: &scenario.scenario.name,
            seed: file.seed,
            decisions: file.decisions,
        },
        fit: &fits,
    };
    run_dir::write_json(&opts.out, &policy)?;
    file.policy_sha256 = file_sha256(&opts.out)?;
    file.fitted_at = utc_now();
    run_dir::write_json(&report, &file)?;
    Ok(DistillSummary {
        policy: opts.out.clone(),
        report,
        file,
    })
}

/// What `emergent distill` wrote, by the kind of run it distilled.
#[derive(Clone, Debug)]
pub enum Distillation {
    Social(DistillSummary),
    Econ(econ::EconDistillSummary),
}

impl Distillation {
    /// The policy file written.
    pub fn policy(&self) -> &Path {
        match self {
            Self::Social(s) => &s.policy,
            Self::Econ(s) => &s.policy,
        }
    }

    /// The fidelity report written (`distill.json`).
    pub fn report(&self) -> &Path {
        match self {
            Self::Social(s) => &s.report,
            Self::Econ(s) => &s.report,
        }
    }

    /// `distill.json`'s content as JSON text.
    pub fn report_json(&self) -> Result<String, serde_json::Error> {
        match self {
            Self::Social(s) => serde_json::to_string(&s.file),
            Self::Econ(s) => serde_json::to_string(&s.file),
        }
    }
}

/// Distill the run in `opts.run_dir`, social or `[econ]`: the social decision log's choices
/// and stance ([`distill`]) or the households' work and consumption ([`econ`]).
pub fn distill_run(opts: &DistillOptions) -> Result<Distillation, DistillError> {
    let (scenario, manifest) = run_scenario(&opts.run_dir)?;
    match scenario.econ.is_some() {
        true => econ::distill_econ(opts, &scenario, &manifest).map(Distillation::Econ),
        false => distill(opts).map(Distillation::Social),
    }
}

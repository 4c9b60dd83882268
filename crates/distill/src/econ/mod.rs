//! `emergent distill` on an `[econ]` run: work and consumption of the LLM households, fitted
//! per `[[llm.groups]]` group to `econ_decisions.parquet` and scored on held-out agents
//! against EconAgent's rule baseline (docs/distill.md).
//!
//! EconAgent's answers are propensities on a 0.02 grid in [0, 1]. Each is modelled as a
//! latent Gaussian on the logit scale, `logit(p) = w·f + sd·N(0, 1)`, snapped to the grid:
//! least squares on the clipped logit gives `w` and `sd`, the model has a probability for
//! every grid value (so held-out log-loss is defined, for it and for the rule), and the
//! engine draws it with one normal per choice (`emergent_sim::econ::distilled`).

pub(crate) mod dataset;
mod fidelity;
mod fit;
mod models;

use std::path::PathBuf;

use emergent_io::run_dir::{self, ECON_DECISIONS, MANIFEST, SCENARIO, parquet_name};
use emergent_scenario::Scenario;
use emergent_sim::econ::distilled::{ECON_FORMAT, EconDistilledModel, EconGroupModel};
use emergent_sim::econ::{ECON_FEATURES, ECON_FEATURES_VERSION};
use serde::{Deserialize, Serialize};

pub use dataset::{EconDecisions, EconSample};
pub use fidelity::{
    EconChoiceModel, EconFidelity, EconScore, GRID, cell, econ_fidelity, uniform_cells,
};
pub use fit::fit_econ_group;
pub use models::{EconDistilledChoices, RuleChoices};

use crate::dataset::HELD_OUT_EVERY;
use crate::{
    DISTILL_JSON, DistillError, DistillOptions, GroupFit, MIN_DECISIONS, PolicyFile, Source,
};

/// The estimator, as an econ `distill.json` names it.
pub const ECON_ESTIMATOR: &str = "linfa-linear 0.8.1 (least squares, ridge 0.01) of logit(propensity clipped to [0.01, 0.99]); residual sd as the latent noise; values snapped to the 0.02 grid";

/// `distill.json` of an `[econ]` run: where the policy came from and how well it predicts
/// held-out monthly decisions, next to the rule baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EconDistillFile {
    /// `econ`.
    pub kind: String,
    pub run_dir: String,
    pub scenario: String,
    pub seed: u64,
    pub policy_file: String,
    /// Decisions the model answered; fallbacks are left out.
    pub decisions: usize,
    pub fell_back: usize,
    pub fitted_on: usize,
    pub held_out: usize,
    pub held_out_rule: String,
    pub groups: Vec<GroupFit>,
    pub estimator: String,
    /// The distilled policy on the held-out decisions.
    pub distilled: EconFidelity,
    /// EconAgent's rule baseline on the same decisions.
    pub surrogate: EconFidelity,
    pub surrogate_policy: String,
    /// SHA-256 (hex) of the `policy.json` written with this report (as in the social
    /// report: a run of that file keeps a copy of this report).
    #[serde(default)]
    pub policy_sha256: String,
    /// When the policy was fitted (UTC, RFC 3339, seconds).
    #[serde(default)]
    pub fitted_at: String,
    /// The macro check of `emergent distill --check-seeds K`; absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macro_check: Option<crate::MacroCheck>,
}

/// What an econ distillation wrote.
#[derive(Clone, Debug)]
pub struct EconDistillSummary {
    pub policy: PathBuf,
    pub report: PathBuf,
    pub file: EconDistillFile,
}

/// The model: one group per log group with decisions (its own fit, or the pooled one), the
/// fits, and the model group of each log group.
fn fit_model(
    names: &[String],
    decisions: &EconDecisions,
    fitting: &[&EconSample],
) -> Result<(EconDistilledModel, Vec<GroupFit>, Vec<usize>), DistillError> {
    let by = crate::by_group::fit_by_group(
        names,
        &decisions.samples,
        fitting,
        fit_econ_group,
        |m: &mut EconGroupModel, name, share| {
            m.name = name.to_string();
            m.share = share;
        },
    )?;
    let (groups, fits, group_of) = (by.models, by.fits, by.group_of);
    let model = EconDistilledModel {
        format: ECON_FORMAT.into(),
        features_version: ECON_FEATURES_VERSION,
        features: ECON_FEATURES.iter().map(|s| s.to_string()).collect(),
        groups,
    };
    Ok((model, fits, group_of))
}

/// Distill the `[econ]` run in `opts.run_dir` (its `scenario` and `manifest` already read)
/// into `opts.out` and `distill.json` beside it. Every check before any write; both files
/// atomic.
pub(crate) fn distill_econ(
    opts: &DistillOptions,
    scenario: &Scenario,
    manifest: &run_dir::Manifest,
) -> Result<EconDistillSummary, DistillError> {
    let dir = &opts.run_dir;
    let report = opts.out.with_file_name(DISTILL_JSON);
    let inputs: Vec<PathBuf> = [MANIFEST, SCENARIO]
        .into_iter()
        .map(|f| dir.join(f))
        .chain([dir.join(parquet_name(ECON_DECISIONS))])
        .collect();
    for out in [&opts.out, &report] {
        emergent_io::check_output_path(out, &inputs, opts.force)?;
    }
    let decisions = EconDecisions::read(dir)?;
    let (fitting, held_out) = decisions.split();
    if fitting.len() < MIN_DECISIONS || held_out.is_empty() {
        return Err(DistillError::TooFewDecisions {
            dir: dir.clone(),
            why: format!(
                "{} answered LLM household decisions ({} fell back): too few to fit ({MIN_DECISIONS} needed besides the held-out agents'); run more agents or months",
                decisions.samples.len(),
                decisions.fell_back
            ),
        });
    }
    let names = crate::group_names(scenario);
    let (model, fits, group_of) = fit_model(&names, &decisions, &fitting)?;
    let choices = EconDistilledChoices {
        model: &model,
        group_of,
    };
    let run_dir = dir.display().to_string();
    let mut file = EconDistillFile {
        kind: "econ".into(),
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
        estimator: ECON_ESTIMATOR.into(),
        distilled: econ_fidelity(&choices, &held_out),
        surrogate: econ_fidelity(&RuleChoices, &held_out),
        surrogate_policy: "econ_rule".into(),
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
    file.policy_sha256 = crate::file_sha256(&opts.out)?;
    file.fitted_at = crate::utc_now();
    run_dir::write_json(&report, &file)?;
    Ok(EconDistillSummary {
        policy: opts.out.clone(),
        report,
        file,
    })
}

//! `[policy] kind = "distilled"`: the runner reads `policy.json` (where `path` says, relative
//! to the scenario file), checks it and hands the engine the typed model. The engine
//! evaluates it without any ML library (`emergent_sim::policy::distilled`).

use emergent_llm::LlmRunOptions;
use emergent_scenario::location::KeySeg;
use emergent_scenario::{PolicyKind, Scenario, ScenarioError};
use emergent_sim::Policy;
use emergent_sim::econ::{ECON_FORMAT, EconDistilled, EconDistilledModel, EconPolicy};
use emergent_sim::policy::distilled::FORMAT as SOCIAL_FORMAT;
use emergent_sim::policy::{Distilled, DistilledModel};

use crate::error::RunError;

/// The social policy of `scenario`: the distilled model it names, or the LLM's / the
/// surrogate's (`emergent_llm::policy_for`).
pub(crate) fn policy_for(
    scenario: &Scenario,
    llm: &LlmRunOptions,
) -> Result<Box<dyn Policy>, RunError> {
    match load(scenario)? {
        Some(model) => Ok(Box::new(Distilled::new(model, scenario.feed.size))),
        None => Ok(emergent_llm::policy_for(scenario, llm)?),
    }
}

/// What one kind of distilled policy needs in its messages: what it replaces (`agents`), how
/// to make one (`made_from`, after the distill command), and the other kind's `format` and
/// words, which it refuses.
struct Wanted<'a> {
    agents: &'a str,
    made_from: &'a str,
    other_format: &'a str,
    other_made_from: &'a str,
    scenario_kind: &'a str,
}

/// The path and text of the policy file a `kind = "distilled"` scenario names, checked as far
/// as both kinds agree (no LLM agents beside it, a `path`, readable, at most 64 MiB, not a
/// policy of the other kind); None for other kinds. Problems are located at `[policy] path`.
fn policy_text(
    scenario: &Scenario,
    want: &Wanted<'_>,
) -> Result<Option<(std::path::PathBuf, String)>, RunError> {
    if scenario.policy.kind != PolicyKind::Distilled {
        return Ok(None);
    }
    let fail = |message: String| at_policy_path(scenario, message);
    if emergent_llm::uses_llm(scenario) {
        return Err(fail(format!(
            "a distilled policy replaces the LLM {}: set [llm] enabled = false",
            want.agents
        )));
    }
    let Some(path) = scenario.distilled_policy_path() else {
        return Err(fail("kind = \"distilled\" needs path".into()));
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        fail(format!(
            "{}: {e} (write it with `emergent distill RUN_DIR --out {}`{})",
            path.display(),
            path.display(),
            want.made_from
        ))
    })?;
    if text.len() > 64 << 20 {
        return Err(fail(format!("{}: larger than 64 MiB", path.display())));
    }
    if format_of(&text).as_deref() == Some(want.other_format) {
        return Err(fail(wrong_kind(
            &path,
            want.other_made_from,
            want.scenario_kind,
        )));
    }
    Ok(Some((path, text)))
}

/// The distilled model of a `kind = "distilled"` scenario, checked; None for other kinds.
/// Every problem is located at `[policy] path` in the scenario file.
pub(crate) fn load(scenario: &Scenario) -> Result<Option<DistilledModel>, RunError> {
    let want = Wanted {
        agents: "agents",
        made_from: "",
        other_format: ECON_FORMAT,
        other_made_from: "an [econ] run's",
        scenario_kind: "a social",
    };
    let Some((path, text)) = policy_text(scenario, &want)? else {
        return Ok(None);
    };
    let fail = |message: String| at_policy_path(scenario, message);
    let model: DistilledModel = serde_json::from_str(&text)
        .map_err(|e| fail(format!("{}: not a distilled policy ({e})", path.display())))?;
    let problems = model.problems();
    if let Some(first) = problems.first() {
        return Err(fail(format!("{}: {first}", path.display())));
    }
    Ok(Some(model))
}

/// Read and check the distilled policy of `scenario` (social or `[econ]`), if it has one:
/// before a run writes anything.
pub(crate) fn check(scenario: &Scenario) -> Result<(), RunError> {
    match scenario.econ.is_some() {
        true => load_econ(scenario).map(|_| ()),
        false => load(scenario).map(|_| ()),
    }
}

/// The `format` key of a policy file's JSON object, if it has one.
fn format_of(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Format {
        format: Option<String>,
    }
    serde_json::from_str::<Format>(text).ok()?.format
}

/// Why a policy distilled from one kind of run cannot drive another kind of scenario.
fn wrong_kind(path: &std::path::Path, made_from: &str, scenario: &str) -> String {
    format!(
        "{}: this policy was distilled from {made_from} decisions and cannot drive {scenario} scenario; distill a run of the same kind (`emergent distill RUN_DIR --out {}`)",
        path.display(),
        path.display()
    )
}

/// The economic policy of an `[econ]` scenario: the distilled households it names, or the
/// LLM's / the rule baseline's (`emergent_llm::econ_policy_for`).
pub(crate) fn econ_policy_for(
    scenario: &Scenario,
    llm: &LlmRunOptions,
) -> Result<Box<dyn EconPolicy>, RunError> {
    match load_econ(scenario)? {
        Some(model) => Ok(Box::new(EconDistilled::new(model))),
        None => Ok(emergent_llm::econ_policy_for(scenario, llm)?),
    }
}

/// `message`, located at `[policy] path` in the scenario file.
fn at_policy_path(scenario: &Scenario, message: String) -> RunError {
    let (line, column) = scenario.position(&[KeySeg::Key("policy"), KeySeg::Key("path")]);
    RunError::Scenario(ScenarioError::At {
        file: scenario.file.clone(),
        line,
        column,
        message,
    })
}

/// The distilled econ model of a `kind = "distilled"` `[econ]` scenario, checked; None for
/// other kinds. Every problem is located at `[policy] path` in the scenario file.
pub(crate) fn load_econ(scenario: &Scenario) -> Result<Option<EconDistilledModel>, RunError> {
    let want = Wanted {
        agents: "households",
        made_from: " on an [econ] LLM run",
        other_format: SOCIAL_FORMAT,
        other_made_from: "a social run's",
        scenario_kind: "an [econ]",
    };
    let Some((path, text)) = policy_text(scenario, &want)? else {
        return Ok(None);
    };
    let fail = |message: String| at_policy_path(scenario, message);
    let model: EconDistilledModel = serde_json::from_str(&text).map_err(|e| {
        fail(format!(
            "{}: not a distilled econ policy ({e})",
            path.display()
        ))
    })?;
    if let Some(first) = model.problems().first() {
        return Err(fail(format!("{}: {first}", path.display())));
    }
    Ok(Some(model))
}

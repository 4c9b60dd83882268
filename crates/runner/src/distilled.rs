//! `[policy] kind = "distilled"`: the runner reads `policy.json` (where `path` says, relative
//! to the scenario file), checks it and hands the engine the typed model. The engine
//! evaluates it without any ML library (`emergent_sim::policy::distilled`).

use emergent_llm::LlmRunOptions;
use emergent_scenario::location::KeySeg;
use emergent_scenario::{PolicyKind, Scenario, ScenarioError};
use emergent_sim::Policy;
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

/// The distilled model of a `kind = "distilled"` scenario, checked; None for other kinds.
/// Every problem is located at `[policy] path` in the scenario file.
pub(crate) fn load(scenario: &Scenario) -> Result<Option<DistilledModel>, RunError> {
    if scenario.policy.kind != PolicyKind::Distilled {
        return Ok(None);
    }
    let fail = |message: String| -> RunError {
        let (line, column) = scenario.position(&[KeySeg::Key("policy"), KeySeg::Key("path")]);
        RunError::Scenario(ScenarioError::At {
            file: scenario.file.clone(),
            line,
            column,
            message,
        })
    };
    if emergent_llm::uses_llm(scenario) {
        return Err(fail(
            "a distilled policy replaces the LLM agents: set [llm] enabled = false".into(),
        ));
    }
    let Some(path) = scenario.distilled_policy_path() else {
        return Err(fail("kind = \"distilled\" needs path".into()));
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        fail(format!(
            "{}: {e} (write it with `emergent distill RUN_DIR --out {}`)",
            path.display(),
            path.display()
        ))
    })?;
    if text.len() > 64 << 20 {
        return Err(fail(format!("{}: larger than 64 MiB", path.display())));
    }
    let model: DistilledModel = serde_json::from_str(&text)
        .map_err(|e| fail(format!("{}: not a distilled policy ({e})", path.display())))?;
    let problems = model.problems();
    if let Some(first) = problems.first() {
        return Err(fail(format!("{}: {first}", path.display())));
    }
    Ok(Some(model))
}

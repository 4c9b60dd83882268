//! What a run of a distilled policy keeps of it: the SHA-256 of the policy file's bytes (in
//! the run key, so a checkpoint of one policy never continues with another), a copy of the
//! file and of the `distill.json` that `emergent distill` wrote beside it for that very file
//! (so the run directory says, on its own, what ran and how faithful it is), and the
//! manifest's `distilled_policy`.

use std::path::Path;

use emergent_io::atomic_write_bytes;
use emergent_io::run_dir::{
    DISTILLED_FIDELITY, DISTILLED_POLICY, DistilledPolicyUse, DistilledSource,
};
use emergent_scenario::location::KeySeg;
use emergent_scenario::{PolicyKind, Scenario, ScenarioError};
use sha2::{Digest, Sha256};

use crate::error::RunError;
use crate::source::{PolicyDigest, ScenarioSource, hex};

/// The name `emergent distill` gives its fidelity report, beside the policy file.
const DISTILL_JSON: &str = "distill.json";

/// Why the run has no fidelity report, when it has none.
const NO_FIDELITY: &str = "no distill.json written for this policy file was beside it when the run started (`emergent distill` writes one; one naming another policy file's SHA-256 is not copied)";

/// The distilled policy file of `scenario` and the SHA-256 of its bytes; None for other
/// policies (or without `path`: the policy's own check reports that). A file that cannot be
/// read is an error located at `[policy] path`.
pub(crate) fn digest(scenario: &Scenario) -> Result<Option<PolicyDigest>, RunError> {
    if scenario.policy.kind != PolicyKind::Distilled {
        return Ok(None);
    }
    let Some(path) = scenario.distilled_policy_path() else {
        return Ok(None);
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        let (line, column) = scenario.position(&[KeySeg::Key("policy"), KeySeg::Key("path")]);
        RunError::Scenario(ScenarioError::At {
            file: scenario.file.clone(),
            line,
            column,
            message: format!("{}: {e}", path.display()),
        })
    })?;
    Ok(Some(PolicyDigest {
        sha256: hex(&Sha256::digest(&bytes)),
        path,
    }))
}

/// Copy the policy the run started with into `dir` (and the fidelity report beside it when
/// it was written for these bytes). The bytes copied are checked against the run's digest:
/// a file replaced between the check and the copy is refused, not recorded as another's.
pub(crate) fn keep_copies(dir: &Path, source: &ScenarioSource) -> Result<(), RunError> {
    let Some(p) = &source.policy else {
        return Ok(());
    };
    let bytes = std::fs::read(&p.path).map_err(|e| crate::fs::io(&p.path, e))?;
    if hex(&Sha256::digest(&bytes)) != p.sha256 {
        return Err(RunError::Io(emergent_io::IoError::new(
            &p.path,
            "changed while the run started; start it again",
        )));
    }
    atomic_write_bytes(&dir.join(DISTILLED_POLICY), &bytes)?;
    let report = p.path.with_file_name(DISTILL_JSON);
    let Ok(text) = std::fs::read_to_string(&report) else {
        tracing::warn!(file = %report.display(), "{NO_FIDELITY}");
        return Ok(());
    };
    let names_this_policy = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("policy_sha256")?.as_str().map(|s| s == p.sha256))
        .unwrap_or(false);
    if !names_this_policy {
        tracing::warn!(file = %report.display(), "{NO_FIDELITY}");
        return Ok(());
    }
    atomic_write_bytes(&dir.join(DISTILLED_FIDELITY), text.as_bytes())?;
    Ok(())
}

/// The manifest's `distilled_policy` of a run in `dir` (None for other policies): the
/// digest, the provenance from the kept copy's `source`, and the fidelity report if kept.
pub(crate) fn manifest_record(dir: &Path, source: &ScenarioSource) -> Option<DistilledPolicyUse> {
    let p = source.policy.as_ref()?;
    let source = std::fs::read_to_string(dir.join(DISTILLED_POLICY))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|v| serde_json::from_value::<DistilledSource>(v.get("source")?.clone()).ok())
        .unwrap_or_default();
    let kept = dir.join(DISTILLED_FIDELITY).is_file();
    Some(DistilledPolicyUse {
        fidelity: kept.then(|| DISTILLED_FIDELITY.to_string()),
        fidelity_note: (!kept).then(|| NO_FIDELITY.to_string()),
        path: p.path.display().to_string(),
        sha256: p.sha256.clone(),
        source,
    })
}

/// The kept copies among the run's outputs (the manifest lists them).
pub(crate) fn outputs(dir: &Path) -> Vec<String> {
    [DISTILLED_POLICY, DISTILLED_FIDELITY]
        .into_iter()
        .filter(|f| dir.join(f).is_file())
        .map(String::from)
        .collect()
}

//! The arms of an experiment: each a name and a file of `[[interventions]]` appended to the
//! scenario's own; the control (no extra interventions) is implicit unless an arm is called
//! `control`. Every arm is read and validated before anything is written.

use std::path::PathBuf;

use emergent_io::IoError;
use emergent_scenario::{Scenario, compose_arm};

use crate::error::RunError;
use crate::source::ScenarioSource;

/// The name of the arm every other is compared with.
pub const CONTROL: &str = "control";

/// Longest arm name (it names a folder and a column of the report's tables).
const MAX_NAME: usize = 64;

/// `--arm NAME=FILE` as given (an empty FILE: no extra interventions).
#[derive(Debug, Clone, PartialEq)]
pub struct ArmSpec {
    pub name: String,
    pub file: Option<PathBuf>,
}

impl ArmSpec {
    /// Parse `NAME=FILE`; NAME is 1–64 of `A–Z a–z 0–9 _ -` (it names the arm's folder).
    pub fn parse(s: &str) -> Result<ArmSpec, String> {
        let Some((name, file)) = s.split_once('=') else {
            return Err(format!(
                "--arm {s}: expected NAME=INTERVENTIONS_FILE, e.g. --arm ban=ban-top.toml"
            ));
        };
        let valid = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if name.is_empty() || name.len() > MAX_NAME || !name.chars().all(valid) {
            return Err(format!(
                "--arm {s}: the name `{name}` must be 1 to {MAX_NAME} letters, digits, `_` or `-` (it names the arm's folder)"
            ));
        }
        Ok(ArmSpec {
            name: name.to_string(),
            file: (!file.is_empty()).then(|| PathBuf::from(file)),
        })
    }
}

/// An arm ready to run: its scenario text (the scenario's, plus the arm file's) and what it
/// came from.
#[derive(Debug, Clone)]
pub(crate) struct Arm {
    pub name: String,
    pub file: Option<String>,
    pub interventions: usize,
    /// The scenario text this arm runs (file name and overrides: the experiment's).
    pub text: String,
}

/// The arms in the order they run and are reported: the control first, then the others as
/// given. Refuses a duplicate name, a missing or invalid arm file (located in that file), and
/// an experiment with nothing to compare.
pub(crate) fn arms(base: &ScenarioSource, specs: &[ArmSpec]) -> Result<Vec<Arm>, RunError> {
    let mut seen = std::collections::BTreeSet::new();
    if let Some(dup) = specs.iter().find(|a| !seen.insert(a.name.as_str())) {
        return Err(RunError::Experiment {
            what: format!("--arm {}", dup.name),
            message: "the arm name is given twice".into(),
        });
    }
    let mut out = Vec::with_capacity(specs.len() + 1);
    if !seen.contains(CONTROL) {
        out.push(Arm {
            name: CONTROL.into(),
            file: None,
            interventions: 0,
            text: base.text.clone(),
        });
    }
    for spec in specs {
        out.push(arm(base, spec)?);
    }
    // The control first, wherever it was given.
    out.sort_by_key(|a| a.name != CONTROL);
    if out.len() < 2 {
        return Err(RunError::Experiment {
            what: "--arm".into(),
            message: "give at least one treated arm, --arm NAME=INTERVENTIONS_FILE, to compare \
                      with the control"
                .into(),
        });
    }
    Ok(out)
}

/// One arm read, appended to the scenario and validated as a whole.
fn arm(base: &ScenarioSource, spec: &ArmSpec) -> Result<Arm, RunError> {
    let Some(path) = &spec.file else {
        return Ok(Arm {
            name: spec.name.clone(),
            file: None,
            interventions: 0,
            text: base.text.clone(),
        });
    };
    let file = path.display().to_string();
    let arm_text = std::fs::read_to_string(path).map_err(|e| {
        RunError::Io(IoError::new(
            path,
            format!("{e} (the interventions file of arm `{}`)", spec.name),
        ))
    })?;
    let composed = compose_arm(&base.text, &spec.name, &arm_text, &file)?;
    Scenario::with_overrides(&composed.text, &base.file, &base.overrides)
        .map_err(|e| composed.relocate(e))?;
    Ok(Arm {
        name: spec.name.clone(),
        file: Some(file),
        interventions: composed.interventions,
        text: composed.text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_specs_parse_and_bad_names_are_refused() {
        let a = ArmSpec::parse("ban=x/ban.toml").unwrap();
        assert_eq!(a.name, "ban");
        assert_eq!(a.file, Some(PathBuf::from("x/ban.toml")));
        assert_eq!(ArmSpec::parse("placebo=").unwrap().file, None);
        for bad in ["ban", "=x.toml", "a/b=x.toml", "../up=x.toml"] {
            assert!(ArmSpec::parse(bad).is_err(), "{bad}");
        }
    }
}

//! An experiment's arm file: `[[interventions]]` entries only, appended to a scenario's own
//! (`emergent experiment SCENARIO --arm NAME=FILE`).
//!
//! The arm runs as the scenario text with the arm file's text appended, so its run directory
//! is an ordinary one (its `scenario.toml` reruns it with `emergent run`). Errors are located
//! in the file the user wrote: syntax and unknown keys by parsing the arm file alone, and a
//! problem the whole scenario finds on a line of the appended part (a tick past the run's
//! end, an id outside the population) is moved back to that line of the arm file.

use serde::Deserialize;

use crate::error::ScenarioError;
use crate::interventions::InterventionConfig;
use crate::location::line_col;

/// What an arm file may hold.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArmFile {
    #[serde(default)]
    interventions: Vec<InterventionConfig>,
}

/// An arm's interventions joined to a scenario: the text to run and where the arm's part of
/// it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmScenario {
    /// The scenario text, a comment naming the arm, then the arm file's text.
    pub text: String,
    /// 1-based line of `text` where the arm file's first line is.
    pub first_arm_line: usize,
    /// The arm file's name, for messages.
    pub arm_file: String,
    /// How many `[[interventions]]` entries the arm file holds.
    pub interventions: usize,
}

/// Check the arm file's syntax and keys on its own (errors at `arm_file:line:column`), then
/// append it to `scenario_text`. The whole scenario is validated later, when it is parsed;
/// pass that error through [`ArmScenario::relocate`].
pub fn compose_arm(
    scenario_text: &str,
    arm_name: &str,
    arm_text: &str,
    arm_file: &str,
) -> Result<ArmScenario, ScenarioError> {
    let parsed: ArmFile = toml::from_str(arm_text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |r| line_col(arm_text, r.start));
        let message = e.message().trim().to_string();
        let message = match message.contains("unknown field") {
            true => format!(
                "{message}; an arm file holds `[[interventions]]` entries only (see docs/interventions.md)"
            ),
            false => message,
        };
        ScenarioError::At {
            file: arm_file.into(),
            line,
            column,
            message,
        }
    })?;
    let mut text = scenario_text.to_string();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    // One line, whatever the arm's name holds (names are checked by the caller too).
    let name: String = arm_name.chars().filter(|c| !c.is_control()).collect();
    text.push_str(&format!("\n# experiment arm `{name}`:\n"));
    let first_arm_line = text.lines().count() + 1;
    text.push_str(arm_text);
    Ok(ArmScenario {
        text,
        first_arm_line,
        arm_file: arm_file.to_string(),
        interventions: parsed.interventions.len(),
    })
}

impl ArmScenario {
    /// An error found in the composed text, located in the arm file when it lies in the
    /// arm's part (any other error is the scenario's own and stays as it is).
    pub fn relocate(&self, e: ScenarioError) -> ScenarioError {
        match e {
            ScenarioError::At {
                line,
                column,
                message,
                ..
            } if line >= self.first_arm_line => ScenarioError::At {
                file: self.arm_file.clone(),
                line: line - self.first_arm_line + 1,
                column,
                message,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;

    const SCENARIO: &str =
        "[scenario]\nname = \"t\"\nticks = 10\nseed = 1\n\n[population]\nagents = 100\n";

    #[test]
    fn an_arm_appends_its_interventions_to_the_scenario() {
        let arm = "[[interventions]]\nkind = \"silence\"\nat = 2\nrange = [0, 10]\n";
        let a = compose_arm(SCENARIO, "ban", arm, "ban.toml").unwrap();
        assert_eq!(a.interventions, 1);
        let s = Scenario::from_str(&a.text, "s.toml").unwrap();
        assert_eq!(s.interventions.len(), 1);
        assert_eq!(
            a.text.lines().nth(a.first_arm_line - 1),
            Some("[[interventions]]")
        );
    }

    #[test]
    fn a_syntax_or_key_error_is_located_in_the_arm_file() {
        let e = compose_arm(
            SCENARIO,
            "x",
            "[[interventions]]\nkind = \"silence\"\nwhen = 3\n",
            "x.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("x.toml:3:1:"), "{e}");
        let e = compose_arm(SCENARIO, "x", "[population]\nagents = 5\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.toml:1:"), "{e}");
        assert!(e.contains("[[interventions]]` entries only"), "{e}");
    }

    #[test]
    fn a_problem_in_the_arm_part_of_the_scenario_is_moved_to_the_arm_file() {
        let arm = "# ban\n[[interventions]]\nkind = \"silence\"\nat = 99\nrange = [0, 10]\n";
        let a = compose_arm(SCENARIO, "ban", arm, "ban.toml").unwrap();
        let e = Scenario::from_str(&a.text, "s.toml").unwrap_err();
        let e = a.relocate(e).to_string();
        assert!(e.starts_with("ban.toml:4:"), "{e}");
    }
}

//! An indicator whose expression does not parse, or reads a feature the world lacks, is
//! reported at the file, line and column of its `expr`, plus the column inside it.

use emergent_runner::IndicatorSpec;
use emergent_scenario::Scenario;

const SCENARIO: &str = r#"[scenario]
name = "t"
ticks = 5

[population]
agents = 100

[[indicators]]
name = "ok"
expr = "mean(stance)"

[[indicators]]
name = "polarization"
expr   = "var(stance"
"#;

fn error_of(text: &str) -> String {
    let scenario = Scenario::from_str(text, "scenarios/x.toml").expect("valid scenario");
    let features = vec!["stance".to_string()];
    match IndicatorSpec::from_scenario(&scenario, &features) {
        Ok(_) => panic!("the indicator should be rejected"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_bad_expression_names_file_line_and_column() {
    let msg = error_of(SCENARIO);
    assert!(
        msg.starts_with("scenarios/x.toml:14:10: indicator `polarization`: "),
        "{msg}"
    );
    assert!(
        msg.contains("column 11"),
        "the column inside the expression: {msg}"
    );
    assert!(
        msg.contains("var(stance\n"),
        "the expression with its caret: {msg}"
    );
}

#[test]
fn an_unknown_feature_names_file_line_and_column() {
    let msg = error_of(&SCENARIO.replace("var(stance", "var(stanse)"));
    assert!(
        msg.starts_with(
            "scenarios/x.toml:14:10: indicator `polarization`: `stanse` is not a feature"
        ),
        "{msg}"
    );
}

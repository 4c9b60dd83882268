//! `[[indicators]]`: the macro indicators a run records and attributes.

use crate::limits::{MAX_INDICATOR_EXPR, MAX_INDICATOR_NAME, MAX_INDICATORS};
use crate::location::{KeySeg, Problem};
use serde::{Deserialize, Serialize};

/// `[[indicators]]`: carried verbatim to the attribution engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorConfig {
    /// Name of the indicator.
    pub name: String,
    /// Expression over feature columns, e.g. `var(stance)`.
    pub expr: String,
    /// Attribution baseline: "zero", "mean", "min", or "initial" (every agent's features at
    /// the run's first recorded tick).
    #[serde(default = "default_baseline")]
    pub baseline: String,
}

/// An indicator that names no baseline is attributed against zero.
fn default_baseline() -> String {
    "zero".into()
}

impl IndicatorConfig {
    /// Semantic problems of every `[[indicators]]` entry (names must be unique).
    pub fn problems(indicators: &[IndicatorConfig]) -> Vec<Problem> {
        let mut out: Vec<Problem> = Vec::new();
        if indicators.len() > MAX_INDICATORS {
            out.push((
                vec![KeySeg::Key("indicators"), KeySeg::Index(MAX_INDICATORS)],
                format!(
                    "{} indicators; at most {MAX_INDICATORS} (each is evaluated every recorded \
                     tick and gets its own plot in the report)",
                    indicators.len()
                ),
            ));
        }
        for (i, ind) in indicators.iter().enumerate() {
            let at = |k| vec![KeySeg::Key("indicators"), KeySeg::Index(i), KeySeg::Key(k)];
            if !matches!(ind.baseline.as_str(), "zero" | "mean" | "min" | "initial") {
                out.push((
                    at("baseline"),
                    format!(
                        "baseline must be \"zero\", \"mean\", \"min\" or \"initial\", got \"{}\"",
                        ind.baseline
                    ),
                ));
            }
            if ind.name.trim().is_empty() {
                out.push((at("name"), "must not be empty".into()));
            } else if indicators[..i].iter().any(|o| o.name == ind.name) {
                out.push((
                    at("name"),
                    format!("indicator `{}` is defined twice", ind.name),
                ));
            }
            if ind.name.chars().count() > MAX_INDICATOR_NAME {
                out.push((
                    at("name"),
                    format!("must be at most {MAX_INDICATOR_NAME} characters long"),
                ));
            }
            if ind.expr.trim().is_empty() {
                out.push((at("expr"), "must not be empty".into()));
            }
            if ind.expr.len() > MAX_INDICATOR_EXPR {
                out.push((
                    at("expr"),
                    format!("must be at most {MAX_INDICATOR_EXPR} bytes long"),
                ));
            }
        }
        out
    }

    /// Problems of `[[indicators]]` in an `[econ]` scenario: an economy records its first
    /// month after playing it, so it has no initial state to measure from.
    pub fn econ_problems(indicators: &[IndicatorConfig]) -> Vec<Problem> {
        indicators
            .iter()
            .enumerate()
            .filter(|(_, ind)| ind.baseline == "initial")
            .map(|(i, _)| {
                (
                    vec![
                        KeySeg::Key("indicators"),
                        KeySeg::Index(i),
                        KeySeg::Key("baseline"),
                    ],
                    "\"initial\" is for social runs: an [econ] run records no state before its \
                     first month; use \"zero\", \"mean\" or \"min\""
                        .into(),
                )
            })
            .collect()
    }
}

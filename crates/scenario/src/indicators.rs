//! `[[indicators]]`: the macro indicators a run records and attributes.

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
    /// Attribution baseline: "zero", "mean" or "min".
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
        for (i, ind) in indicators.iter().enumerate() {
            let at = |k| vec![KeySeg::Key("indicators"), KeySeg::Index(i), KeySeg::Key(k)];
            if !matches!(ind.baseline.as_str(), "zero" | "mean" | "min") {
                out.push((
                    at("baseline"),
                    format!(
                        "baseline must be \"zero\", \"mean\" or \"min\", got \"{}\"",
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
            if ind.expr.trim().is_empty() {
                out.push((at("expr"), "must not be empty".into()));
            }
        }
        out
    }
}

//! `[[survey]]`: a question the LLM agents are asked every `every` ticks during a run; the
//! parsed answers become the column `survey_<name>` of the per-tick table, so a self-reported
//! stance can be compared with the simulated one. Plain data: `emergent-llm` asks, the runner
//! records.

use serde::{Deserialize, Serialize};

use crate::Scenario;
use crate::limits::MAX_TICKS;
use crate::location::{KeySeg, Problem};

/// Most `[[survey]]` entries (each asks every LLM agent at its ticks).
pub const MAX_SURVEYS: usize = 16;
/// Longest survey name (it becomes a column name).
pub const MAX_SURVEY_NAME: usize = 64;
/// Longest question, in bytes (it goes into every prompt).
pub const MAX_SURVEY_QUESTION: usize = 4096;
/// Most choices of a survey.
pub const MAX_SURVEY_CHOICES: usize = 32;
/// The prefix of a survey's column in the per-tick table.
pub const SURVEY_COLUMN_PREFIX: &str = "survey_";

/// One `[[survey]]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyConfig {
    /// Names the column `survey_<name>`: lower-case letters, digits and `_`.
    pub name: String,
    /// The question asked.
    pub question: String,
    /// Ask at every recorded tick that is a multiple of this (tick 0 included).
    pub every: u32,
    /// The answer is a number in `[lo, hi]` (an answer outside is clamped into it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
    /// The answer is one of these; the column holds the choice's index (0-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<String>>,
}

impl SurveyConfig {
    /// The column of the per-tick table holding the answers.
    pub fn column(&self) -> String {
        format!("{SURVEY_COLUMN_PREFIX}{}", self.name)
    }

    /// Whether tick `t` is one of this survey's.
    pub fn asks_at(&self, t: u32) -> bool {
        self.every > 0 && t.is_multiple_of(self.every)
    }
}

/// The key path `survey[i].key`.
fn path(i: usize, key: &'static str) -> Vec<KeySeg> {
    vec![KeySeg::Key("survey"), KeySeg::Index(i), KeySeg::Key(key)]
}

fn name_problem(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() <= MAX_SURVEY_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    (!ok).then(|| {
        format!(
            "must be 1 to {MAX_SURVEY_NAME} lower-case letters, digits or `_` (it names the \
             column survey_<name>), got {name:?}"
        )
    })
}

fn kind_problem(s: &SurveyConfig) -> Option<(&'static str, String)> {
    match (&s.range, &s.choices) {
        (None, None) | (Some(_), Some(_)) => Some((
            "question",
            "give exactly one of `range = [lo, hi]` (a number) or `choices = [\"a\", \"b\"]`: \
             what value to read out of the answers"
                .into(),
        )),
        (Some([lo, hi]), None) => (!(lo.is_finite() && hi.is_finite() && lo < hi)).then(|| {
            (
                "range",
                format!("must be [lo, hi] with finite lo < hi, got [{lo}, {hi}]"),
            )
        }),
        (None, Some(c)) => {
            let lower: Vec<String> = c.iter().map(|x| x.trim().to_ascii_lowercase()).collect();
            let distinct = lower
                .iter()
                .enumerate()
                .all(|(i, x)| !x.is_empty() && !lower[..i].contains(x));
            (!(2..=MAX_SURVEY_CHOICES).contains(&c.len()) || !distinct).then(|| {
                (
                    "choices",
                    format!(
                        "must be 2 to {MAX_SURVEY_CHOICES} distinct, non-empty choices \
                         (compared ignoring case)"
                    ),
                )
            })
        }
    }
}

impl Scenario {
    /// Problems of `[[survey]]`, each located at its entry's key.
    pub(crate) fn survey_problems(&self) -> Vec<Problem> {
        let list = &self.surveys;
        let mut out = Vec::new();
        if list.is_empty() {
            return out;
        }
        if list.len() > MAX_SURVEYS {
            out.push((
                vec![KeySeg::Key("survey"), KeySeg::Index(MAX_SURVEYS)],
                format!("at most {MAX_SURVEYS} [[survey]] entries"),
            ));
            return out;
        }
        // `--set llm.enabled=false` (the one switch to the surrogates) keeps the survey's
        // columns, NaN: nobody is asked. A scenario without any [llm] section is a mistake.
        if self.econ.is_some() || self.llm.is_default() {
            let why = match self.econ.is_some() {
                true => {
                    "an [econ] scenario takes no [[survey]] (it asks a social world's LLM agents)"
                }
                false => {
                    "a [[survey]] asks the LLM agents, and this scenario has no [llm] \
                          section: add one (docs/llm.md) or remove the [[survey]] entries"
                }
            };
            out.push((path(0, "question"), why.into()));
            return out;
        }
        for (i, s) in list.iter().enumerate() {
            if let Some(m) = name_problem(&s.name) {
                out.push((path(i, "name"), m));
            } else if list[..i].iter().any(|o| o.name == s.name) {
                out.push((
                    path(i, "name"),
                    format!("another [[survey]] is already named {:?}", s.name),
                ));
            }
            let q = s.question.trim();
            if q.is_empty() || q.len() > MAX_SURVEY_QUESTION {
                out.push((
                    path(i, "question"),
                    format!("must be a question of 1 to {MAX_SURVEY_QUESTION} bytes"),
                ));
            }
            if !(1..=MAX_TICKS).contains(&s.every) {
                out.push((
                    path(i, "every"),
                    format!(
                        "must be at least 1 (an integer in [1, {MAX_TICKS}]), got {}",
                        s.every
                    ),
                ));
            }
            if let Some((key, m)) = kind_problem(s) {
                out.push((path(i, key), m));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::Scenario;

    const BASE: &str = "[scenario]\nname = \"s\"\nticks = 4\nseed = 1\n[population]\nagents = 10\n[llm]\nenabled = true\nbase_url = \"http://localhost:1/v1\"\nmodel = \"m\"\n";

    fn err(survey: &str) -> String {
        Scenario::from_str(&format!("{BASE}{survey}"), "s.toml")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_survey_parses_and_names_its_column() {
        let s = Scenario::from_str(
            &format!("{BASE}[[survey]]\nname = \"stance\"\nquestion = \"From -1 to 1?\"\nevery = 2\nrange = [-1, 1]\n"),
            "s.toml",
        )
        .unwrap();
        assert_eq!(s.surveys[0].column(), "survey_stance");
        assert!(s.surveys[0].asks_at(0) && s.surveys[0].asks_at(4) && !s.surveys[0].asks_at(3));
    }

    #[test]
    fn bad_surveys_are_located() {
        let e =
            err("[[survey]]\nname = \"Bad Name\"\nquestion = \"q\"\nevery = 1\nrange = [0, 1]\n");
        assert!(
            e.starts_with("s.toml:12:8: ") && e.contains("lower-case"),
            "{e}"
        );
        let e = err("[[survey]]\nname = \"a\"\nquestion = \"q\"\nevery = 0\nrange = [0, 1]\n");
        assert!(
            e.starts_with("s.toml:14:9: ") && e.contains("at least 1"),
            "{e}"
        );
        let e = err("[[survey]]\nname = \"a\"\nquestion = \"q\"\nevery = 1\n");
        assert!(e.contains("exactly one of `range"), "{e}");
        let e = err("[[survey]]\nname = \"a\"\nquestion = \"q\"\nevery = 1\nrange = [1, 0]\n");
        assert!(
            e.starts_with("s.toml:15:9: ") && e.contains("lo < hi"),
            "{e}"
        );
        let e = err(
            "[[survey]]\nname = \"a\"\nquestion = \"q\"\nevery = 1\nchoices = [\"Yes\", \"yes\"]\n",
        );
        assert!(e.contains("distinct"), "{e}");
        let e = err(
            "[[survey]]\nname = \"a\"\nquestion = \"q\"\nevery = 1\nrange = [0, 1]\n[[survey]]\nname = \"a\"\nquestion = \"q\"\nevery = 1\nrange = [0, 1]\n",
        );
        assert!(e.contains("already named"), "{e}");
        let e =
            err("[[survey]]\nname = \"a\"\nquestion = \"q\"\nevery = 1\nrange = [0, 1]\nfoo = 1\n");
        assert!(e.contains("unknown field `foo`"), "{e}");
        let survey = "[[survey]]\nname = \"a\"\nquestion = \"q\"\nevery = 1\nrange = [0, 1]\n";
        let none = BASE.split("[llm]").next().unwrap();
        let e = Scenario::from_str(&format!("{none}{survey}"), "s.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("has no [llm] section"), "{e}");
        // The one switch to the surrogates keeps working.
        let off = BASE.replace("enabled = true", "enabled = false");
        assert!(Scenario::from_str(&format!("{off}{survey}"), "s.toml").is_ok());
    }
}

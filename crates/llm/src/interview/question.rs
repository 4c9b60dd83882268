//! What kind of value a question asks for, and reading it out of an answer.
//!
//! A question asks for a number ("on a scale from -1 to 1", "between 0 and 10"), for one of
//! a few choices ("yes or no", or choices given explicitly), or for free text. The kind is
//! read from the question's words unless the caller says it; the model is asked for a JSON
//! object `{"answer": …, "value": …}`, and the value is recovered defensively: from the
//! object when there is one, else from the text.

use serde_json::Value;

use crate::parse::extract_object;

/// The value a question asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    /// Free text only: no value.
    Text,
    /// A number in `[min, max]` (an answer outside is clamped into it).
    Number {
        /// Lower end of the scale.
        min: f64,
        /// Upper end of the scale.
        max: f64,
    },
    /// One of these choices (lower case); the value is the choice's index, 0-based.
    Choice(Vec<String>),
}

/// A parsed answer: the text, and the value when the question asks for one and the answer
/// gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// What the agent said (the `answer` of the JSON object, else the whole reply).
    pub answer: String,
    /// The number, or the index of the choice; `None` when the answer gives none.
    pub value: Option<f64>,
    /// The choice, for a [`ValueKind::Choice`] question.
    pub choice: Option<String>,
}

/// A number as a question writes it: `-1`, `0.5`, `10`, with punctuation around it.
fn number_word(w: &str) -> Option<f64> {
    let w = w.trim_matches(|c: char| !(c.is_ascii_digit() || c == '-' || c == '.' || c == '+'));
    let w = w.trim_end_matches('.');
    w.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| w.to_ascii_lowercase())
        .collect()
}

impl ValueKind {
    /// The kind a question's words ask for: "from A to B" or "between A and B" with
    /// numbers A < B is a number scale; "yes or no" is a choice; anything else is text.
    pub fn detect(question: &str) -> Self {
        let w = words(question);
        for i in 0..w.len().saturating_sub(3) {
            let scale = matches!(
                (w[i].as_str(), w[i + 2].as_str()),
                ("from", "to") | ("between", "and")
            );
            if let (true, Some(a), Some(b)) =
                (scale, number_word(&w[i + 1]), number_word(&w[i + 3]))
                && a < b
            {
                return ValueKind::Number { min: a, max: b };
            }
        }
        let plain: String = question
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        if format!(
            " {} ",
            plain.split_whitespace().collect::<Vec<_>>().join(" ")
        )
        .contains(" yes or no ")
        {
            return ValueKind::Choice(vec!["yes".into(), "no".into()]);
        }
        ValueKind::Text
    }

    /// Choices from a comma-separated list (`--choices a,b,c`): at least two, distinct,
    /// non-empty, lower-cased.
    pub fn choices(list: &str) -> Result<Self, String> {
        let c: Vec<String> = list
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .collect();
        if c.len() < 2 || c.iter().any(String::is_empty) {
            return Err(format!(
                "`{list}`: give at least two non-empty choices separated by commas (e.g. `agree,neutral,disagree`)"
            ));
        }
        if let Some(d) = c.iter().enumerate().find(|(i, x)| c[..*i].contains(x)) {
            return Err(format!("`{list}`: the choice `{}` is given twice", d.1));
        }
        Ok(ValueKind::Choice(c))
    }

    /// The keys the reply must have, for the prompt's `{{format}}`.
    pub fn format(&self) -> String {
        let answer = "\"answer\": your answer in one or two sentences, in your own voice";
        match self {
            ValueKind::Text => answer.to_string(),
            ValueKind::Number { min, max } => {
                format!("{answer}; \"value\": a number from {min} to {max}")
            }
            ValueKind::Choice(c) => {
                format!("{answer}; \"value\": exactly one of {}", c.join(", "))
            }
        }
    }

    /// Read `reply`: the JSON object's `answer` and `value` when it has them, else the text.
    pub fn read(&self, reply: &str) -> Reading {
        let obj = extract_object(reply).ok();
        let answer = obj
            .as_ref()
            .and_then(|o| o.get("answer"))
            .map(|a| match a {
                Value::String(s) => s.trim().to_string(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| reply.trim().to_string());
        let raw = obj.as_ref().and_then(|o| o.get("value")).cloned();
        let (value, choice) = match self {
            ValueKind::Text => (None, None),
            ValueKind::Number { min, max } => {
                let from_json = raw.as_ref().and_then(|v| match v {
                    Value::Number(n) => n.as_f64(),
                    Value::String(s) => number_word(s),
                    _ => None,
                });
                let x = from_json.or_else(|| first_number(&answer)).or_else(|| {
                    // A reply without JSON: its first number.
                    obj.is_none().then(|| first_number(reply)).flatten()
                });
                (x.map(|x| x.clamp(*min, *max)), None)
            }
            ValueKind::Choice(c) => {
                let from_json = raw.as_ref().and_then(|v| match v {
                    Value::String(s) => choice_in(c, s),
                    Value::Bool(b) => choice_in(c, if *b { "yes" } else { "no" }),
                    _ => None,
                });
                let k = from_json.or_else(|| choice_in(c, &answer));
                (k.map(|k| k as f64), k.map(|k| c[k].clone()))
            }
        };
        Reading {
            answer,
            value,
            choice,
        }
    }
}

/// The first number in `text`.
fn first_number(text: &str) -> Option<f64> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')')
        .find_map(number_word)
}

/// The index of the choice `text` names: the whole text, else the first choice it contains
/// as a word (earliest in the text).
fn choice_in(choices: &[String], text: &str) -> Option<usize> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.trim_matches(|c: char| !c.is_alphanumeric());
    if let Some(k) = choices.iter().position(|c| c == t) {
        return Some(k);
    }
    let w: Vec<&str> = t
        .split(|c: char| !c.is_alphanumeric() && c != '-' && c != '_')
        .filter(|s| !s.is_empty())
        .collect();
    w.iter()
        .find_map(|word| choices.iter().position(|c| c == word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_and_yes_no_are_read_from_the_question() {
        assert_eq!(
            ValueKind::detect("On a scale from -1 to 1, how much do you support the ban?"),
            ValueKind::Number {
                min: -1.0,
                max: 1.0
            }
        );
        assert_eq!(
            ValueKind::detect("How sure are you, between 0 and 10?"),
            ValueKind::Number {
                min: 0.0,
                max: 10.0
            }
        );
        assert_eq!(
            ValueKind::detect("Would you vote for the ban, yes or no?"),
            ValueKind::Choice(vec!["yes".into(), "no".into()])
        );
        assert_eq!(ValueKind::detect("Why do you think so?"), ValueKind::Text);
        assert_eq!(ValueKind::detect("from 5 to 1"), ValueKind::Text);
    }

    #[test]
    fn values_come_from_json_or_from_the_text() {
        let n = ValueKind::Number {
            min: -1.0,
            max: 1.0,
        };
        let r = n.read("```json\n{\"answer\": \"I lean against it.\", \"value\": \"-0.4\"}\n```");
        assert_eq!(
            (r.answer.as_str(), r.value),
            ("I lean against it.", Some(-0.4))
        );
        assert_eq!(n.read("I would say 0.7 (fairly for)").value, Some(0.7));
        assert_eq!(
            n.read("{\"answer\": \"very much\", \"value\": 3}").value,
            Some(1.0)
        );
        assert_eq!(n.read("I'd rather not say").value, None);
        let c = ValueKind::choices("Agree, neutral,DISAGREE").unwrap();
        let r = c.read("{\"answer\": \"No way.\", \"value\": \"disagree\"}");
        assert_eq!(
            (r.value, r.choice.as_deref()),
            (Some(2.0), Some("disagree"))
        );
        assert_eq!(
            c.read("Neutral, I think.").choice.as_deref(),
            Some("neutral")
        );
        let yn = ValueKind::detect("yes or no?");
        assert_eq!(
            yn.read("{\"answer\": \"Sure\", \"value\": true}").value,
            Some(0.0)
        );
        assert_eq!(yn.read("maybe").value, None);
    }

    #[test]
    fn bad_choice_lists_are_refused() {
        assert!(ValueKind::choices("yes").is_err());
        assert!(ValueKind::choices("a,,b").is_err());
        assert!(ValueKind::choices("a,b,A").unwrap_err().contains("twice"));
    }
}

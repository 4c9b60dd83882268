//! Defensive parsing of a model's answer into a decision.
//!
//! Models wrap JSON in code fences, add prose around it, leave trailing commas, quote
//! numbers, or answer out of range. Each of those is recovered here; what cannot be is a
//! [`ParseError`] whose message is quoted back to the model in the one repair request.

use serde_json::{Map, Value};

use crate::bounded::clip;

/// What one field of the answer may hold.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldKind {
    /// A number in `[min, max]`, snapped to `step` if non-zero; out of range is clamped
    /// (`clamp`) or an error.
    Number {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
        /// Grid step, 0 for none.
        step: f64,
        /// Clamp out-of-range values instead of rejecting them.
        clamp: bool,
    },
    /// true / false (also "yes"/"no", 1/0).
    Bool,
    /// An integer in `[1, max]` or null (e.g. an item number of the feed).
    OptIndex {
        /// Largest valid value.
        max: u32,
    },
    /// A list of integers in `[1, max]`, at most `len` of them; invalid entries dropped.
    IndexList {
        /// Largest valid value.
        max: u32,
        /// Longest list kept.
        len: usize,
    },
}

/// One named field; `required` fields must be present.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// JSON key.
    pub name: &'static str,
    /// Allowed values.
    pub kind: FieldKind,
    /// Missing = error (otherwise the field is null/absent in the result).
    pub required: bool,
    /// One line for the JSON schema and the repair message.
    pub description: &'static str,
}

/// The shape of an answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    /// Name sent as the `response_format` schema name.
    pub name: &'static str,
    /// Fields.
    pub fields: Vec<Field>,
}

/// A parsed, normalised answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    /// Normalised values by field name (absent optional fields are `Value::Null`).
    pub values: Map<String, Value>,
    /// Fields that were clamped or had entries dropped.
    pub clamped: u32,
}

impl Parsed {
    /// A number field (0 if absent).
    pub fn num(&self, k: &str) -> f64 {
        self.values.get(k).and_then(Value::as_f64).unwrap_or(0.0)
    }
    /// A bool field (false if absent).
    pub fn flag(&self, k: &str) -> bool {
        self.values.get(k).and_then(Value::as_bool).unwrap_or(false)
    }
    /// An optional index field.
    pub fn index(&self, k: &str) -> Option<u32> {
        self.values.get(k).and_then(Value::as_u64).map(|v| v as u32)
    }
    /// An index-list field.
    pub fn indices(&self, k: &str) -> Vec<u32> {
        self.values
            .get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_u64().map(|x| x as u32))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Why an answer could not be used (quoted back to the model in the repair request).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

impl Schema {
    /// The JSON schema for `response_format`.
    pub fn json_schema(&self) -> Value {
        let mut props = Map::new();
        for f in &self.fields {
            let t = match &f.kind {
                FieldKind::Number { min, max, .. } => {
                    serde_json::json!({"type": "number", "minimum": min, "maximum": max, "description": f.description})
                }
                FieldKind::Bool => {
                    serde_json::json!({"type": "boolean", "description": f.description})
                }
                FieldKind::OptIndex { max } => {
                    serde_json::json!({"type": ["integer", "null"], "minimum": 1, "maximum": max, "description": f.description})
                }
                FieldKind::IndexList { max, len } => serde_json::json!({
                    "type": "array", "maxItems": len,
                    "items": {"type": "integer", "minimum": 1, "maximum": max},
                    "description": f.description
                }),
            };
            props.insert(f.name.to_string(), t);
        }
        let required: Vec<&str> = self.fields.iter().map(|f| f.name).collect();
        serde_json::json!({
            "type": "object",
            "properties": props,
            "required": required,
            "additionalProperties": false
        })
    }

    /// One line per field, for prompts and repair requests.
    pub fn describe(&self) -> String {
        self.fields
            .iter()
            .map(|f| format!("\"{}\": {}", f.name, f.description))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Parse `text` into normalised values.
    pub fn parse(&self, text: &str) -> Result<Parsed, ParseError> {
        let obj = extract_object(text)?;
        let mut values = Map::new();
        let mut clamped = 0;
        for f in &self.fields {
            let raw = obj.get(f.name).filter(|v| !v.is_null());
            let Some(raw) = raw else {
                if f.required {
                    return Err(ParseError(format!(
                        "missing field \"{}\" ({})",
                        f.name, f.description
                    )));
                }
                values.insert(f.name.to_string(), Value::Null);
                continue;
            };
            let v = normalise(f, raw, &mut clamped)?;
            values.insert(f.name.to_string(), v);
        }
        Ok(Parsed { values, clamped })
    }
}

/// A value as quoted in an error (and so in the repair request and the logs): at most
/// 100 bytes of it, however long the model's answer.
fn shown(v: &Value) -> String {
    clip(&v.to_string(), 100).into_owned()
}

fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let s = s.trim().trim_end_matches('%');
            s.parse::<f64>().ok()
        }
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn normalise(f: &Field, raw: &Value, clamped: &mut u32) -> Result<Value, ParseError> {
    let bad = |what: &str| ParseError(format!("field \"{}\": {what} ({})", f.name, f.description));
    match &f.kind {
        FieldKind::Number {
            min,
            max,
            step,
            clamp,
        } => {
            let x = number_of(raw)
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(&format!("expected a number, got {}", shown(raw))))?;
            let mut y = x;
            if x < *min || x > *max {
                if !clamp {
                    return Err(bad(&format!("{x} is outside [{min}, {max}]")));
                }
                *clamped += 1;
                y = x.clamp(*min, *max);
            }
            if *step > 0.0 {
                y = (min + ((y - min) / step).round() * step).clamp(*min, *max);
                // Keep the grid exact in decimal (0.34, not 0.34000000000000002).
                y = (y / step).round() * step;
                y = (y * 1e9).round() / 1e9;
            }
            Ok(serde_json::json!(y))
        }
        FieldKind::Bool => match raw {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::Number(n) => Ok(Value::Bool(n.as_f64().unwrap_or(0.0) != 0.0)),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "1" => Ok(Value::Bool(true)),
                "false" | "no" | "n" | "0" | "" => Ok(Value::Bool(false)),
                _ => Err(bad(&format!("expected true or false, got {}", shown(raw)))),
            },
            _ => Err(bad(&format!("expected true or false, got {}", shown(raw)))),
        },
        FieldKind::OptIndex { max } => {
            let x = number_of(raw).ok_or_else(|| {
                bad(&format!(
                    "expected an item number or null, got {}",
                    shown(raw)
                ))
            })?;
            if x.fract() != 0.0 || x < 1.0 || x > *max as f64 {
                *clamped += 1;
                return Ok(Value::Null);
            }
            Ok(serde_json::json!(x as u64))
        }
        FieldKind::IndexList { max, len } => {
            let items: Vec<&Value> = match raw {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            let mut out: Vec<u64> = Vec::new();
            for it in items {
                match number_of(it) {
                    Some(x) if x.fract() == 0.0 && x >= 1.0 && x <= *max as f64 => {
                        if !out.contains(&(x as u64)) && out.len() < *len {
                            out.push(x as u64);
                        } else {
                            *clamped += 1;
                        }
                    }
                    _ => *clamped += 1,
                }
            }
            Ok(serde_json::json!(out))
        }
    }
}

/// The first JSON object in `text`: fences and surrounding prose removed, trailing commas
/// tolerated.
pub fn extract_object(text: &str) -> Result<Map<String, Value>, ParseError> {
    let start = text
        .find('{')
        .ok_or_else(|| ParseError("the answer contains no JSON object".into()))?;
    let end = matching_brace(text, start)
        .ok_or_else(|| ParseError("the JSON object is not closed (missing `}`)".into()))?;
    let body = &text[start..=end];
    let parsed: Result<Value, _> = serde_json::from_str(body);
    let value = match parsed {
        Ok(v) => v,
        Err(first) => serde_json::from_str(&strip_trailing_commas(body))
            .map_err(|_| ParseError(format!("invalid JSON: {}", clip(&first.to_string(), 200))))?,
    };
    match value {
        Value::Object(m) => Ok(m),
        _ => Err(ParseError("expected a JSON object".into())),
    }
}

/// Index of the `}` closing the `{` at `start`, skipping strings.
fn matching_brace(text: &str, start: usize) -> Option<usize> {
    let (mut depth, mut in_str, mut esc) = (0i32, false, false);
    for (i, c) in text[start..].char_indices() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(start + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Remove commas directly before `}` or `]` (outside strings).
fn strip_trailing_commas(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let (mut in_str, mut esc) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        if in_str {
            out.push(c);
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        if c == '"' {
            in_str = true;
        }
        if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn econ() -> Schema {
        let n = |name, clamp| Field {
            name,
            kind: FieldKind::Number {
                min: 0.0,
                max: 1.0,
                step: 0.02,
                clamp,
            },
            required: true,
            description: "0 to 1",
        };
        Schema {
            name: "t",
            fields: vec![n("work", true), n("consumption", false)],
        }
    }

    #[test]
    fn fenced_prose_trailing_commas_and_strings_parse() {
        let text = "Sure! Here is my decision:\n```json\n{\"work\": \"0.81\", \"consumption\": 0.5,}\n```\nThanks";
        let p = econ().parse(text).unwrap();
        assert_eq!(p.num("work"), 0.82);
        assert_eq!(p.num("consumption"), 0.5);
        assert_eq!(p.clamped, 0);
    }

    #[test]
    fn out_of_range_is_clamped_or_rejected_per_field() {
        let p = econ()
            .parse(r#"{"work": 1.7, "consumption": 0.3}"#)
            .unwrap();
        assert_eq!((p.num("work"), p.clamped), (1.0, 1));
        let e = econ()
            .parse(r#"{"work": 0.5, "consumption": 3}"#)
            .unwrap_err();
        assert!(
            e.0.contains("consumption") && e.0.contains("outside"),
            "{e}"
        );
    }

    #[test]
    fn garbage_and_missing_fields_are_errors() {
        assert!(econ().parse("I would rather not say").is_err());
        assert!(econ().parse(r#"{"work": 0.5"#).is_err());
        let e = econ().parse(r#"{"work": 0.5}"#).unwrap_err();
        assert!(e.0.contains("missing field \"consumption\""), "{e}");
        assert!(
            econ()
                .parse(r#"{"work": "lots", "consumption": 0.1}"#)
                .is_err()
        );
    }

    #[test]
    fn braces_inside_strings_do_not_confuse_extraction() {
        let m = extract_object(r#"x {"a": "}{", "b": [1, 2,],} y"#).unwrap();
        assert_eq!(m["a"], "}{");
        assert_eq!(m["b"], serde_json::json!([1, 2]));
    }

    #[test]
    fn index_lists_drop_invalid_entries() {
        let s = Schema {
            name: "s",
            fields: vec![Field {
                name: "like",
                kind: FieldKind::IndexList { max: 5, len: 2 },
                required: false,
                description: "items",
            }],
        };
        let p = s.parse(r#"{"like": [1, 9, "2", 2, 3]}"#).unwrap();
        assert_eq!(p.indices("like"), vec![1, 2]);
        assert_eq!(p.clamped, 3);
    }
}

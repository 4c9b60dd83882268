//! Prompt templates: text files with `{{placeholder}}`s, one per scenario role, under
//! `prompts/`. A line `---` splits the system message (above) from the user message
//! (below). Placeholders are checked when the template is loaded, so a typo fails before
//! the first request, not as a silently empty prompt.

use std::path::Path;

use emergent_scenario::Scenario;

use crate::LlmRunOptions;
use crate::bounded::clip;
use crate::client::{Message, Role};
use crate::error::LlmError;
use crate::prompt_path;

/// Built-in templates, compiled in so the binary works from any directory.
pub mod builtin {
    /// EconAgent's monthly work/consumption decision.
    pub const ECON: &str = include_str!("../../../prompts/econagent.md");
    /// EconAgent's quarterly reflection.
    pub const ECON_REFLECT: &str = include_str!("../../../prompts/econagent-reflect.md");
    /// A social-media user reading a feed.
    pub const SOCIAL: &str = include_str!("../../../prompts/social.md");
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    system: String,
    user: String,
}

fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        match after.find("}}") {
            Some(j) => {
                out.push(after[..j].trim());
                rest = &after[j + 2..];
            }
            None => break,
        }
    }
    out
}

impl Template {
    /// Parse `text` (from `origin`, for messages); every placeholder must be in `allowed`.
    pub fn parse(text: &str, origin: &Path, allowed: &[&str]) -> Result<Self, LlmError> {
        if let Some(bad) = placeholders(text)
            .into_iter()
            .find(|p| !allowed.contains(p))
        {
            return Err(LlmError::Template {
                path: origin.to_path_buf(),
                message: format!(
                    "unknown placeholder {{{{{}}}}}; this role provides: {}",
                    clip(bad, 100),
                    allowed.join(", ")
                ),
            });
        }
        let (system, user) = match text.split_once("\n---\n") {
            Some((s, u)) => (s.trim().to_string(), u.trim().to_string()),
            None => (String::new(), text.trim().to_string()),
        };
        if user.is_empty() {
            return Err(LlmError::Template {
                path: origin.to_path_buf(),
                message: "the user message (below `---`) is empty".into(),
            });
        }
        Ok(Self { system, user })
    }

    /// The scenario's own template (`llm.prompt`, read from an allowed place: see
    /// [`crate::prompt_path`]) or the built-in one for the role.
    pub fn for_scenario(
        scenario: &Scenario,
        run: &LlmRunOptions,
        builtin: &str,
        builtin_name: &str,
        allowed: &[&str],
    ) -> Result<Self, LlmError> {
        match prompt_path::read(scenario, &run.allow_prompt_paths)? {
            Some(file) => Self::parse(&file.text, &file.path, allowed),
            None => Self::parse(builtin, Path::new(builtin_name), allowed),
        }
    }

    /// The messages with every placeholder filled from `vars` (one pass per message: this
    /// runs once per agent per tick, and on the replay path it is a good part of the cost).
    pub fn render(&self, vars: &[(&str, String)]) -> Vec<Message> {
        let fill = |t: &str| {
            let mut s = String::with_capacity(t.len() + 256);
            let mut rest = t;
            while let Some(i) = rest.find("{{") {
                s.push_str(&rest[..i]);
                let after = &rest[i + 2..];
                let Some(j) = after.find("}}") else {
                    s.push_str(&rest[i..]);
                    rest = "";
                    break;
                };
                let name = after[..j].trim();
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => s.push_str(v),
                    None => s.push_str(&rest[i..i + 2 + j + 2]),
                }
                rest = &after[j + 2..];
            }
            s.push_str(rest);
            s
        };
        let mut out = Vec::with_capacity(2);
        if !self.system.is_empty() {
            out.push(Message {
                role: Role::System,
                content: fill(&self.system),
            });
        }
        out.push(Message {
            role: Role::User,
            content: fill(&self.user),
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_rejects_unknown_placeholders() {
        let t = Template::parse(
            "You are {{name}}.\n---\nIt is {{month}}.",
            Path::new("t"),
            &["name", "month"],
        )
        .unwrap();
        let m = t.render(&[("name", "Ada".into()), ("month", "2001.03".into())]);
        assert_eq!(m[0].content, "You are Ada.");
        assert_eq!(m[1].content, "It is 2001.03.");
        let e = Template::parse("{{nmae}}", Path::new("x.md"), &["name"]).unwrap_err();
        assert!(
            e.to_string().contains("unknown placeholder {{nmae}}"),
            "{e}"
        );
    }

    #[test]
    fn builtin_templates_parse() {
        Template::parse(builtin::ECON, Path::new("econ"), crate::econ::PLACEHOLDERS).unwrap();
        Template::parse(
            builtin::ECON_REFLECT,
            Path::new("r"),
            crate::econ::REFLECT_PLACEHOLDERS,
        )
        .unwrap();
        Template::parse(builtin::SOCIAL, Path::new("s"), crate::social::PLACEHOLDERS).unwrap();
    }
}

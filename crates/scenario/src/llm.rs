//! `[llm]`: which agents an LLM drives and how to reach it. Plain data only: the
//! simulation core never sees this section; `emergent-llm` reads it and builds the policy
//! (which agents it drives, their persona, the backoff it waits). Kept in the scenario so
//! the scenario stays one strict, validated file.

use serde::{Deserialize, Serialize};

use crate::location::{Problem, Problems};

/// `[llm]`. Absent or `enabled = false`: every agent runs on the surrogate policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LlmConfig {
    /// Master switch: `--set llm.enabled=false` runs the scenario on surrogates only.
    pub enabled: bool,
    /// OpenAI-compatible base URL, up to and including `/v1`.
    pub base_url: String,
    /// Model name as the endpoint knows it.
    pub model: String,
    /// Name of the environment variable holding the API key (never the key itself);
    /// empty for local servers that need none.
    pub api_key_env: String,
    /// Sampling temperature.
    pub temperature: f64,
    /// Completion token limit per request.
    pub max_tokens: u32,
    /// Per-request timeout, seconds.
    pub timeout_secs: f64,
    /// Most requests in flight at once.
    pub max_in_flight: usize,
    /// Requests per minute; 0 = unlimited.
    pub requests_per_minute: u32,
    /// Prompt + completion tokens per minute; 0 = unlimited.
    pub tokens_per_minute: u32,
    /// Retries after the first attempt on 429 / 5xx / timeouts / connection errors.
    pub max_retries: u32,
    /// First backoff delay, milliseconds (doubles per retry, with jitter).
    pub backoff_ms: u64,
    /// Longest backoff delay, milliseconds (also caps an honoured `Retry-After`).
    pub backoff_max_ms: u64,
    /// The endpoint supports `response_format = json_schema`.
    pub structured_output: bool,
    /// What to do when the endpoint is down: keep going on fallbacks, or pause.
    pub on_outage: OnOutage,
    /// Consecutive requests failing after all retries that count as an outage.
    pub outage_after: u32,
    /// Prompt template file, relative to the scenario file; empty = the built-in one for
    /// the scenario's role. It must lie inside the scenario's folder or the project's
    /// `prompts/` (emergent-llm checks this when it reads it: scenario files get shared, and
    /// a prompt is sent to the endpoint); `emergent run --allow-prompt-path` allows more.
    pub prompt: String,
    /// Observations/decisions each agent remembers (bounded context).
    pub memory: usize,
    /// Reflect every this many ticks (EconAgent: quarterly = 3); 0 = never.
    pub reflect_every: u32,
    /// Agent groups the LLM drives; none = every agent.
    pub groups: Vec<LlmGroup>,
}

/// Empty (no key), or a portable environment variable name: `[A-Za-z_][A-Za-z0-9_]*`. A key
/// pasted by mistake (with `-`, `=`, spaces…) is refused before it can reach a message.
fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        None => true,
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {
            chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        Some(_) => false,
    }
}

/// What the run does when the endpoint stops answering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnOutage {
    /// Keep running on the surrogate's decisions (counted as fallbacks).
    Fallback,
    /// Checkpoint after the tick and stop with a message telling how to resume.
    Pause,
}

/// `[[llm.groups]]`: a set of agents the LLM drives, given by an id range or a share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmGroup {
    /// Label for logs.
    #[serde(default)]
    pub name: String,
    /// Half-open agent id range `[start, end)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[u32; 2]>,
    /// A seeded random share of all agents, in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// Extra persona text given to this group's agents.
    #[serde(default)]
    pub persona: String,
}

impl Default for LlmConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            base_url: "http://localhost:11434/v1".into(),
            model: "llama3.1:8b".into(),
            api_key_env: String::new(),
            temperature: 0.7,
            max_tokens: 256,
            timeout_secs: 60.0,
            max_in_flight: 16,
            requests_per_minute: 0,
            tokens_per_minute: 0,
            max_retries: 4,
            backoff_ms: 500,
            backoff_max_ms: 30_000,
            structured_output: false,
            on_outage: OnOutage::Fallback,
            outage_after: 8,
            prompt: String::new(),
            memory: 5,
            reflect_every: 0,
            groups: Vec::new(),
        }
    }
}

impl LlmConfig {
    /// True when the section was left out (it is then not written back out).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Semantic problems of `[llm]` for `agents` agents (none when it is disabled): the
    /// endpoint's URL, limits and backoff, and the groups.
    pub fn problems(&self, agents: usize) -> Vec<Problem> {
        let mut out = Problems::default();
        if !self.enabled {
            return out.0;
        }
        let mut need = |ok: bool, key: &'static str, msg: &str| {
            out.check(ok, &["llm", key], msg.to_string());
        };
        need(
            self.base_url.starts_with("http://") || self.base_url.starts_with("https://"),
            "base_url",
            "must start with http:// or https://",
        );
        need(!self.model.trim().is_empty(), "model", "must not be empty");
        need(
            (0.0..=2.0).contains(&self.temperature),
            "temperature",
            "must be in [0, 2]",
        );
        need(self.max_tokens >= 1, "max_tokens", "must be at least 1");
        need(
            self.timeout_secs > 0.0 && self.timeout_secs.is_finite(),
            "timeout_secs",
            "must be positive",
        );
        need(
            (1..=4096).contains(&self.max_in_flight),
            "max_in_flight",
            "must be between 1 and 4096",
        );
        need(self.outage_after >= 1, "outage_after", "must be at least 1");
        need(self.memory <= 64, "memory", "must be at most 64");
        need(
            self.backoff_ms <= self.backoff_max_ms,
            "backoff_ms",
            "must not exceed backoff_max_ms",
        );
        need(
            is_variable_name(&self.api_key_env),
            "api_key_env",
            "is the NAME of an environment variable (letters, digits and `_`, e.g. OPENAI_API_KEY), not the key",
        );
        for g in &self.groups {
            need(
                g.range.is_some() != g.share.is_some(),
                "groups",
                "each group needs exactly one of `range = [start, end]` or `share`",
            );
            if let Some([lo, hi]) = g.range {
                need(
                    lo < hi && hi as usize <= agents,
                    "groups",
                    "range must be [start, end) with start < end <= number of agents",
                );
            }
            if let Some(s) = g.share {
                need(
                    (0.0..=1.0).contains(&s),
                    "groups",
                    "share must be in [0, 1]",
                );
            }
        }
        out.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_env_must_be_a_variable_name_not_a_key() {
        for ok in ["", "OPENAI_API_KEY", "_k1"] {
            assert!(is_variable_name(ok), "{ok}");
        }
        for bad in ["sk-proj-abc123", "KEY=sk", "MY KEY", "1KEY", "KÉY"] {
            assert!(!is_variable_name(bad), "{bad}");
            let cfg = LlmConfig {
                enabled: true,
                api_key_env: bad.into(),
                ..Default::default()
            };
            let problems = cfg.problems(10);
            assert!(
                problems[0].1.contains("NAME of an environment variable"),
                "{problems:?}"
            );
        }
    }
}

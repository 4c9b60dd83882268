//! `[llm]`: which agents an LLM drives and how to reach it. Plain data only: the
//! simulation core never sees this section; `emergent-llm` reads it and builds the policy
//! (which agents it drives, their persona, the backoff it waits). Kept in the scenario so
//! the scenario stays one strict, validated file.

use serde::{Deserialize, Serialize};

use crate::limits::{MAX_LLM_GROUPS, MAX_TICKS};
use crate::location::{KeySeg, Problem, Problems};

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
    /// The replay cache file (SQLite). Empty: the per-user default, `$EMERGENT_CACHE`, else
    /// `$XDG_CACHE_HOME/emergent/replay.sqlite`, else `~/.cache/emergent/replay.sqlite`
    /// (emergent-llm resolves it; docs/llm.md). A relative path is relative to the
    /// scenario file's folder.
    pub cache: String,
    /// `[[llm.endpoints]]`: replicas serving the model, requests spread over them. None: the
    /// one endpoint `base_url` / `api_key_env` / `max_in_flight` above.
    pub endpoints: Vec<LlmEndpoint>,
}

/// `[[llm.endpoints]]`: one server of the model. The replay cache key never names the
/// endpoint, so every endpoint must serve the same weights as `llm.model`; `model` is only
/// the name this server knows them by.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmEndpoint {
    /// OpenAI-compatible base URL, up to and including `/v1`.
    pub base_url: String,
    /// Environment variable of this server's key; absent: `llm.api_key_env`; `""`: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
    /// This server's name for `llm.model` (e.g. vLLM's `meta-llama/Llama-3.1-8B-Instruct`
    /// for Ollama's `llama3.1:8b`); absent: `llm.model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Most requests in flight at this server; absent: `llm.max_in_flight`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_in_flight: Option<usize>,
    /// Share of the load: requests go where outstanding / weight is least.
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

/// Most `[[llm.endpoints]]`.
pub const MAX_LLM_ENDPOINTS: usize = 256;

/// Why `url` is not an `http(s)://host[:port][/path]` base URL, if it is not one.
pub fn base_url_problem(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let Some(rest) = rest else {
        return Some(format!("must start with http:// or https://, got {url:?}"));
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!(
            "must not contain spaces or control characters, got {url:?}"
        ));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Some("must not carry a user or password (use api_key_env)".into());
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, tail)) => (h, tail.strip_prefix(':')),
            None => ("", None),
        },
        None => match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
    if !host_ok {
        return Some(format!("has no valid host name, got {url:?}"));
    }
    if let Some(p) = port
        && !p.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return Some(format!("has an invalid port {p:?} (1–65535), got {url:?}"));
    }
    None
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
            cache: String::new(),
            endpoints: Vec::new(),
        }
    }
}

impl LlmConfig {
    /// True when the section was left out (it is then not written back out).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Semantic problems of `[llm]` for `agents` agents: the endpoint's URL, model and key
    /// variable when it is enabled; the limits, backoff and groups always.
    pub fn problems(&self, agents: usize) -> Vec<Problem> {
        let mut out = Problems::default();
        let at = |k| ["llm", k];
        if self.enabled && self.endpoints.is_empty() {
            let bad = base_url_problem(&self.base_url);
            out.check(bad.is_none(), &at("base_url"), bad.unwrap_or_default());
        }
        if self.enabled {
            out.check(
                !self.model.trim().is_empty(),
                &at("model"),
                "must not be empty".into(),
            );
            out.check(
                is_variable_name(&self.api_key_env),
                &at("api_key_env"),
                "is the NAME of an environment variable (letters, digits and `_`, e.g. OPENAI_API_KEY), not the key".into(),
            );
        }
        // The ranges hold whether or not the LLM is on: `--set llm.enabled=true` must not
        // reveal a value nobody checked.
        out.real(&at("temperature"), self.temperature, 0.0, 2.0);
        out.count(&at("max_tokens"), self.max_tokens.into(), 1, 1 << 20);
        out.real_above(&at("timeout_secs"), self.timeout_secs, 0.0, 86_400.0);
        out.count(&at("max_in_flight"), self.max_in_flight as u64, 1, 4096);
        out.count(&at("max_retries"), self.max_retries.into(), 0, 100);
        out.count(&at("outage_after"), self.outage_after.into(), 1, 1_000_000);
        out.count(&at("memory"), self.memory as u64, 0, 64);
        out.count(
            &at("reflect_every"),
            self.reflect_every.into(),
            0,
            MAX_TICKS.into(),
        );
        out.count(
            &at("backoff_max_ms"),
            self.backoff_max_ms,
            0,
            MAX_BACKOFF_MS,
        );
        out.check(
            self.backoff_ms <= self.backoff_max_ms,
            &at("backoff_ms"),
            "must not exceed backoff_max_ms".into(),
        );
        out.count(
            &at("groups"),
            self.groups.len() as u64,
            0,
            MAX_LLM_GROUPS as u64,
        );
        out.check(
            self.cache.len() <= 4096 && !self.cache.contains('\0'),
            &at("cache"),
            "must be a file path of at most 4096 bytes without NUL characters".into(),
        );
        out.count(
            &at("endpoints"),
            self.endpoints.len() as u64,
            0,
            MAX_LLM_ENDPOINTS as u64,
        );
        let mut found = out.0;
        for (i, e) in self.endpoints.iter().enumerate() {
            for (key, message) in e.problems() {
                found.push((
                    vec![
                        KeySeg::Key("llm"),
                        KeySeg::Key("endpoints"),
                        KeySeg::Index(i),
                        KeySeg::Key(key),
                    ],
                    message,
                ));
            }
        }
        for (i, g) in self.groups.iter().enumerate() {
            if let Some(message) = g.problem(agents) {
                let key = if g.range.is_some() { "range" } else { "share" };
                found.push((
                    vec![
                        KeySeg::Key("llm"),
                        KeySeg::Key("groups"),
                        KeySeg::Index(i),
                        KeySeg::Key(key),
                    ],
                    message,
                ));
            }
        }
        found
    }
}

impl LlmEndpoint {
    /// What is wrong with this endpoint, key by key.
    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(m) = base_url_problem(&self.base_url) {
            out.push(("base_url", m));
        }
        if let Some(k) = &self.api_key_env
            && !is_variable_name(k)
        {
            out.push(("api_key_env", "is the NAME of an environment variable (letters, digits and `_`, e.g. OPENAI_API_KEY), not the key".into()));
        }
        if self.model.as_ref().is_some_and(|m| m.trim().is_empty()) {
            out.push((
                "model",
                "must not be empty (leave it out to use llm.model)".into(),
            ));
        }
        if let Some(n) = self.max_in_flight
            && !(1..=4096).contains(&n)
        {
            out.push(("max_in_flight", format!("must be in [1, 4096], got {n}")));
        }
        if !(self.weight > 0.0 && self.weight <= 1000.0) {
            out.push((
                "weight",
                format!("must be a number in (0, 1000], got {}", self.weight),
            ));
        }
        out
    }
}

/// Longest backoff: one hour.
const MAX_BACKOFF_MS: u64 = 3_600_000;

impl LlmGroup {
    /// What is wrong with this group for `agents` agents, if anything.
    fn problem(&self, agents: usize) -> Option<String> {
        if self.range.is_some() == self.share.is_some() {
            return Some(
                "each group needs exactly one of `range = [start, end]` or `share`".into(),
            );
        }
        if let Some([lo, hi]) = self.range
            && !(lo < hi && hi as usize <= agents)
        {
            return Some(format!(
                "range must be [start, end) with start < end <= number of agents ({agents}), \
                 got [{lo}, {hi}]"
            ));
        }
        match self.share {
            Some(s) if !(0.0..=1.0).contains(&s) => Some(format!(
                "share is a probability, must be a number in [0, 1], got {s}"
            )),
            _ => None,
        }
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

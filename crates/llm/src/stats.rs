//! Counters of every outcome, shared by concurrent requests (relaxed atomics: they are
//! only read at the end of a tick).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// What the LLM policy did, for the manifest and the end-of-run summary.
#[derive(Debug, Default)]
pub struct Stats {
    /// Decisions asked of the LLM path (one per LLM agent per tick).
    pub decisions: AtomicU64,
    /// HTTP requests sent (retries included).
    pub calls: AtomicU64,
    /// Requests answered from the replay cache.
    pub cache_hits: AtomicU64,
    /// Requests the replay cache had no answer for (asked of an endpoint, or an offline
    /// miss).
    pub cache_misses: AtomicU64,
    /// Retries after a retryable failure.
    pub retries: AtomicU64,
    /// Requests that timed out.
    pub timeouts: AtomicU64,
    /// Connection errors.
    pub connection_errors: AtomicU64,
    /// 2xx answers that were too large or not a chat completion (not retried).
    pub invalid_responses: AtomicU64,
    /// Prompt tokens reported by `usage` (network answers only).
    pub prompt_tokens: AtomicU64,
    /// Completion tokens reported by `usage` (network answers only).
    pub completion_tokens: AtomicU64,
    /// Answers that did not parse (before repair).
    pub parse_failures: AtomicU64,
    /// Repair requests sent.
    pub repairs: AtomicU64,
    /// Repairs that produced a valid answer.
    pub repaired: AtomicU64,
    /// Fields clamped into range.
    pub clamped_fields: AtomicU64,
    /// Decisions taken from the surrogate (any cause).
    pub fallbacks: AtomicU64,
    /// …of which because the endpoint failed after all retries.
    pub fallbacks_endpoint: AtomicU64,
    /// …of which because the answer did not parse even after repair.
    pub fallbacks_parse: AtomicU64,
    /// …of which because a call or token budget was spent.
    pub fallbacks_budget: AtomicU64,
    /// Decisions the LLM made (parsed, possibly repaired).
    pub llm_decisions: AtomicU64,
    /// Reflections written.
    pub reflections: AtomicU64,
    /// HTTP error responses by status code.
    pub http_status: Mutex<BTreeMap<u16, u64>>,
}

impl Stats {
    /// Add one to a counter.
    pub fn bump(c: &AtomicU64) {
        c.fetch_add(1, Relaxed);
    }

    /// Count an HTTP error status.
    pub fn http_error(&self, status: u16) {
        if let Ok(mut m) = self.http_status.lock() {
            *m.entry(status).or_default() += 1;
        }
    }

    /// Total tokens so far (for the token budget).
    pub fn tokens(&self) -> u64 {
        self.prompt_tokens.load(Relaxed) + self.completion_tokens.load(Relaxed)
    }

    /// Every counter as `(name, value)`, for `Policy::stats`.
    pub fn snapshot(&self) -> Vec<(String, f64)> {
        let g = |c: &AtomicU64| c.load(Relaxed) as f64;
        let mut v: Vec<(String, f64)> = [
            ("llm_decisions_requested", g(&self.decisions)),
            ("llm_decisions", g(&self.llm_decisions)),
            ("calls", g(&self.calls)),
            ("cache_hits", g(&self.cache_hits)),
            ("cache_misses", g(&self.cache_misses)),
            ("retries", g(&self.retries)),
            ("timeouts", g(&self.timeouts)),
            ("connection_errors", g(&self.connection_errors)),
            ("invalid_responses", g(&self.invalid_responses)),
            ("prompt_tokens", g(&self.prompt_tokens)),
            ("completion_tokens", g(&self.completion_tokens)),
            ("parse_failures", g(&self.parse_failures)),
            ("repairs", g(&self.repairs)),
            ("repaired", g(&self.repaired)),
            ("clamped_fields", g(&self.clamped_fields)),
            ("fallbacks", g(&self.fallbacks)),
            ("fallbacks_endpoint", g(&self.fallbacks_endpoint)),
            ("fallbacks_parse", g(&self.fallbacks_parse)),
            ("fallbacks_budget", g(&self.fallbacks_budget)),
            ("reflections", g(&self.reflections)),
        ]
        .into_iter()
        .map(|(k, x)| (k.to_string(), x))
        .collect();
        if let Ok(m) = self.http_status.lock() {
            v.extend(m.iter().map(|(s, n)| (format!("http_{s}"), *n as f64)));
        }
        v
    }
}

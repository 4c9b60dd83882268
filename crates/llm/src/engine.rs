//! The request pipeline shared by every LLM policy: replay cache → budgets → rate limits →
//! the call with retries → defensive parse → one repair → the surrogate's decision.
//!
//! A tick's requests run concurrently on a tokio runtime owned by the policy; results are
//! placed by index, so decisions come back in agent order whatever the completion order.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use emergent_scenario::{LlmConfig, OnOutage};
use emergent_sim::policy::PolicyHalt;
use emergent_sim::rng::{AgentRng, mix64};
use rayon::prelude::*;

use crate::LlmRunOptions;
use crate::bounded::{LogLimiter, repeat_note};
use crate::cache::{self, Cached, ReplayCache};
use crate::client::{CallError, ChatRequest, Message, Role};
use crate::endpoints::Pool;
use crate::error::LlmError;
use crate::limiter::Limiter;
use crate::parse::{Parsed, Schema};
use crate::stats::Stats;

/// One request to make: who, when, and the conversation.
#[derive(Clone, Debug)]
pub struct Job {
    /// Agent asking.
    pub agent: u32,
    /// Tick.
    pub tick: u32,
    /// Rendered prompt.
    pub messages: Vec<Message>,
}

/// Why a decision fell back to the surrogate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// The endpoint failed after every retry (or is in an outage).
    Endpoint,
    /// The answer did not parse, even after the repair request.
    Parse,
    /// A call or token budget is spent.
    Budget,
    /// `--offline` and the cache had no answer.
    Offline,
}

/// Result of one job.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The model's (normalised) answer.
    Decided(Parsed),
    /// Use the surrogate's decision.
    Fallback(Fallback),
}

enum Fail {
    Endpoint,
    Budget,
    Offline,
}

/// Shared state of the pipeline (behind an `Arc` so tasks can hold it).
pub struct Engine {
    cfg: LlmConfig,
    seed: u64,
    pool: Pool,
    cache: ReplayCache,
    /// This run's row in the cache's `runs` table.
    run_id: String,
    started: i64,
    limiter: Limiter,
    run: LlmRunOptions,
    /// Counters of every outcome.
    pub stats: Stats,
    consecutive_failures: AtomicU32,
    outage: AtomicBool,
    halt: Mutex<Option<PolicyHalt>>,
    /// Bounds the warnings of failures that repeat for every agent at every tick.
    log: LogLimiter,
}

/// The engine plus the runtime that drives it (kept apart so the runtime is dropped on
/// the caller's thread, never inside one of its own tasks).
pub struct Driver {
    rt: tokio::runtime::Runtime,
    /// The pipeline.
    pub engine: Arc<Engine>,
}

/// The API key of one endpoint (empty when none is configured), after checking that this
/// build can reach it. Nothing here touches the network or a file.
pub(crate) fn api_key(
    spec: &crate::endpoints::Spec,
    scenario_file: &str,
    run: &LlmRunOptions,
) -> Result<String, LlmError> {
    let key = if spec.api_key_env.is_empty() {
        String::new()
    } else {
        std::env::var(&spec.api_key_env).map_err(|_| LlmError::MissingKey {
            file: scenario_file.into(),
            var: spec.api_key_env.clone(),
        })?
    };
    if spec.base_url.starts_with("https://") && !cfg!(feature = "tls") && !run.offline {
        return Err(LlmError::Config {
            file: scenario_file.into(),
            key: "base_url".into(),
            message: format!(
                "{}: https endpoints need emergent built with `--features tls`",
                spec.base_url
            ),
        });
    }
    Ok(key)
}

/// Whether `a` and `b` name one file (a run may name its old cache as `llm.cache`).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

impl Driver {
    /// Build the client, open the cache and start a runtime.
    pub fn new(
        cfg: &LlmConfig,
        scenario_file: &str,
        seed: u64,
        run: &LlmRunOptions,
    ) -> Result<Self, LlmError> {
        let pool = crate::endpoints::pool_for(cfg, scenario_file, run)?;
        let cache_path = if run.cache_path.as_os_str().is_empty() {
            cache::location::resolve(cfg, scenario_file)?
        } else {
            run.cache_path.clone()
        };
        let cache = ReplayCache::open(&cache_path)?;
        if let Some(old) = run
            .legacy_cache
            .as_ref()
            .filter(|old| !same_file(old, &cache_path))
        {
            let added = cache.import(old)?;
            if added > 0 {
                tracing::info!(
                    "copied {added} answers of {} into the replay cache {}",
                    old.display(),
                    cache_path.display()
                );
            }
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(run.worker_threads.unwrap_or(2).max(1))
            .thread_name("emergent-llm")
            .enable_all()
            .build()
            .map_err(|e| LlmError::Runtime(e.to_string()))?;
        let engine = Engine {
            cfg: cfg.clone(),
            seed,
            limiter: Limiter::new(
                pool.capacity(),
                cfg.requests_per_minute,
                cfg.tokens_per_minute,
            ),
            pool,
            cache,
            run_id: format!(
                "{:x}-{}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
                std::process::id()
            ),
            started: cache::now_secs(),
            run: run.clone(),
            stats: Stats::default(),
            consecutive_failures: AtomicU32::new(0),
            outage: AtomicBool::new(false),
            halt: Mutex::new(None),
            log: LogLimiter::default(),
        };
        Ok(Self {
            rt,
            engine: Arc::new(engine),
        })
    }

    /// Run every job concurrently; outcome `i` belongs to `jobs[i]`.
    ///
    /// Jobs whose first answer is in the cache and parses are served right here, without
    /// a task (the replay fast path); the rest run as tasks under the in-flight limit.
    pub fn decide_all(&self, jobs: Vec<Job>, schema: &Arc<Schema>) -> Vec<Outcome> {
        let e = &self.engine;
        // Keys and cache lookups in parallel (prompt serialisation and hashing dominate).
        let hits: Vec<Option<Parsed>> = jobs
            .par_iter()
            .with_min_len(64)
            .map(|job| {
                let json = e.request(job, Some(schema)).canonical_json();
                let key = cache::key(&json, job.agent, job.tick, e.seed);
                match e.cache.get(&key) {
                    Ok(Some(Cached {
                        text: Some(text), ..
                    })) => schema.parse(&text).ok(),
                    _ => None,
                }
            })
            .collect();
        let mut out: Vec<Option<Outcome>> = vec![None; jobs.len()];
        let mut pending = Vec::new();
        for (i, (job, hit)) in jobs.into_iter().zip(hits).enumerate() {
            Stats::bump(&e.stats.decisions);
            match hit {
                Some(p) => {
                    Stats::bump(&e.stats.cache_hits);
                    out[i] = Some(e.accept(p, false));
                }
                None => pending.push((i, job)),
            }
        }
        if !pending.is_empty() {
            let results = self.rt.block_on(async {
                let mut set = tokio::task::JoinSet::new();
                for (i, job) in pending {
                    let (e, schema) = (Arc::clone(e), Arc::clone(schema));
                    set.spawn(async move { (i, e.decide(job, &schema).await) });
                }
                let mut done = Vec::new();
                while let Some(r) = set.join_next().await {
                    if let Ok(pair) = r {
                        done.push(pair);
                    }
                }
                done
            });
            for (i, o) in results {
                out[i] = Some(o);
            }
        }
        e.record_use();
        out.into_iter()
            .map(|o| {
                o.unwrap_or_else(|| {
                    // A task panicked: never lose an agent's decision.
                    Stats::bump(&e.stats.fallbacks);
                    Stats::bump(&e.stats.fallbacks_endpoint);
                    Outcome::Fallback(Fallback::Endpoint)
                })
            })
            .collect()
    }

    /// Free-text answers (reflections), `None` where none could be had.
    pub fn texts(&self, jobs: Vec<Job>) -> Vec<Option<String>> {
        let n = jobs.len();
        let texts = self.rt.block_on(async {
            let mut set = tokio::task::JoinSet::new();
            for (i, job) in jobs.into_iter().enumerate() {
                let e = Arc::clone(&self.engine);
                set.spawn(async move {
                    let req = e.request(&job, None);
                    (i, e.answer(&req, job.agent, job.tick).await.ok())
                });
            }
            let mut done = vec![None; n];
            while let Some(Ok((i, t))) = set.join_next().await {
                done[i] = t;
            }
            done
        });
        self.engine.record_use();
        texts
    }
}

impl Engine {
    /// Write this run's hits and misses so far into the cache's `runs` table.
    fn record_use(&self) {
        let (hits, misses) = (
            self.stats.cache_hits.load(Relaxed),
            self.stats.cache_misses.load(Relaxed),
        );
        if hits + misses == 0 {
            return;
        }
        let model = &self.cfg.model;
        if let Err(e) = self
            .cache
            .record_run(&self.run_id, self.started, model, hits, misses)
        {
            self.warn_limited("replay cache write", |n| format!("{e}{}", repeat_note(n)));
        }
    }

    /// Counters of the endpoints (with more than one).
    pub fn endpoint_stats(&self) -> Vec<(String, f64)> {
        self.pool.snapshot()
    }

    /// The request for `job`; structured output only if the endpoint supports it.
    fn request(&self, job: &Job, schema: Option<&Schema>) -> ChatRequest {
        ChatRequest {
            model: self.cfg.model.clone(),
            messages: job.messages.clone(),
            temperature: self.cfg.temperature,
            max_tokens: self.cfg.max_tokens,
            seed: (mix64(self.seed ^ mix64(((job.agent as u64) << 32) | job.tick as u64)) >> 1)
                as i64,
            schema: schema
                .filter(|_| self.cfg.structured_output)
                .map(|s| (s.name.to_string(), s.json_schema())),
        }
    }

    fn accept(&self, p: Parsed, repaired: bool) -> Outcome {
        Stats::bump(&self.stats.llm_decisions);
        if repaired {
            Stats::bump(&self.stats.repaired);
        }
        self.stats
            .clamped_fields
            .fetch_add(p.clamped as u64, Relaxed);
        Outcome::Decided(p)
    }

    fn fallback(&self, why: Fallback) -> Outcome {
        Stats::bump(&self.stats.fallbacks);
        Stats::bump(match why {
            Fallback::Endpoint | Fallback::Offline => &self.stats.fallbacks_endpoint,
            Fallback::Parse => &self.stats.fallbacks_parse,
            Fallback::Budget => &self.stats.fallbacks_budget,
        });
        Outcome::Fallback(why)
    }

    /// One decision: answer, parse, at most one repair, else fall back.
    async fn decide(&self, job: Job, schema: &Schema) -> Outcome {
        let req = self.request(&job, Some(schema));
        let text = match self.answer(&req, job.agent, job.tick).await {
            Ok(t) => t,
            Err(f) => return self.fallback(fail_kind(f)),
        };
        let err = match schema.parse(&text) {
            Ok(p) => return self.accept(p, false),
            Err(e) => e,
        };
        Stats::bump(&self.stats.parse_failures);
        self.warn_limited("unparseable answer", |n| {
            format!(
                "agent {} at tick {}: the answer could not be used ({err}); asking for a repair{}",
                job.agent,
                job.tick,
                repeat_note(n)
            )
        });
        Stats::bump(&self.stats.repairs);
        let mut repair = req.clone();
        repair.messages.push(Message {
            role: Role::Assistant,
            content: text.chars().take(2000).collect(),
        });
        repair.messages.push(Message {
            role: Role::User,
            content: format!(
                "Your answer could not be used: {err}. Reply again with only the JSON object, with these keys: {}.",
                schema.describe()
            ),
        });
        match self.answer(&repair, job.agent, job.tick).await {
            Ok(t) => match schema.parse(&t) {
                Ok(p) => self.accept(p, true),
                Err(_) => {
                    Stats::bump(&self.stats.parse_failures);
                    self.fallback(Fallback::Parse)
                }
            },
            Err(f) => self.fallback(fail_kind(f)),
        }
    }

    /// The answer text: from the cache, or from the endpoint (then stored).
    async fn answer(&self, req: &ChatRequest, agent: u32, tick: u32) -> Result<String, Fail> {
        let json = req.canonical_json();
        let key = cache::key(&json, agent, tick, self.seed);
        match self.cache.get(&key) {
            // A recorded failure replays as a failure only offline: online it is asked
            // again, so one outage does not become every later run's fallback.
            Ok(Some(c)) if c.text.is_some() || self.run.offline => {
                Stats::bump(&self.stats.cache_hits);
                return c.text.ok_or(Fail::Endpoint);
            }
            Ok(_) => {}
            Err(e) => self.warn_limited("replay cache read", |n| format!("{e}{}", repeat_note(n))),
        }
        Stats::bump(&self.stats.cache_misses);
        if self.run.offline {
            self.set_halt(LlmError::OfflineMiss { agent, tick }.to_string(), false);
            return Err(Fail::Offline);
        }
        let result = self.call_with_retries(req, agent, tick).await;
        let stored = match &result {
            Ok(r) => Cached {
                text: Some(r.text.clone()),
                prompt_tokens: r.prompt_tokens,
                completion_tokens: r.completion_tokens,
            },
            Err(Fail::Endpoint) => Cached {
                text: None,
                prompt_tokens: 0,
                completion_tokens: 0,
            },
            Err(_) => return result.map(|r| r.text),
        };
        let seed = self.seed;
        match self
            .cache
            .put(&key, agent, tick, seed, &req.model, &json, &stored)
        {
            // What the cache keeps: ours, or the answer a concurrent run stored first, so
            // this run is what a replay of the cache reproduces.
            Ok(kept) => kept.text.ok_or(Fail::Endpoint),
            Err(e) => {
                self.warn_limited("replay cache write", |n| format!("{e}{}", repeat_note(n)));
                result.map(|r| r.text)
            }
        }
    }

    /// Count one call if the budgets allow it.
    fn take_call(&self) -> bool {
        let n = self.stats.calls.fetch_add(1, Relaxed);
        let calls_ok = self.run.max_calls.is_none_or(|m| n < m);
        let tokens_ok = self.run.max_tokens.is_none_or(|m| self.stats.tokens() < m);
        if !(calls_ok && tokens_ok) {
            self.stats.calls.fetch_sub(1, Relaxed);
        }
        if !calls_ok {
            self.set_halt(
                format!(
                    "the call budget is spent (--max-calls {})",
                    self.run.max_calls.unwrap_or(0)
                ),
                true,
            );
        } else if !tokens_ok {
            self.set_halt(
                format!(
                    "the token budget is spent (--max-tokens {})",
                    self.run.max_tokens.unwrap_or(0)
                ),
                true,
            );
        }
        calls_ok && tokens_ok
    }

    async fn call_with_retries(
        &self,
        req: &ChatRequest,
        agent: u32,
        tick: u32,
    ) -> Result<crate::client::Reply, Fail> {
        let estimate = req
            .messages
            .iter()
            .map(|m| m.content.len() as u64 / 4)
            .sum::<u64>()
            + req.max_tokens as u64;
        // In an outage, one probe per request: the run goes on at full speed on fallbacks
        // and recovers as soon as the endpoint answers again. With several endpoints, each
        // gets its retries: a request moves on to another one rather than lose its decision.
        let endpoints = self.pool.len() as u32;
        let attempts = if self.outage.load(Relaxed) {
            1
        } else {
            (self.cfg.max_retries + 1).saturating_mul(endpoints)
        };
        let mut failed_at = vec![false; self.pool.len()];
        let mut last: Option<CallError> = None;
        for attempt in 0..attempts {
            let (at, result) = {
                let _permit = self.limiter.acquire(estimate).await;
                let slot = self.pool.acquire(&failed_at).await;
                // Checked and counted under the permit, so concurrent requests cannot all
                // slip past the last unit of budget.
                if !self.take_call() {
                    return Err(Fail::Budget);
                }
                let sent = self.pool.request_for(slot.index, req);
                let result = slot.endpoint().client.complete(&sent).await;
                if self.pool.report(slot.index, &result.as_ref().map(|_| ())) {
                    let ep = &slot.endpoint().base_url;
                    self.warn_limited("endpoint taken out", |n| {
                        format!(
                            "the LLM endpoint {ep} is taken out of the rotation after repeated failures; requests go to the others and it is probed again later{}",
                            repeat_note(n)
                        )
                    });
                }
                (slot.index, result)
            };
            match result {
                Ok(reply) => {
                    self.stats
                        .prompt_tokens
                        .fetch_add(reply.prompt_tokens, Relaxed);
                    self.stats
                        .completion_tokens
                        .fetch_add(reply.completion_tokens, Relaxed);
                    self.consecutive_failures.store(0, Relaxed);
                    if self.outage.swap(false, Relaxed) {
                        self.warn_limited("endpoint recovered", |n| {
                            format!("the LLM endpoint answers again{}", repeat_note(n))
                        });
                    }
                    return Ok(reply);
                }
                Err(e) => {
                    match &e {
                        CallError::Status { status, .. } => self.stats.http_error(*status),
                        CallError::Timeout => Stats::bump(&self.stats.timeouts),
                        CallError::Connection(_) => Stats::bump(&self.stats.connection_errors),
                        CallError::Invalid(_) => Stats::bump(&self.stats.invalid_responses),
                    }
                    let retry = e.retryable() && attempt + 1 < attempts;
                    self.warn_limited(e.kind(), |n| {
                        format!(
                            "LLM request of agent {agent} at tick {tick} failed (attempt {}{}): {e}{}",
                            attempt + 1,
                            if retry { ", will retry" } else { "" },
                            repeat_note(n)
                        )
                    });
                    if retry {
                        Stats::bump(&self.stats.retries);
                        if e.is_outage() {
                            failed_at[at] = true;
                        }
                        // Another endpoint can take it at once; the same one after a pause.
                        if !(e.is_outage() && self.pool.has_alternative(&failed_at)) {
                            tokio::time::sleep(self.backoff(&e, attempt, agent, tick)).await;
                        }
                    }
                    last = Some(e);
                }
            }
        }
        if last.as_ref().is_some_and(CallError::is_outage) {
            self.note_failure(last.as_ref());
        }
        Err(Fail::Endpoint)
    }

    /// Exponential backoff with jitter (keyed, so reruns wait alike); `Retry-After` wins
    /// when the server gives one, capped at `backoff_max_ms`.
    fn backoff(&self, e: &CallError, attempt: u32, agent: u32, tick: u32) -> Duration {
        let max = Duration::from_millis(self.cfg.backoff_max_ms);
        if let CallError::Status {
            retry_after: Some(ra),
            ..
        } = e
        {
            return (*ra).min(max);
        }
        let base = self.cfg.backoff_ms as f64 * 2f64.powi(attempt.min(20) as i32);
        let u = AgentRng::with_extra(self.seed, agent as u64, tick as u64, 0xbac0, attempt as u64)
            .next_f64();
        Duration::from_secs_f64(base * (0.5 + 0.5 * u) / 1000.0).min(max)
    }

    fn note_failure(&self, e: Option<&CallError>) {
        let n = self.consecutive_failures.fetch_add(1, Relaxed) + 1;
        if n >= self.cfg.outage_after && !self.outage.swap(true, Relaxed) {
            let why = e.map_or_else(String::new, |e| e.to_string());
            self.warn_limited("endpoint down", |k| {
                format!(
                    "the LLM endpoint {} looks down ({n} requests in a row failed; last: {why}){}",
                    self.endpoint_names(),
                    repeat_note(k)
                )
            });
            if self.cfg.on_outage == OnOutage::Pause {
                self.set_halt(format!(
                    "the LLM endpoint {} is down ({n} requests in a row failed; last: {why}); llm.on_outage = \"pause\"",
                    self.endpoint_names()
                ), false);
            }
        }
    }

    /// The endpoints' base URLs, for messages.
    pub(crate) fn endpoint_names(&self) -> String {
        let urls: Vec<&str> = self
            .pool
            .endpoints()
            .iter()
            .map(|e| e.base_url.as_str())
            .collect();
        urls.join(", ")
    }

    /// A warning for one occurrence of a failure of `kind`, unless that kind was already
    /// printed often ([`LogLimiter`]); `message` gets the running count.
    fn warn_limited(&self, kind: &str, message: impl FnOnce(u64) -> String) {
        match self.log.admit(kind) {
            Some(n) => tracing::warn!("{}", message(n)),
            None => tracing::trace!(kind, "failure (not printed again: see the stats)"),
        }
    }

    /// Ask the run to stop after this tick (the first reason given is kept); `budget_spent`
    /// when a budget the user set ran out.
    fn set_halt(&self, reason: String, budget_spent: bool) {
        if let Ok(mut h) = self.halt.lock()
            && h.is_none()
        {
            *h = Some(PolicyHalt {
                reason,
                budget_spent,
            });
        }
    }

    /// Why the run must stop, if it must.
    pub fn halt(&self) -> Option<PolicyHalt> {
        self.halt.lock().ok().and_then(|h| h.clone())
    }
}

fn fail_kind(f: Fail) -> Fallback {
    match f {
        Fail::Endpoint => Fallback::Endpoint,
        Fail::Budget => Fallback::Budget,
        Fail::Offline => Fallback::Offline,
    }
}

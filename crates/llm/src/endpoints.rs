//! Several servers of one model: each request goes to the healthy endpoint with the least
//! outstanding requests per unit of weight; an endpoint that keeps failing is taken out and
//! probed again later with a growing backoff, while the run goes on on the others.
//!
//! **The cache rule.** The replay cache key is the request as emergent builds it — `llm.model`,
//! the messages, the parameters — plus (agent, tick, seed), never the endpoint that answered.
//! So every endpoint must serve the same weights: an endpoint's `model` is only the name it
//! knows `llm.model` by, substituted when the request is sent. Two different models in one
//! run would make an answer depend on routing, which no replay could reproduce.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use emergent_scenario::LlmConfig;
use tokio::sync::Notify;

use crate::LlmRunOptions;
use crate::bounded::max_answer_bytes;
use crate::client::{CallError, ChatClient, ChatRequest};
use crate::error::LlmError;

/// One endpoint of `[llm]` with the defaults of the section filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// Base URL.
    pub base_url: String,
    /// Name of the key's variable ("" = none).
    pub api_key_env: String,
    /// Its name for `llm.model`.
    pub model: String,
    /// Most requests in flight there.
    pub max_in_flight: usize,
    /// Share of the load.
    pub weight: f64,
}

/// The endpoints of `[llm]`: `[[llm.endpoints]]`, or the one of `base_url` without them.
pub fn specs(cfg: &LlmConfig) -> Vec<Spec> {
    if cfg.endpoints.is_empty() {
        return vec![Spec {
            base_url: cfg.base_url.clone(),
            api_key_env: cfg.api_key_env.clone(),
            model: cfg.model.clone(),
            max_in_flight: cfg.max_in_flight,
            weight: 1.0,
        }];
    }
    cfg.endpoints
        .iter()
        .map(|e| Spec {
            base_url: e.base_url.clone(),
            api_key_env: e
                .api_key_env
                .clone()
                .unwrap_or_else(|| cfg.api_key_env.clone()),
            model: e.model.clone().unwrap_or_else(|| cfg.model.clone()),
            max_in_flight: e.max_in_flight.unwrap_or(cfg.max_in_flight),
            weight: e.weight,
        })
        .collect()
}

/// The pool of `[llm]`: a client per endpoint with its own key. Reads the key variables;
/// touches no network and no file.
pub fn pool_for(
    cfg: &LlmConfig,
    scenario_file: &str,
    run: &LlmRunOptions,
) -> Result<Pool, LlmError> {
    let timeout = Duration::from_secs_f64(cfg.timeout_secs);
    let mut endpoints = Vec::new();
    for spec in specs(cfg) {
        let key = crate::engine::api_key(&spec, scenario_file, run)?;
        let client = ChatClient::new(&spec.base_url, &key, timeout, spec.max_in_flight)
            .map_err(|message| LlmError::Config {
                file: scenario_file.into(),
                key: "base_url".into(),
                message,
            })?
            .with_answer_limit(max_answer_bytes(cfg.max_tokens));
        endpoints.push(Endpoint::new(
            &spec.base_url,
            &spec.model,
            client,
            spec.max_in_flight,
            spec.weight,
        ));
    }
    Ok(Pool::new(endpoints, cfg))
}

/// How long a waiting request sleeps at most before looking again (an endpoint coming back
/// from its backoff wakes nobody).
const RECHECK: Duration = Duration::from_millis(50);

/// One server, as the run sees it.
pub struct Endpoint {
    /// Base URL (for messages; never a key).
    pub base_url: String,
    /// The name this server knows `llm.model` by.
    pub model: String,
    /// Client with this server's key.
    pub client: ChatClient,
    max_in_flight: usize,
    weight: f64,
    /// Requests sent here.
    pub requests: AtomicU64,
    /// Requests that failed here.
    pub failures: AtomicU64,
    /// Times taken out of the rotation.
    pub taken_out: AtomicU64,
}

impl Endpoint {
    /// An endpoint of `client` for `base_url`, serving `llm.model` as `model`.
    pub fn new(
        base_url: &str,
        model: &str,
        client: ChatClient,
        max_in_flight: usize,
        weight: f64,
    ) -> Self {
        Self {
            base_url: base_url.to_string(),
            model: model.to_string(),
            client,
            max_in_flight: max_in_flight.max(1),
            weight: if weight > 0.0 { weight } else { 1.0 },
            requests: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            taken_out: AtomicU64::new(0),
        }
    }
}

/// Routing state of one endpoint.
#[derive(Clone, Debug, Default)]
struct Health {
    outstanding: usize,
    /// Outage-type failures in a row (connection error, timeout, 5xx).
    failing: u32,
    /// Out of the rotation until then.
    down_until: Option<Instant>,
    /// Times taken out in a row (the backoff doubles with each).
    downs: u32,
    /// A probe is out after its backoff ended: nobody else is sent until it answers.
    probing: bool,
}

/// The endpoints of a run and where each request goes.
pub struct Pool {
    endpoints: Vec<Endpoint>,
    health: Mutex<Vec<Health>>,
    freed: Notify,
    /// Outage-type failures in a row that take an endpoint out (its retries).
    take_out_after: u32,
    backoff: Duration,
    backoff_max: Duration,
}

/// A request's place at one endpoint; dropping it frees the place.
pub struct Slot<'a> {
    pool: &'a Pool,
    /// Index of the endpoint.
    pub index: usize,
}

impl Slot<'_> {
    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.pool.endpoints[self.index]
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if let Ok(mut h) = self.pool.health.lock() {
            let e = &mut h[self.index];
            e.outstanding = e.outstanding.saturating_sub(1);
        }
        self.pool.freed.notify_waiters();
    }
}

impl Pool {
    /// A pool over `endpoints`, taking one out after `cfg.max_retries + 1` outage-type
    /// failures in a row and probing it after `backoff_ms`, doubling up to `backoff_max_ms`.
    pub fn new(endpoints: Vec<Endpoint>, cfg: &LlmConfig) -> Self {
        let n = endpoints.len();
        Self {
            endpoints,
            health: Mutex::new(vec![Health::default(); n]),
            freed: Notify::new(),
            take_out_after: cfg.max_retries + 1,
            backoff: Duration::from_millis(cfg.backoff_ms.max(1)),
            backoff_max: Duration::from_millis(cfg.backoff_max_ms.max(cfg.backoff_ms).max(1)),
        }
    }

    /// Number of endpoints.
    pub fn len(&self) -> usize {
        self.endpoints.len()
    }

    /// The endpoints.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// Total in-flight capacity.
    pub fn capacity(&self) -> usize {
        self.endpoints.iter().map(|e| e.max_in_flight).sum()
    }

    /// Wait for a place at the best endpoint for a request that already failed at the
    /// endpoints marked in `avoid`.
    pub async fn acquire(&self, avoid: &[bool]) -> Slot<'_> {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if let Some(index) = self.pick(avoid) {
                return Slot { pool: self, index };
            }
            let _ = tokio::time::timeout(RECHECK, freed).await;
        }
    }

    /// The endpoint for the next request, marked as one more outstanding; `None` when the
    /// ones it may use are all full. Preference: healthy and not yet failed for this
    /// request; then healthy; then (everything is down) the one due back first.
    fn pick(&self, avoid: &[bool]) -> Option<usize> {
        let now = Instant::now();
        let mut h = self.health.lock().ok()?;
        let usable = |e: &Health| e.down_until.is_none_or(|t| t <= now && !e.probing);
        let fresh: Vec<usize> = (0..h.len())
            .filter(|&i| usable(&h[i]) && !avoid.get(i).copied().unwrap_or(false))
            .collect();
        let candidates = if !fresh.is_empty() {
            fresh
        } else {
            let healthy: Vec<usize> = (0..h.len()).filter(|&i| usable(&h[i])).collect();
            if !healthy.is_empty() {
                healthy
            } else {
                // All down: the one back first takes this request as its probe, so a run
                // whose every endpoint is down goes on at full speed (on fallbacks) as with
                // one endpoint.
                let first = (0..h.len()).min_by_key(|&i| h[i].down_until)?;
                vec![first]
            }
        };
        let best = candidates
            .into_iter()
            .filter(|&i| h[i].outstanding < self.endpoints[i].max_in_flight)
            .min_by(|&a, &b| {
                let load = |i: usize| (h[i].outstanding + 1) as f64 / self.endpoints[i].weight;
                load(a).total_cmp(&load(b)).then(a.cmp(&b))
            })?;
        let e = &mut h[best];
        e.outstanding += 1;
        if e.down_until.is_some() {
            e.probing = true;
        }
        self.endpoints[best].requests.fetch_add(1, Relaxed);
        Some(best)
    }

    /// Record how a request at endpoint `index` went. Returns true when this took the
    /// endpoint out of the rotation.
    pub fn report(&self, index: usize, result: &Result<(), &CallError>) -> bool {
        let Ok(mut h) = self.health.lock() else {
            return false;
        };
        let e = &mut h[index];
        match result {
            Ok(()) => {
                *e = Health {
                    outstanding: e.outstanding,
                    ..Health::default()
                };
                false
            }
            Err(err) => {
                self.endpoints[index].failures.fetch_add(1, Relaxed);
                if !err.is_outage() {
                    return false;
                }
                e.failing += 1;
                let out = e.probing || (self.len() > 1 && e.failing >= self.take_out_after);
                if out {
                    let wait = self
                        .backoff
                        .saturating_mul(1u32 << e.downs.min(20))
                        .min(self.backoff_max);
                    e.down_until = Some(Instant::now() + wait);
                    e.downs += 1;
                    e.probing = false;
                    self.endpoints[index].taken_out.fetch_add(1, Relaxed);
                }
                out
            }
        }
    }

    /// Whether endpoint `index` is out of the rotation now.
    #[cfg(test)]
    fn is_down(&self, index: usize) -> bool {
        self.health
            .lock()
            .map(|h| h[index].down_until.is_some())
            .unwrap_or(false)
    }

    /// Whether some endpoint other than those in `avoid` could take a request now.
    pub fn has_alternative(&self, avoid: &[bool]) -> bool {
        let now = Instant::now();
        self.health.lock().is_ok_and(|h| {
            h.iter().enumerate().any(|(i, e)| {
                !avoid.get(i).copied().unwrap_or(false)
                    && e.down_until.is_none_or(|t| t <= now && !e.probing)
            })
        })
    }

    /// `request` as endpoint `index` must receive it (its name for the model).
    pub fn request_for<'r>(
        &self,
        index: usize,
        request: &'r ChatRequest,
    ) -> std::borrow::Cow<'r, ChatRequest> {
        let model = &self.endpoints[index].model;
        if *model == request.model {
            std::borrow::Cow::Borrowed(request)
        } else {
            std::borrow::Cow::Owned(ChatRequest {
                model: model.clone(),
                ..request.clone()
            })
        }
    }

    /// Per-endpoint counters for the run's stats: `endpointI_requests`, `_failures`,
    /// `_taken_out` (only with more than one endpoint).
    pub fn snapshot(&self) -> Vec<(String, f64)> {
        if self.len() < 2 {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (i, e) in self.endpoints.iter().enumerate() {
            out.push((
                format!("endpoint{i}_requests"),
                e.requests.load(Relaxed) as f64,
            ));
            out.push((
                format!("endpoint{i}_failures"),
                e.failures.load(Relaxed) as f64,
            ));
            out.push((
                format!("endpoint{i}_taken_out"),
                e.taken_out.load(Relaxed) as f64,
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(weights: &[(usize, f64)]) -> Pool {
        let cfg = LlmConfig {
            max_retries: 1,
            backoff_ms: 10_000,
            ..LlmConfig::default()
        };
        let eps = weights
            .iter()
            .map(|&(m, w)| {
                let c = ChatClient::new("http://127.0.0.1:9/v1", "", Duration::from_secs(1), 1)
                    .unwrap();
                Endpoint::new("http://127.0.0.1:9/v1", "m", c, m, w)
            })
            .collect();
        Pool::new(eps, &cfg)
    }

    #[test]
    fn least_outstanding_per_weight_fills_every_endpoint_to_its_limit() {
        let p = pool(&[(2, 1.0), (4, 2.0)]);
        let none = [false, false];
        let picks: Vec<usize> = (0..6).map(|_| p.pick(&none).unwrap()).collect();
        // Endpoint 1 has twice the weight: it takes two for each of endpoint 0's.
        assert_eq!(picks.iter().filter(|&&i| i == 0).count(), 2);
        assert_eq!(picks.iter().filter(|&&i| i == 1).count(), 4);
        assert_eq!(p.pick(&none), None, "both are full");
    }

    #[test]
    fn a_failing_endpoint_is_taken_out_and_avoided_then_probed_once() {
        let p = pool(&[(8, 1.0), (8, 1.0)]);
        let down = CallError::Connection("refused".into());
        assert!(!p.report(0, &Err(&down)));
        assert!(
            p.report(0, &Err(&down)),
            "out after max_retries + 1 failures"
        );
        assert!(p.is_down(0));
        for _ in 0..5 {
            assert_eq!(p.pick(&[false, false]), Some(1));
        }
        // A request that failed at endpoint 1 still has nowhere else to go but 1.
        assert_eq!(p.pick(&[false, true]), Some(1));
        // Once the backoff is over, exactly one probe goes to endpoint 0.
        p.health.lock().unwrap()[0].down_until = Some(Instant::now());
        assert_eq!(p.pick(&[false, false]), Some(0));
        assert_ne!(p.pick(&[false, false]), Some(0));
        assert!(!p.report(0, &Ok(())));
        assert!(!p.is_down(0));
        // A 4xx is the request's fault, not the endpoint's.
        let bad = CallError::Status {
            status: 400,
            retry_after: None,
            body: String::new(),
        };
        for _ in 0..5 {
            assert!(!p.report(1, &Err(&bad)));
        }
        assert!(!p.is_down(1));
    }
}

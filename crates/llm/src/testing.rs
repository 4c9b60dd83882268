//! A small OpenAI-compatible server for tests and benchmarks (feature `test-server`):
//! `POST /v1/chat/completions` on 127.0.0.1 at an ephemeral port, answering with a
//! scripted behaviour per request — fixed latency, error statuses with `Retry-After`,
//! malformed or fenced JSON, raw (e.g. huge) bodies — and counting what reached it. A kill
//! switch ([`MockServer::kill_after`], [`MockServer::kill`]) makes it die as a crashed
//! server does: requests in flight get their connection dropped, new ones are refused.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// What the server does with one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// 200 with this assistant message content.
    Content(String),
    /// 200 with this content, after this extra delay.
    Delayed(Duration, String),
    /// An error status, optionally with `Retry-After` seconds.
    Status(u16, Option<u32>),
    /// This status and exactly this body (e.g. a huge or broken one), as JSON.
    Raw(u16, String),
}

/// Decides the reply to request number `n` (0-based) with body `body`.
pub type Script = Arc<dyn Fn(u64, &Value) -> Reply + Send + Sync>;

struct Shared {
    script: Script,
    latency: Duration,
    requests: AtomicU64,
    largest_request: AtomicU64,
    authorizations: Mutex<Vec<String>>,
    /// Request number at which the server dies (`u64::MAX`: never).
    kill_at: AtomicU64,
    kill: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
}

impl Shared {
    fn die(&self) {
        if let Ok(mut k) = self.kill.lock()
            && let Some(tx) = k.take()
        {
            let _ = tx.send(());
        }
    }
}

/// A running mock endpoint.
pub struct MockServer {
    /// `http://127.0.0.1:PORT/v1`.
    pub base_url: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The text of the last user message of a request.
pub fn last_user(body: &Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// A plausible valid answer for the prompt: EconAgent JSON or a social action, varied by
/// a hash of the prompt so agents differ.
pub fn valid_answer(body: &Value) -> String {
    let text = last_user(body);
    let h = text.bytes().fold(1469598103934665603u64, |h, b| {
        (h ^ b as u64).wrapping_mul(1099511628211)
    });
    let x = (h % 26) as f64 * 0.02;
    if text.contains("consumption") {
        format!(
            "{{\"work\": {:.2}, \"consumption\": {:.2}}}",
            0.5 + x,
            0.2 + x
        )
    } else if text.contains("reflect") {
        "Prices are rising, so I should keep working and spend a little less.".to_string()
    } else {
        format!(
            "{{\"stance\": {:.2}, \"post\": true, \"post_stance\": {:.2}, \"like\": [1], \"reply_to\": null, \"repost\": null}}",
            x - 0.25,
            x - 0.2
        )
    }
}

/// The body of a chat completion whose answer is `content` (for [`Reply::Raw`]).
pub fn completion_body(content: &str) -> String {
    json!({
        "id": "chatcmpl-raw",
        "object": "chat.completion",
        "created": 0,
        "model": "mock",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    })
    .to_string()
}

async fn chat(State(s): State<Arc<Shared>>, headers: HeaderMap, body: String) -> Response {
    let n = s.requests.fetch_add(1, SeqCst);
    if n >= s.kill_at.load(SeqCst) {
        s.die();
        // Never answered: the runtime is dropped under this request.
        std::future::pending::<()>().await;
    }
    if let Some(a) = headers.get("authorization").and_then(|v| v.to_str().ok())
        && let Ok(mut v) = s.authorizations.lock()
    {
        v.push(a.to_string());
    }
    if !s.latency.is_zero() {
        tokio::time::sleep(s.latency).await;
    }
    s.largest_request.fetch_max(body.len() as u64, SeqCst);
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let reply = match (s.script)(n, &body) {
        Reply::Delayed(d, content) => {
            tokio::time::sleep(d).await;
            Reply::Content(content)
        }
        other => other,
    };
    match reply {
        Reply::Delayed(..) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Reply::Content(content) => {
            let prompt_tokens = body.to_string().len() as u64 / 4;
            let completion_tokens = content.len() as u64 / 4 + 1;
            axum::Json(json!({
                "id": format!("chatcmpl-{n}"),
                "object": "chat.completion",
                "created": 0,
                "model": body["model"].as_str().unwrap_or("mock"),
                "choices": [{
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop"
                }],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens
                }
            }))
            .into_response()
        }
        Reply::Raw(code, raw) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, [("content-type", "application/json")], raw).into_response()
        }
        Reply::Status(code, retry_after) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let err = json!({"error": {"message": format!("mock {code}"), "type": "mock_error", "param": null, "code": null}});
            let mut r = (status, axum::Json(err)).into_response();
            if let Some(s) = retry_after
                && let Ok(v) = s.to_string().parse()
            {
                r.headers_mut().insert("retry-after", v);
            }
            r
        }
    }
}

impl MockServer {
    /// Start with `script` and a fixed `latency` per request.
    pub fn start(script: Script, latency: Duration) -> Self {
        let shared = Arc::new(Shared {
            script,
            latency,
            requests: AtomicU64::new(0),
            largest_request: AtomicU64::new(0),
            authorizations: Mutex::new(Vec::new()),
            kill_at: AtomicU64::new(u64::MAX),
            kill: Mutex::new(None),
        });
        let (kill_tx, kill_rx) = tokio::sync::oneshot::channel::<()>();
        if let Ok(mut k) = shared.kill.lock() {
            *k = Some(kill_tx);
        }
        let (addr_tx, addr_rx) = std::sync::mpsc::channel::<SocketAddr>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let s = Arc::clone(&shared);
        let thread = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
                    return;
                };
                let Ok(addr) = listener.local_addr() else {
                    return;
                };
                let _ = addr_tx.send(addr);
                let app = Router::new()
                    .route("/v1/chat/completions", post(chat))
                    .with_state(s);
                let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                });
                tokio::select! {
                    _ = serve => {}
                    _ = kill_rx => {}
                }
            });
            // Dropping the runtime here aborts connections still open: a stopped or killed
            // server refuses and drops, as a crashed endpoint would.
        });
        let addr = addr_rx.recv().expect("the mock server binds 127.0.0.1");
        Self {
            base_url: format!("http://{addr}/v1"),
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// Always answer validly, after `latency`.
    pub fn healthy(latency: Duration) -> Self {
        Self::start(Arc::new(|_, b| Reply::Content(valid_answer(b))), latency)
    }

    /// Requests that reached the server so far.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(SeqCst)
    }

    /// Size in bytes of the largest request body received.
    pub fn largest_request(&self) -> u64 {
        self.shared.largest_request.load(SeqCst)
    }

    /// `Authorization` headers seen.
    pub fn authorizations(&self) -> Vec<String> {
        self.shared
            .authorizations
            .lock()
            .map(|v| v.clone())
            .unwrap_or_default()
    }

    /// Die when request number `n` (0-based, counting all so far) arrives: it and every
    /// request in flight lose their connection, later ones are refused.
    pub fn kill_after(&self, n: u64) {
        self.shared.kill_at.store(n, SeqCst);
        if self.requests() >= n {
            self.shared.die();
        }
    }

    /// Die now (see [`Self::kill_after`]).
    pub fn kill(&mut self) {
        self.shared.die();
        self.stop();
    }

    /// Stop serving; the port then refuses connections.
    pub fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop();
    }
}

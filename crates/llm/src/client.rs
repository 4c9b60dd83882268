//! One chat-completion request over async-openai, with errors classified so the caller
//! can retry the retryable ones.
//!
//! async-openai's own retry layer is replaced by [`StatusCapture`], a tower service that
//! keeps what we need and the library drops: the HTTP status of a failure and its
//! `Retry-After` header. Retries, backoff and budgets live in [`crate::engine`].

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequest, CreateChatCompletionResponse, ResponseFormat,
    ResponseFormatJsonSchema,
};
use serde::Serialize;

use crate::bounded::{MAX_RESPONSE_BYTES, QUOTE_BYTES, clip, max_answer_bytes, quote};

/// Who says a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions.
    System,
    /// The prompt.
    User,
    /// A previous answer (quoted in a repair request).
    Assistant,
}

/// One chat message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Message {
    /// Speaker.
    pub role: Role,
    /// Text.
    pub content: String,
}

/// Everything that determines an answer: serialised canonically, it is the cache key.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChatRequest {
    /// Model name.
    pub model: String,
    /// Conversation.
    pub messages: Vec<Message>,
    /// Sampling temperature.
    pub temperature: f64,
    /// Completion token limit.
    pub max_tokens: u32,
    /// Per-request seed (honoured by endpoints that support it).
    pub seed: i64,
    /// `(name, JSON schema)` when structured output is requested.
    pub schema: Option<(String, serde_json::Value)>,
}

impl ChatRequest {
    /// Canonical JSON (field order fixed by the struct), for hashing and storing.
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A successful answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// Text of the first choice (empty if the model sent none).
    pub text: String,
    /// Prompt tokens from `usage`.
    pub prompt_tokens: u64,
    /// Completion tokens from `usage`.
    pub completion_tokens: u64,
}

/// Why a request failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CallError {
    /// The endpoint answered with an error status.
    #[error("HTTP {status}: {body}")]
    Status {
        /// Status code.
        status: u16,
        /// Parsed `Retry-After`.
        retry_after: Option<Duration>,
        /// Start of the body (at most [`QUOTE_BYTES`] and its length), for logs.
        body: String,
    },
    /// No answer within the per-request timeout.
    #[error("timed out")]
    Timeout,
    /// Could not connect, or the connection broke.
    #[error("connection error: {0}")]
    Connection(String),
    /// The endpoint answered 2xx with something that is not a chat completion.
    #[error("invalid response: {0}")]
    Invalid(String),
}

impl CallError {
    /// 429, 5xx, timeouts and connection errors are worth retrying.
    pub fn retryable(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status == 429 || *status >= 500,
            Self::Timeout | Self::Connection(_) => true,
            Self::Invalid(_) => false,
        }
    }

    /// The kind of failure, for counting repeats ("HTTP 500", "timeout", …).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Status { status, .. } => match status {
                429 => "HTTP 429",
                400..=499 => "HTTP 4xx",
                _ => "HTTP 5xx",
            },
            Self::Timeout => "timeout",
            Self::Connection(_) => "connection error",
            Self::Invalid(_) => "invalid response",
        }
    }

    /// Whether this failure says the endpoint is unreachable or broken (not the request).
    pub fn is_outage(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status >= 500,
            Self::Timeout | Self::Connection(_) => true,
            _ => false,
        }
    }
}

/// A failure seen by [`StatusCapture`], carried through async-openai boxed.
#[derive(Debug, thiserror::Error)]
enum TransportFailure {
    /// A non-2xx answer (its body's start only).
    #[error("HTTP {status}")]
    Status {
        status: u16,
        retry_after: Option<Duration>,
        body: String,
    },
    /// A 2xx answer that is too large or not a chat completion.
    #[error("{0}")]
    Invalid(String),
}

/// Tower service: execute with reqwest, then read the body within bounds before
/// async-openai sees it. A non-2xx answer becomes a [`TransportFailure::Status`] that keeps
/// the status, `Retry-After` and the body's first [`QUOTE_BYTES`]; a 2xx body must be at
/// most [`MAX_RESPONSE_BYTES`] and a chat completion, or it becomes
/// [`TransportFailure::Invalid`] (async-openai would otherwise read any size, and log a body
/// it cannot parse whole).
#[derive(Clone)]
struct StatusCapture {
    http: reqwest::Client,
}

type HttpFuture = Pin<Box<dyn Future<Output = Result<reqwest::Response, OpenAIError>> + Send>>;

impl tower::Service<HttpRequestFactory> for StatusCapture {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = HttpFuture;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        let http = self.http.clone();
        Box::pin(async move {
            let request = factory.build().await?;
            let response = http.execute(request).await.map_err(OpenAIError::Reqwest)?;
            let failure = if response.status().is_success() {
                match checked_completion(response).await? {
                    Ok(response) => return Ok(response),
                    Err(why) => TransportFailure::Invalid(why),
                }
            } else {
                status_failure(response).await
            };
            Err(OpenAIError::Boxed(Box::new(failure)))
        })
    }
}

/// A non-2xx answer: status, `Retry-After`, and at most [`QUOTE_BYTES`] of the body (the
/// rest is never read).
async fn status_failure(mut response: reqwest::Response) -> TransportFailure {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64);
    let declared = response.content_length();
    let (bytes, complete) = read_at_most(&mut response, QUOTE_BYTES as u64)
        .await
        .unwrap_or_default();
    let mut body = String::from_utf8_lossy(&bytes).into_owned();
    if !complete {
        body = quote(&body);
        body.push_str(&match declared {
            Some(n) => format!("… ({n} bytes total)"),
            None => format!("… (more than {QUOTE_BYTES} bytes)"),
        });
    }
    TransportFailure::Status {
        status,
        retry_after,
        body,
    }
}

/// The 2xx response rebuilt around its body, if that is at most [`MAX_RESPONSE_BYTES`] and
/// parses as a chat completion; otherwise why not (quoting at most [`QUOTE_BYTES`]).
async fn checked_completion(
    mut response: reqwest::Response,
) -> Result<Result<reqwest::Response, String>, OpenAIError> {
    let too_large = |n: String| {
        format!("the response body is {n} bytes, more than the {MAX_RESPONSE_BYTES}-byte limit")
    };
    if let Some(n) = response
        .content_length()
        .filter(|n| *n > MAX_RESPONSE_BYTES)
    {
        return Ok(Err(too_large(n.to_string())));
    }
    let (bytes, complete) = read_at_most(&mut response, MAX_RESPONSE_BYTES)
        .await
        .map_err(OpenAIError::Reqwest)?;
    if !complete {
        return Ok(Err(too_large(format!("more than {MAX_RESPONSE_BYTES}"))));
    }
    if let Err(e) = serde_json::from_slice::<CreateChatCompletionResponse>(&bytes) {
        let body = String::from_utf8_lossy(&bytes[..bytes.len().min(QUOTE_BYTES + 4)]);
        return Ok(Err(format!(
            "not a chat completion ({}); {} bytes starting: {}",
            clip(&e.to_string(), 200),
            bytes.len(),
            clip(&body, QUOTE_BYTES)
        )));
    }
    let mut rebuilt = http::Response::new(bytes);
    *rebuilt.status_mut() = response.status();
    *rebuilt.headers_mut() = response.headers().clone();
    Ok(Ok(reqwest::Response::from(rebuilt)))
}

/// Up to `limit` bytes of the body, and whether that was all of it.
async fn read_at_most(
    response: &mut reqwest::Response,
    limit: u64,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut out = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = (limit as usize).saturating_sub(out.len());
        if chunk.len() > room {
            out.extend_from_slice(&chunk[..room]);
            return Ok((out, false));
        }
        out.extend_from_slice(&chunk);
    }
    Ok((out, true))
}

/// The chat client: async-openai with a configurable base URL and our transport.
#[derive(Clone)]
pub struct ChatClient {
    client: Client<OpenAIConfig>,
    timeout: Duration,
    max_answer: usize,
}

impl ChatClient {
    /// A client for `base_url` (e.g. `http://localhost:11434/v1`). `api_key` may be empty.
    pub fn new(
        base_url: &str,
        api_key: &str,
        timeout: Duration,
        pool: usize,
    ) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(pool)
            .build()
            .map_err(|e| e.to_string())?;
        // `with_api_key` always: the default would read OPENAI_API_KEY from the environment
        // and send it to whatever server the scenario names.
        let config = OpenAIConfig::new()
            .with_api_base(base_url.trim_end_matches('/'))
            .with_api_key(api_key);
        let client = Client::with_config(config).with_http_service(StatusCapture { http });
        Ok(Self {
            client,
            timeout,
            max_answer: max_answer_bytes(0),
        })
    }

    /// Refuse answers longer than `bytes` (default [`max_answer_bytes`]`(0)`, 64 KiB).
    pub fn with_answer_limit(mut self, bytes: usize) -> Self {
        self.max_answer = bytes;
        self
    }

    /// Send one request (no retries).
    pub async fn complete(&self, req: &ChatRequest) -> Result<Reply, CallError> {
        let body = to_openai(req);
        let chat = self.client.chat();
        let resp = match tokio::time::timeout(self.timeout, chat.create(body)).await {
            Err(_) => return Err(CallError::Timeout),
            Ok(r) => r.map_err(classify)?,
        };
        let text = resp
            .choices
            .first()
            .and_then(|c| c.message.content.clone())
            .unwrap_or_default();
        if text.len() > self.max_answer {
            return Err(CallError::Invalid(format!(
                "the answer is {} bytes, more than the {}-byte limit for max_tokens = {}",
                text.len(),
                self.max_answer,
                req.max_tokens
            )));
        }
        let (p, c) = resp.usage.map_or((0, 0), |u| {
            (u.prompt_tokens as u64, u.completion_tokens as u64)
        });
        Ok(Reply {
            text,
            prompt_tokens: p,
            completion_tokens: c,
        })
    }
}

fn to_openai(req: &ChatRequest) -> CreateChatCompletionRequest {
    let messages = req
        .messages
        .iter()
        .map(|m| -> ChatCompletionRequestMessage {
            match m.role {
                Role::System => ChatCompletionRequestSystemMessage::from(m.content.as_str()).into(),
                Role::User => ChatCompletionRequestUserMessage::from(m.content.as_str()).into(),
                Role::Assistant => {
                    ChatCompletionRequestAssistantMessage::from(m.content.as_str()).into()
                }
            }
        })
        .collect();
    #[allow(deprecated)] // `max_tokens` is what local servers (Ollama, llama.cpp) read
    CreateChatCompletionRequest {
        model: req.model.clone(),
        messages,
        temperature: Some(req.temperature as f32),
        max_tokens: Some(req.max_tokens),
        seed: Some(req.seed),
        response_format: req
            .schema
            .as_ref()
            .map(|(name, schema)| ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    description: None,
                    name: name.clone(),
                    schema: schema.clone(),
                    strict: Some(true),
                },
            }),
        ..Default::default()
    }
}

fn classify(e: OpenAIError) -> CallError {
    match e {
        OpenAIError::Boxed(b) => match b.downcast::<TransportFailure>() {
            Ok(f) => match *f {
                TransportFailure::Status {
                    status,
                    retry_after,
                    body,
                } => CallError::Status {
                    status,
                    retry_after,
                    body,
                },
                TransportFailure::Invalid(why) => CallError::Invalid(why),
            },
            Err(other) => match other.downcast::<reqwest::Error>() {
                Ok(r) => reqwest_error(&r),
                Err(other) => CallError::Connection(quote(&other.to_string())),
            },
        },
        OpenAIError::Reqwest(r) => reqwest_error(&r),
        OpenAIError::ApiError(a) => CallError::Status {
            status: a.status_code.as_u16(),
            retry_after: None,
            body: quote(&a.api_error.message),
        },
        // Never the content: async-openai's error carries the whole body.
        OpenAIError::JSONDeserialize(err, _) => CallError::Invalid(quote(&err.to_string())),
        other => CallError::Invalid(quote(&other.to_string())),
    }
}

fn reqwest_error(r: &reqwest::Error) -> CallError {
    if r.is_timeout() {
        CallError::Timeout
    } else if r.is_decode() {
        CallError::Invalid(quote(&r.to_string()))
    } else {
        CallError::Connection(quote(&r.to_string()))
    }
}

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
    CreateChatCompletionRequest, ResponseFormat, ResponseFormatJsonSchema,
};
use serde::Serialize;

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
        /// Start of the body, for logs.
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

    /// Whether this failure says the endpoint is unreachable or broken (not the request).
    pub fn is_outage(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status >= 500,
            Self::Timeout | Self::Connection(_) => true,
            _ => false,
        }
    }
}

/// An HTTP failure as seen by [`StatusCapture`], carried through async-openai boxed.
#[derive(Debug, thiserror::Error)]
#[error("HTTP {status}")]
struct HttpFailure {
    status: u16,
    retry_after: Option<Duration>,
    body: String,
}

/// Tower service: execute with reqwest, and turn a non-2xx answer into an [`HttpFailure`]
/// that keeps the status and `Retry-After`.
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
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|s| s.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64);
            let body: String = response
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            Err(OpenAIError::Boxed(Box::new(HttpFailure {
                status: status.as_u16(),
                retry_after,
                body,
            })))
        })
    }
}

/// The chat client: async-openai with a configurable base URL and our transport.
#[derive(Clone)]
pub struct ChatClient {
    client: Client<OpenAIConfig>,
    timeout: Duration,
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
        Ok(Self { client, timeout })
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
        OpenAIError::Boxed(b) => match b.downcast::<HttpFailure>() {
            Ok(f) => CallError::Status {
                status: f.status,
                retry_after: f.retry_after,
                body: f.body,
            },
            Err(other) => match other.downcast::<reqwest::Error>() {
                Ok(r) => reqwest_error(&r),
                Err(other) => CallError::Connection(other.to_string()),
            },
        },
        OpenAIError::Reqwest(r) => reqwest_error(&r),
        OpenAIError::ApiError(a) => CallError::Status {
            status: a.status_code.as_u16(),
            retry_after: None,
            body: a.api_error.message.chars().take(200).collect(),
        },
        OpenAIError::JSONDeserialize(err, _) => CallError::Invalid(err.to_string()),
        other => CallError::Invalid(other.to_string()),
    }
}

fn reqwest_error(r: &reqwest::Error) -> CallError {
    if r.is_timeout() {
        CallError::Timeout
    } else if r.is_decode() {
        CallError::Invalid(r.to_string())
    } else {
        CallError::Connection(r.to_string())
    }
}

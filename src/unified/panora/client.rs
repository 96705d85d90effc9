//! The Panora HTTP client (see docs/panora.md): the API key as `x-api-key` (and as a Bearer
//! token, as Panora's own examples send it), the end user's `x-connection-token`, one
//! `reqwest::Client` with timeouts, and retries of GETs (429, 5xx, timeouts) with backoff.
//! Every URL is built from a checked [`UpstreamPath`](crate::upstream_path::UpstreamPath) and
//! checked to stay under the API base.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::{
    Error, Result,
    nango::retry::{RetryPolicy, retry_wait},
    unified::{call::Call, upstream::message_of},
    upstream_path,
};

const PROVIDER: &str = "Panora";

#[derive(Clone)]
pub struct PanoraConfig {
    /// Base URL without trailing slash (`http://localhost:3000` self-hosted).
    pub api_url: String,
    pub api_key: String,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl std::fmt::Debug for PanoraConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PanoraConfig")
            .field("api_url", &self.api_url)
            .field("api_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl PanoraConfig {
    pub fn new(api_url: impl Into<String>, api_key: impl Into<String>) -> Self {
        Self {
            api_url: api_url.into().trim_end_matches('/').to_owned(),
            api_key: api_key.into(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct PanoraClient {
    http: reqwest::Client,
    config: PanoraConfig,
    /// `config.api_url`, parsed once.
    base: Url,
}

impl PanoraClient {
    pub fn new(config: PanoraConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("patchbay/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Internal(format!("the Panora client: {e}")))?;
        let base = upstream_path::api_base(&config.api_url).ok_or_else(|| {
            Error::Internal(format!(
                "the Panora API URL {:?} is not an http(s) URL",
                config.api_url
            ))
        })?;
        Ok(Self { http, config, base })
    }

    pub fn api_url(&self) -> &str {
        &self.config.api_url
    }

    /// Sends `call` for the connection `token`; GETs are retried on 429, 5xx and timeouts.
    pub async fn send(&self, call: &Call, token: &str) -> Result<Value> {
        let url = call.path.url_under(&self.base, &[])?;
        let mut attempt = 0;
        loop {
            let mut builder = self
                .http
                .request(call.method.clone(), url.clone())
                .header("x-api-key", &self.config.api_key)
                .bearer_auth(&self.config.api_key)
                .header("x-connection-token", token)
                .query(&call.query);
            for (name, value) in &call.headers {
                builder = builder.header(*name, *value);
            }
            if let Some(body) = &call.json {
                builder = builder.json(body);
            }
            let outcome = builder.send().await;
            let can_retry = attempt < self.config.retry.max_retries;
            let wait = retry_wait(&outcome, call.method == Method::GET).filter(|_| can_retry);
            if let Some(wait) = wait {
                drop(outcome);
                tokio::time::sleep(self.config.retry.delay(attempt, wait)).await;
                attempt += 1;
                continue;
            }
            return read(outcome).await;
        }
    }
}

/// Panora's answer as JSON, or our error: 4xx passed on, 5xx (Panora answers 500 for anything
/// it did not foresee, an unknown token included) as 502, timeouts as 504.
async fn read(outcome: reqwest::Result<reqwest::Response>) -> Result<Value> {
    let response = outcome.map_err(transport)?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(transport)?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|_| Error::UpstreamUnavailable {
            provider: PROVIDER.to_owned(),
            status: Some(status.as_u16()),
            message: "the answer was not JSON".to_owned(),
        });
    }
    let message = message_of(&bytes);
    if status.is_client_error() {
        Err(Error::UpstreamRejected {
            provider: PROVIDER.to_owned(),
            status: status.as_u16(),
            message,
        })
    } else {
        Err(Error::UpstreamUnavailable {
            provider: PROVIDER.to_owned(),
            status: Some(status.as_u16()),
            message,
        })
    }
}

fn transport(err: reqwest::Error) -> Error {
    if err.is_timeout() {
        Error::UpstreamTimeout {
            provider: PROVIDER.to_owned(),
        }
    } else {
        Error::UpstreamUnavailable {
            provider: PROVIDER.to_owned(),
            status: None,
            message: format!("cannot reach Panora: {}", err.without_url()),
        }
    }
}

//! The Nango HTTP client: one `reqwest::Client` built once with timeouts, the secret key as a
//! Bearer token, Nango's error envelope turned into `NangoError`, and retries (with backoff and
//! jitter, honouring `Retry-After`) for idempotent calls only. The same code talks to Nango
//! Cloud, a self-hosted Nango and Patchbay's built-in sandbox.

use std::time::Duration;

use bytes::Bytes;
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde::{Serialize, de::DeserializeOwned};
use url::Url;

use super::{
    error::NangoError,
    retry::{RetryPolicy, is_idempotent, retry_after, retry_wait},
    types::{
        ConnectSession, Connection, ConnectionFilter, ConnectionList, ConnectionListItem,
        CreateConnectSession, Data, GetConnectionOptions, ImportConnection, Integration, Provider,
        ReconnectSession,
    },
};
use crate::upstream_path::{self, Endpoint, UpstreamPath};

/// Where Nango is and how to talk to it.
#[derive(Clone)]
pub struct NangoClientConfig {
    /// API base URL without trailing slash (`https://api.nango.dev`, or the sandbox's mount).
    pub api_base: String,
    /// The environment's secret key.
    pub secret_key: String,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl std::fmt::Debug for NangoClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NangoClientConfig")
            .field("api_base", &self.api_base)
            .field("secret_key", &"<redacted>")
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl NangoClientConfig {
    pub fn new(api_base: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            api_base: api_base.into().trim_end_matches('/').to_owned(),
            secret_key: secret_key.into(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

/// A call through `/proxy` (docs/nango.md, "Proxy").
#[derive(Debug, Clone)]
pub struct ProxyRequest {
    pub method: Method,
    /// The upstream path (checked segments) with its query string, e.g.
    /// `/crm/v3/objects/contacts?limit=10`.
    pub endpoint: Endpoint,
    pub connection_id: String,
    pub provider_config_key: String,
    pub base_url_override: Option<String>,
    /// Server-side retries Nango itself should make (`Retries` header).
    pub nango_retries: Option<u32>,
    /// Headers for the upstream API; sent as `Nango-Proxy-<name>`.
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub body: Option<Bytes>,
}

impl ProxyRequest {
    pub fn new(
        method: Method,
        endpoint: impl Into<Endpoint>,
        connection_id: impl Into<String>,
        provider_config_key: impl Into<String>,
    ) -> Self {
        Self {
            method,
            endpoint: endpoint.into(),
            connection_id: connection_id.into(),
            provider_config_key: provider_config_key.into(),
            base_url_override: None,
            nango_retries: None,
            headers: Vec::new(),
            content_type: None,
            body: None,
        }
    }

    pub fn json(mut self, value: &impl Serialize) -> Result<Self, NangoError> {
        let bytes = serde_json::to_vec(value).map_err(|e| NangoError::Decode(e.to_string()))?;
        self.content_type = Some("application/json".to_owned());
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.content_type = Some("application/x-www-form-urlencoded".to_owned());
        self.body = Some(Bytes::from(body));
        self
    }

    /// Adds a header for the upstream API (sent as `Nango-Proxy-<name>`).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn base_url_override(mut self, base: impl Into<String>) -> Self {
        self.base_url_override = Some(base.into());
        self
    }
}

/// What came back through the proxy: the upstream status, headers and body, unchanged.
#[derive(Debug, Clone)]
pub struct ProxyResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl ProxyResponse {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, NangoError> {
        serde_json::from_slice(&self.body).map_err(|e| NangoError::Decode(e.to_string()))
    }
}

/// The client. Cheap to clone (the connection pool is shared).
#[derive(Clone, Debug)]
pub struct NangoClient {
    http: reqwest::Client,
    config: NangoClientConfig,
    /// `config.api_base`, parsed once: every URL is built under it and checked against it.
    base: Url,
}

/// One request to send (rebuilt for every attempt).
struct Call {
    method: Method,
    path: UpstreamPath,
    query: Vec<(String, String)>,
    json: Option<Vec<u8>>,
}

impl NangoClient {
    pub fn new(config: NangoClientConfig) -> Result<Self, NangoError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("patchbay/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NangoError::Transport(e.to_string()))?;
        let base = upstream_path::api_base(&config.api_base).ok_or_else(|| {
            NangoError::Transport(format!(
                "the Nango API base {:?} is not an http(s) URL",
                config.api_base
            ))
        })?;
        Ok(Self { http, config, base })
    }

    pub fn api_base(&self) -> &str {
        &self.config.api_base
    }

    /// `POST /connect/sessions` (not retried: it creates something).
    pub async fn create_connect_session(
        &self,
        request: &CreateConnectSession,
    ) -> Result<ConnectSession, NangoError> {
        let body: Data<ConnectSession> = self
            .call_json(
                Method::POST,
                UpstreamPath::fixed("/connect/sessions"),
                Vec::new(),
                Some(request),
            )
            .await?;
        Ok(body.data)
    }

    /// `POST /connect/sessions/reconnect`: a session that re-authorises one connection in place.
    pub async fn create_reconnect_session(
        &self,
        request: &ReconnectSession,
    ) -> Result<ConnectSession, NangoError> {
        let body: Data<ConnectSession> = self
            .call_json(
                Method::POST,
                UpstreamPath::fixed("/connect/sessions/reconnect"),
                Vec::new(),
                Some(request),
            )
            .await?;
        Ok(body.data)
    }

    /// `GET /connections` with filters.
    pub async fn list_connections(
        &self,
        filter: &ConnectionFilter,
    ) -> Result<Vec<ConnectionListItem>, NangoError> {
        let body: ConnectionList = self
            .call_json::<(), _>(
                Method::GET,
                UpstreamPath::fixed("/connections"),
                filter.query_pairs(),
                None,
            )
            .await?;
        Ok(body.connections)
    }

    /// `GET /connections/{id}?provider_config_key=`: the connection with its credentials
    /// (refreshed by Nango when they are about to expire).
    pub async fn get_connection(
        &self,
        connection_id: &str,
        provider_config_key: &str,
        options: GetConnectionOptions,
    ) -> Result<Connection, NangoError> {
        let mut query = vec![(
            "provider_config_key".to_owned(),
            provider_config_key.to_owned(),
        )];
        if options.force_refresh {
            query.push(("force_refresh".to_owned(), "true".to_owned()));
        }
        if options.refresh_token {
            query.push(("refresh_token".to_owned(), "true".to_owned()));
        }
        let path = connection_path(connection_id)?;
        self.call_json::<(), _>(Method::GET, path, query, None)
            .await
    }

    /// `DELETE /connections/{id}?provider_config_key=`.
    pub async fn delete_connection(
        &self,
        connection_id: &str,
        provider_config_key: &str,
    ) -> Result<(), NangoError> {
        let path = connection_path(connection_id)?;
        let query = vec![(
            "provider_config_key".to_owned(),
            provider_config_key.to_owned(),
        )];
        let _: serde_json::Value = self
            .call_json::<(), _>(Method::DELETE, path, query, None)
            .await?;
        Ok(())
    }

    /// `POST /connections`: imports existing credentials (creates or overrides).
    pub async fn import_connection(
        &self,
        request: &ImportConnection,
    ) -> Result<Connection, NangoError> {
        self.call_json(
            Method::POST,
            UpstreamPath::fixed("/connections"),
            Vec::new(),
            Some(request),
        )
        .await
    }

    /// `GET /integrations`.
    pub async fn list_integrations(&self) -> Result<Vec<Integration>, NangoError> {
        let body: Data<Vec<Integration>> = self
            .call_json::<(), _>(
                Method::GET,
                UpstreamPath::fixed("/integrations"),
                Vec::new(),
                None,
            )
            .await?;
        Ok(body.data)
    }

    /// `GET /integrations/{unique_key}`.
    pub async fn get_integration(&self, unique_key: &str) -> Result<Integration, NangoError> {
        let path = UpstreamPath::fixed("/integrations").segment("providerConfigKey", unique_key)?;
        let body: Data<Integration> = self
            .call_json::<(), _>(Method::GET, path, Vec::new(), None)
            .await?;
        Ok(body.data)
    }

    /// `GET /providers?search=`.
    pub async fn list_providers(&self, search: Option<&str>) -> Result<Vec<Provider>, NangoError> {
        let query = search
            .map(|s| vec![("search".to_owned(), s.to_owned())])
            .unwrap_or_default();
        let body: Data<Vec<Provider>> = self
            .call_json::<(), _>(Method::GET, UpstreamPath::fixed("/providers"), query, None)
            .await?;
        Ok(body.data)
    }

    /// Any method through `/proxy`, buffered. The upstream's answer comes back whatever its
    /// status (only transport failures become errors); see [`NangoClient::proxy_stream`] for
    /// the retries.
    pub async fn proxy(&self, request: &ProxyRequest) -> Result<ProxyResponse, NangoError> {
        let response = self.proxy_stream(request).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(transport)?;
        Ok(ProxyResponse {
            status,
            headers,
            body,
        })
    }

    /// Any method through `/proxy`, with the body left unread so it can be streamed on.
    /// A 429 is retried for every method (the call was not processed); 5xx, timeouts and
    /// broken connections only for idempotent methods. `Retry-After` is honoured.
    pub async fn proxy_stream(
        &self,
        request: &ProxyRequest,
    ) -> Result<reqwest::Response, NangoError> {
        // Built from the checked segments and checked again once the url crate has resolved it:
        // nothing outside `{api_base}/proxy/` can be reached with the secret key.
        let url = request.endpoint.url_under(&self.base, &["proxy"])?;
        let idempotent = is_idempotent(&request.method);
        let mut attempt = 0;
        loop {
            let outcome = self.proxy_builder(&url, request).send().await;
            let can_retry = attempt < self.config.retry.max_retries;
            let wait = retry_wait(&outcome, idempotent).filter(|_| can_retry);
            let Some(wait) = wait else {
                return outcome.map_err(transport);
            };
            drop(outcome);
            tokio::time::sleep(self.config.retry.delay(attempt, wait)).await;
            attempt += 1;
        }
    }

    fn proxy_builder(&self, url: &Url, request: &ProxyRequest) -> reqwest::RequestBuilder {
        let mut builder = self
            .http
            .request(request.method.clone(), url.clone())
            .bearer_auth(&self.config.secret_key)
            .header("Connection-Id", &request.connection_id)
            .header("Provider-Config-Key", &request.provider_config_key);
        if let Some(base) = &request.base_url_override {
            builder = builder.header("Base-Url-Override", base);
        }
        if let Some(n) = request.nango_retries {
            builder = builder.header("Retries", n.to_string());
        }
        for (name, value) in &request.headers {
            builder = builder.header(format!("Nango-Proxy-{name}"), value);
        }
        if let Some(content_type) = &request.content_type {
            builder = builder.header(reqwest::header::CONTENT_TYPE, content_type);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        builder
    }

    /// Sends a call (retrying when it is idempotent and failed transiently) and decodes the
    /// 2xx body as `T`.
    async fn call_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: UpstreamPath,
        query: Vec<(String, String)>,
        body: Option<&B>,
    ) -> Result<T, NangoError> {
        let json = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| NangoError::Decode(e.to_string()))?;
        let call = Call {
            method,
            path,
            query,
            json,
        };
        let bytes = self.send_with_retries(&call).await?;
        if bytes.is_empty() {
            return serde_json::from_slice(b"null").map_err(|e| NangoError::Decode(e.to_string()));
        }
        serde_json::from_slice(&bytes).map_err(|e| NangoError::Decode(e.to_string()))
    }

    async fn send_with_retries(&self, call: &Call) -> Result<Bytes, NangoError> {
        let retries = if is_idempotent(&call.method) {
            self.config.retry.max_retries
        } else {
            0
        };
        let mut attempt = 0;
        loop {
            match self.send_once(call).await {
                Ok(bytes) => return Ok(bytes),
                Err((err, wait)) if err.is_transient() && attempt < retries => {
                    tracing::debug!(error = %err, attempt, path = %call.path.as_str(), "retrying a Nango call");
                    tokio::time::sleep(self.config.retry.delay(attempt, wait)).await;
                    attempt += 1;
                }
                Err((err, _)) => return Err(err),
            }
        }
    }

    async fn send_once(&self, call: &Call) -> Result<Bytes, (NangoError, Option<Duration>)> {
        let url = call
            .path
            .url_under(&self.base, &[])
            .map_err(|e| (NangoError::from(e), None))?;
        let mut builder = self
            .http
            .request(call.method.clone(), url)
            .bearer_auth(&self.config.secret_key);
        if !call.query.is_empty() {
            builder = builder.query(&call.query);
        }
        if let Some(json) = &call.json {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(json.clone());
        }
        let response = builder.send().await.map_err(|e| (transport(e), None))?;
        let status = response.status();
        let wait = retry_after(response.headers());
        let bytes = response.bytes().await.map_err(|e| (transport(e), None))?;
        if status.is_success() {
            Ok(bytes)
        } else {
            Err((NangoError::from_response(status.as_u16(), &bytes), wait))
        }
    }
}

fn transport(err: reqwest::Error) -> NangoError {
    if err.is_timeout() {
        NangoError::Timeout
    } else {
        // Without the URL: it may carry query parameters worth keeping out of logs.
        NangoError::Transport(err.without_url().to_string())
    }
}

/// `/connections/{id}`: connection ids are usually UUIDs, but need not be; they are encoded as
/// one segment and never `.` or `..`.
fn connection_path(connection_id: &str) -> Result<UpstreamPath, NangoError> {
    Ok(UpstreamPath::fixed("/connections").segment("connectionId", connection_id)?)
}

#[cfg(test)]
mod tests;

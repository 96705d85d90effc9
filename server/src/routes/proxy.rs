//! `/api/proxy/{connection}/{*path}`: any method, forwarded through Nango's proxy for one of the
//! caller's organisation's connections; the provider's answer is streamed back with only the
//! safe headers. The path is taken from the raw request URI (axum's `Path` would decode it) and
//! checked by the core; every answer of this route carries `nosniff` and a sandboxing CSP.

use axum::{
    body::{Body, Bytes},
    extract::State,
    http::{HeaderMap, HeaderName, HeaderValue, Method, Uri, header},
    response::{IntoResponse, Response},
};
use patchbay::{
    proxy::{self, ProxyCall},
    upstream_path,
};

use crate::{api_error::ApiError, auth::Authenticated, state::AppState};

/// Request bodies above this are refused (they are held in memory so retries can resend them).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Where the route is mounted; what follows is `{connection}/{path}`, still percent-encoded.
const MOUNT: &str = "/api/proxy/";

pub async fn forward(
    State(state): State<AppState>,
    auth: Result<Authenticated, Response>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut response = match auth {
        Ok(auth) => call(&state, &auth, method, &uri, &headers, body)
            .await
            .unwrap_or_else(IntoResponse::into_response),
        Err(refused) => refused,
    };
    for (name, value) in proxy::PROXY_RESPONSE_HEADERS {
        response.headers_mut().insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
}

async fn call(
    state: &AppState,
    auth: &Authenticated,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    // `{connection}` ends at the first `/`; the path keeps that `/`, so `//evil.example` stays
    // an empty segment (refused) rather than losing a slash.
    let (connection, raw_path) = uri
        .path()
        .strip_prefix(MOUNT)
        .and_then(|rest| rest.find('/').map(|at| rest.split_at(at)))
        .ok_or_else(|| patchbay::Error::Internal(format!("a proxy route outside {MOUNT}")))?;
    let connection = upstream_path::percent_decode(connection).ok_or_else(|| {
        patchbay::Error::invalid_field("connection", "the connection id is not valid UTF-8")
    })?;
    let call = ProxyCall {
        method,
        raw_path: raw_path.to_owned(),
        raw_query: uri.query().map(str::to_owned),
        headers: proxy::upstream_headers(
            headers
                .iter()
                .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?))),
        ),
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body,
    };
    let upstream = proxy::forward(&state.hub, &auth.caller, &connection, call).await?;
    let mut response = Response::builder().status(upstream.status().as_u16());
    for (name, value) in upstream.headers() {
        if proxy::is_forwarded_response_header(name.as_str())
            && let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_str().as_bytes()),
                HeaderValue::from_bytes(value.as_bytes()),
            )
        {
            response = response.header(name, value);
        }
    }
    response
        .body(Body::from_stream(upstream.bytes_stream()))
        .map_err(|e| ApiError(patchbay::Error::Internal(e.to_string())))
}

//! `/api/proxy/{connection}/{*path}`: any method, forwarded through Nango's proxy for one of the
//! caller's organisation's connections; the provider's answer is streamed back with only the
//! safe headers.

use axum::{
    body::{Body, Bytes},
    extract::{Path, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, Uri, header},
    response::Response,
};
use patchbay::proxy::{self, ProxyCall};

use crate::{api_error::ApiError, auth::Authenticated, state::AppState};

/// Request bodies above this are refused (they are held in memory so retries can resend them).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

pub async fn forward(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((connection, path)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let path_and_query = match uri.query() {
        Some(query) => format!("/{path}?{query}"),
        None => format!("/{path}"),
    };
    let call = ProxyCall {
        method,
        path_and_query,
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

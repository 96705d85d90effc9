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

use utoipa::openapi::{
    Required,
    path::{Operation, PathItem},
};
use utoipa_axum::router::UtoipaMethodRouter;

use crate::{
    api_error::{
        ApiError, BadGateway, BadRequest, GatewayTimeout, NotFound, PayloadTooLarge, Unauthorized,
    },
    auth::Authenticated,
    state::AppState,
};

/// Request bodies above this are refused (they are held in memory so retries can resend them).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Where the route is mounted; what follows is `{connection}/{path}`, still percent-encoded.
const MOUNT: &str = "/api/proxy/";

/// The route as axum matches it: `{*path}` takes the rest of the path, slashes included. The
/// document names the same route `/api/proxy/{connection}/{path}` (OpenAPI has no wildcard).
pub const ROUTE: &str = "/api/proxy/{connection}/{*path}";

/// The route's document: one operation per method, each with its own id and summary, and a
/// request body only where the method carries one. The router mounts [`forward`] on [`ROUTE`]
/// for any method; the methods listed here are the ones the product supports.
pub fn documented() -> UtoipaMethodRouter<AppState> {
    let (schemas, mut paths, method_router): UtoipaMethodRouter<AppState> =
        utoipa_axum::routes!(forward);
    for item in paths.paths.values_mut() {
        name_operations(item);
    }
    (schemas, paths, method_router)
}

fn name_operations(item: &mut PathItem) {
    let PathItem {
        get,
        post,
        put,
        patch,
        delete,
        ..
    } = item;
    for (method, operation) in [
        ("GET", get),
        ("POST", post),
        ("PUT", put),
        ("PATCH", patch),
        ("DELETE", delete),
    ] {
        if let Some(operation) = operation {
            name_operation(method, operation);
        }
    }
}

fn name_operation(method: &str, operation: &mut Operation) {
    let mut title = method.to_ascii_lowercase();
    title[..1].make_ascii_uppercase();
    operation.operation_id = Some(format!("proxy{title}"));
    operation.summary = Some(format!("Proxy a {method} to the provider"));
    operation.description = operation
        .description
        .as_ref()
        .map(|text| text.replace("the request", &format!("`{method} /<path>?<query>`")));
    if matches!(method, "GET" | "DELETE") {
        operation.request_body = None;
    } else if let Some(body) = operation.request_body.as_mut() {
        body.required = Some(Required::False);
    }
}

/// Proxy a request to the provider
///
/// Forwards the request to the provider through Nango's proxy, with the connection's
/// credentials. The provider's status, body and safe headers (`content-type`, `etag`, `link`,
/// `location`, `retry-after`, `x-ratelimit-*`, …) are streamed back as they are. `Accept`,
/// `If-*`, `Prefer`, `Idempotency-Key`, `Range` and `User-Agent` are passed on; send any other
/// header with the prefix `Upstream-` (e.g. `Upstream-Notion-Version`). Your `Authorization`
/// and cookies never reach the provider. Bodies are limited to 10 MiB.
#[utoipa::path(
    method(get, post, put, patch, delete),
    path = "/api/proxy/{connection}/{path}",
    tag = "proxy",
    params(
        ("connection" = String, Path,
            description = "Patchbay's connection `id` or Nango's `connection_id`, of one of the organisation's connections."),
        ("path" = String, Path,
            description = "The provider's API path, which may contain slashes (e.g. `crm/v3/objects/contacts`); the query string is forwarded too."),
    ),
    request_body(
        content = serde_json::Value,
        content_type = "*/*",
        description = "Sent to the provider as it is, with its `Content-Type`."
    ),
    responses(
        (status = "default", description = "The provider's answer, whatever its status, streamed.",
            content_type = "*/*"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 502, response = BadGateway),
        (status = 504, response = GatewayTimeout),
    )
)]
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

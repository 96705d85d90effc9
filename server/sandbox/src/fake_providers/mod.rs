//! `/proxy/*` onto built-in fake provider APIs with seeded, deterministic data. This module
//! does Nango's part (the key, the `Connection-Id` / `Provider-Config-Key` headers, the
//! connection and its credentials; failures in Nango's envelope), then hands the call to the
//! fake of the connection's provider: one small axum router per provider, each in its own
//! module with its seeded data, answering like the real provider. Adding a fake provider is a
//! module here and one `nest` line in [`providers`].

mod bamboohr;
mod gmail;
mod highlevel;
mod hubspot;
mod pipedrive;
mod salesforce;
mod seed;
mod slack;
mod twilio;
mod whatsapp;

use std::sync::{Arc, LazyLock};

use axum::{
    Extension, Json, Router,
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use super::state::{Shared, nango_error};

/// Every fake provider, nested under its Nango provider name.
fn providers() -> Router {
    Router::new()
        .nest("/hubspot", hubspot::router())
        .nest("/slack", slack::router())
        .nest("/whatsapp-business", whatsapp::router())
        .nest("/twilio", twilio::router())
        .nest("/bamboohr", bamboohr::router())
        .nest("/bamboohr-basic", bamboohr::router())
        .nest("/pipedrive", pipedrive::router())
        .nest("/salesforce", salesforce::router())
        .nest("/highlevel", highlevel::router())
        .nest("/google-mail", gmail::router())
        // A path or method no fake serves: the same answer for both.
        .method_not_allowed_fallback(not_served)
        .fallback(not_served)
}

static PROVIDERS: LazyLock<Router> = LazyLock::new(providers);

/// What the fakes' fallback needs to say what was not served.
#[derive(Clone)]
struct Unserved {
    method: Method,
    provider: String,
    /// The provider path as called, decoded, with a leading `/`.
    path: String,
}

async fn not_served(Extension(call): Extension<Unserved>) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"message": format!(
            "{} {} is not served by the sandbox's fake {}",
            call.method, call.path, call.provider
        )})),
    )
        .into_response()
}

/// `/proxy` with no provider path.
pub async fn proxy_root(state: State<Arc<Shared>>, request: Request) -> Response {
    proxy(state, request).await
}

/// `ALL /proxy/{*path}`: Nango's checks, then the provider's fake.
pub async fn proxy(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let provider = match nango_checks(&shared, &parts.headers) {
        Ok(provider) => provider,
        Err(refused) => return refused,
    };
    let raw = parts.uri.path();
    let raw = raw.strip_prefix("/proxy").unwrap_or(raw);
    let decoded = percent_decode(raw);
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    let unserved = Unserved {
        method: parts.method.clone(),
        provider: provider.clone(),
        path: format!("/{}", decoded.trim_start_matches('/')),
    };
    let Some(uri) = provider_uri(&provider, &segments, parts.uri.query()) else {
        return not_served(Extension(unserved)).await;
    };
    let mut forwarded = Request::new(Body::from(body_bytes(body).await));
    *forwarded.method_mut() = parts.method;
    *forwarded.uri_mut() = uri;
    *forwarded.headers_mut() = parts.headers;
    forwarded.extensions_mut().insert(unserved);
    match PROVIDERS.clone().oneshot(forwarded).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Nango's own checks of a proxy call; the connection's provider when they pass.
fn nango_checks(shared: &Shared, headers: &HeaderMap) -> Result<String, Response> {
    shared.check_secret_key(headers)?;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (Some(connection_id), Some(key)) = (header("connection-id"), header("provider-config-key"))
    else {
        return Err((
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"code": "invalid_headers", "errors": [
                {"code": "invalid_type", "message": "Required", "path": ["connection-id"]}
            ]}})),
        )
            .into_response());
    };
    let Some(integration) = shared.integration(&key).cloned() else {
        return Err(nango_error(
            StatusCode::NOT_FOUND,
            "unknown_provider_config",
            None,
        ));
    };
    let connection = shared
        .memory()
        .connections
        .iter()
        .find(|c| c.connection_id == connection_id && c.provider_config_key == key)
        .cloned();
    let Some(connection) = connection else {
        return Err(nango_error(
            StatusCode::BAD_REQUEST,
            "server_error",
            Some("Failed to get connection"),
        ));
    };
    if connection.invalid {
        return Err(nango_error(
            StatusCode::BAD_REQUEST,
            "server_error",
            Some("Failed to get connection credentials: 'invalid_grant'"),
        ));
    }
    Ok(integration.provider)
}

/// `/<provider>/<segments…>?<query>`, each segment re-encoded, so that the fakes' routes see
/// the provider path as Nango's proxy would pass it on (empty segments dropped).
fn provider_uri(provider: &str, segments: &[&str], query: Option<&str>) -> Option<Uri> {
    let mut url = url::Url::parse("http://fake.invalid/").ok()?;
    url.path_segments_mut()
        .ok()?
        .extend(std::iter::once(provider).chain(segments.iter().copied()));
    let path_and_query = match query {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    path_and_query.parse().ok()
}

fn percent_decode(raw: &str) -> String {
    // `form_urlencoded` would turn `+` into a space; a path keeps it.
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn body_bytes(body: Body) -> Bytes {
    // The sandbox's request log already bounded the body (2 MiB); this cannot fail past it.
    axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default()
}

/// The value of `name` in a raw query string.
fn param(query: Option<&str>, name: &str) -> Option<String> {
    super::state::query_param(query, name)
}

/// The request body as JSON (`Null` when it is not JSON).
fn json_body(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

/// A field of a form-encoded request body.
fn form_value(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_paths_are_rebuilt_segment_by_segment() {
        let uri = provider_uri("hubspot", &["crm", "v3", "a b/c"], Some("limit=1")).expect("a URI");
        assert_eq!(uri.path(), "/hubspot/crm/v3/a%20b%2Fc");
        assert_eq!(uri.query(), Some("limit=1"));
        assert_eq!(percent_decode("/a%20b%2Fc+d%zz"), "/a b/c+d%zz");
    }
}

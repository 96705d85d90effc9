//! The sandbox's test controls under `/_sandbox/`: the request log, fault injection (a status
//! or a delay for the next N requests under a path), the webhooks sent, and switches that make
//! a connection's credentials fail or recover. The controls answer only to the sandbox's
//! secret key or to a direct loopback peer (see [`guard_controls`]).

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Json,
    body::{Body, to_bytes},
    extract::{ConnectInfo, FromRequestParts, Path, RawQuery, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::{
    state::{Fault, ReceivedRequest, Shared, iso, nango_error, query_param},
    webhooks,
};

/// How much of each request body the log keeps.
const LOGGED_BODY_LIMIT: usize = 16 * 1024;

/// The `/_sandbox/` paths that end users' browsers call during the Connect UI flow; they are
/// authorised by the connect session token they carry (or need nothing: the harness page).
fn is_connect_ui_path(path: &str) -> bool {
    path.starts_with("/_sandbox/oauth-approve/") || path == "/_sandbox/harness"
}

/// True for the test controls: everything under `/_sandbox` but the Connect UI's own paths.
pub fn is_control_path(path: &str) -> bool {
    (path == "/_sandbox" || path.starts_with("/_sandbox/")) && !is_connect_ui_path(path)
}

/// True when the request came straight from this machine: a loopback TCP peer, and no proxy
/// header saying it was forwarded for someone else (a local reverse proxy is loopback too).
pub fn is_direct_loopback(peer: Option<SocketAddr>, headers: &axum::http::HeaderMap) -> bool {
    let forwarded = ["x-forwarded-for", "forwarded", "x-real-ip"]
        .iter()
        .any(|name| headers.contains_key(*name));
    !forwarded && peer.is_some_and(|addr| addr.ip().is_loopback())
}

/// Lets a control call through only with `Authorization: Bearer <sandbox secret key>` or from a
/// direct loopback peer; anyone else gets Nango's 401. API and Connect UI paths pass untouched
/// (they check their own credentials).
pub async fn guard_controls(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    if !is_control_path(request.uri().path()) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let peer = ConnectInfo::<SocketAddr>::from_request_parts(&mut parts, &())
        .await
        .ok()
        .map(|ConnectInfo(addr)| addr);
    if !is_direct_loopback(peer, &parts.headers)
        && let Err(refused) = shared.check_secret_key(&parts.headers)
    {
        tracing::warn!(
            path = parts.uri.path(),
            peer = ?peer,
            "refused a sandbox control call without the sandbox key"
        );
        return refused;
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Logs every API request (not the controls themselves) and applies injected faults.
pub async fn record_and_inject(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/_sandbox") || path.starts_with("/connect/") && request.method() == "GET" {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, 2 * 1024 * 1024).await else {
        return nango_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_body",
            Some("body too large"),
        );
    };
    let headers = parts
        .headers
        .iter()
        .filter(|(name, _)| *name != header::AUTHORIZATION)
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("").to_owned()))
        .collect();
    let fault = {
        let mut memory = shared.memory();
        memory.log_request(ReceivedRequest {
            method: parts.method.to_string(),
            path: path.clone(),
            query: parts.uri.query().map(str::to_owned),
            headers,
            // Credentials typed into Connect UI or imported never enter the (unauthenticated) log.
            body: if path.starts_with("/api-auth") || path.starts_with("/connection") {
                "<redacted: may hold credentials>".to_owned()
            } else {
                String::from_utf8_lossy(&bytes[..bytes.len().min(LOGGED_BODY_LIMIT)]).into_owned()
            },
            at: iso(std::time::SystemTime::now()),
        });
        let roll: f64 = rand::random();
        let method = parts.method.as_str();
        let found = memory
            .faults
            .iter_mut()
            .find(|f| f.matches(method, &path) && roll < f.rate);
        found.map(|f| {
            f.count -= 1;
            f.clone()
        })
    };
    if let Some(fault) = fault
        && let Some(response) = apply(&fault).await
    {
        return response;
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Waits out a fault's delay; the answer it forces, if it has a status.
async fn apply(fault: &Fault) -> Option<Response> {
    if fault.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
    }
    let status = fault.status.and_then(|s| StatusCode::from_u16(s).ok())?;
    let mut response = match &fault.body {
        Some(body) => (status, Json(body.clone())).into_response(),
        None => {
            let code = if status == StatusCode::TOO_MANY_REQUESTS {
                "too_many_request"
            } else {
                "server_error"
            };
            nango_error(status, code, Some("injected by the sandbox"))
        }
    };
    if let Some(secs) = fault.retry_after
        && let Ok(value) = HeaderValue::from_str(&secs.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Some(response)
}

// The HTTP controls below are thin wrappers over the same operations the typed handle
// (`Sandbox::fault`, `received`, `webhooks`, `reset`) calls in process.

pub async fn requests(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!({ "requests": shared.received() })).into_response()
}

pub async fn clear_requests(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.clear_received();
    StatusCode::NO_CONTENT
}

pub async fn add_fault(State(shared): State<Arc<Shared>>, Json(fault): Json<Fault>) -> Response {
    shared.add_fault(fault);
    StatusCode::NO_CONTENT.into_response()
}

pub async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.clear_faults();
    StatusCode::NO_CONTENT
}

pub async fn webhooks(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!({ "webhooks": shared.webhooks() })).into_response()
}

/// Forgets everything but the configuration.
pub async fn reset(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.reset();
    StatusCode::NO_CONTENT
}

/// Marks a connection's credentials invalid (or valid again) and returns it.
pub fn set_invalid(
    shared: &Shared,
    id: &str,
    query: Option<&str>,
    invalid: bool,
) -> Result<super::state::Connection, Response> {
    let key = query_param(query, "provider_config_key");
    let mut memory = shared.memory();
    let connection = memory
        .connections
        .iter_mut()
        .find(|c| {
            c.connection_id == id && key.as_deref().is_none_or(|k| c.provider_config_key == k)
        })
        .ok_or_else(|| {
            nango_error(
                StatusCode::NOT_FOUND,
                "not_found",
                Some("Failed to find connection"),
            )
        })?;
    connection.invalid = invalid;
    Ok(connection.clone())
}

pub async fn invalidate(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<StatusCode, Response> {
    set_invalid(&shared, &id, query.as_deref(), true)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn refresh_failed(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<StatusCode, Response> {
    let connection = set_invalid(&shared, &id, query.as_deref(), true)?;
    webhooks::send_auth(
        &shared,
        &connection,
        "refresh",
        Some((
            "refresh_token_external_error",
            "invalid_grant: the refresh token was revoked",
        )),
    );
    Ok(StatusCode::NO_CONTENT)
}

pub async fn refresh_recovered(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<StatusCode, Response> {
    let connection = set_invalid(&shared, &id, query.as_deref(), false)?;
    // Nango itself sends nothing for a successful refresh; the sandbox does, so that the
    // recovery path of the receiver can be exercised.
    webhooks::send_auth(&shared, &connection, "refresh", None);
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderMap;

    use super::*;

    #[test]
    fn controls_are_everything_under_sandbox_but_the_connect_ui_paths() {
        for path in [
            "/_sandbox",
            "/_sandbox/requests",
            "/_sandbox/faults",
            "/_sandbox/webhooks",
            "/_sandbox/connections/c1/invalidate",
            "/_sandbox/connections/c1/refresh-failed",
            "/_sandbox/connections/c1/refresh-recovered",
        ] {
            assert!(is_control_path(path), "{path}");
        }
        for path in [
            "/_sandbox/oauth-approve/hubspot",
            "/_sandbox/harness",
            "/connect/",
            "/connect/sessions",
            "/proxy/x",
            "/_sandboxed",
        ] {
            assert!(!is_control_path(path), "{path}");
        }
    }

    #[test]
    fn only_an_unforwarded_loopback_peer_is_local() {
        let none = HeaderMap::new();
        let local = Some(SocketAddr::from(([127, 0, 0, 1], 5000)));
        let local6 = Some(SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 5000)));
        let remote = Some(SocketAddr::from(([192, 0, 2, 10], 5000)));
        assert!(is_direct_loopback(local, &none));
        assert!(is_direct_loopback(local6, &none));
        assert!(!is_direct_loopback(remote, &none));
        assert!(!is_direct_loopback(None, &none));
        for name in ["x-forwarded-for", "forwarded", "x-real-ip"] {
            let mut proxied = HeaderMap::new();
            proxied.insert(name, HeaderValue::from_static("198.51.100.7"));
            assert!(!is_direct_loopback(local, &proxied), "{name}");
        }
    }
}

//! Request bodies over a limit answer 413 in the JSON envelope (`payload_too_large`), never a
//! 500. Server-function bodies are read here, up to [`SERVER_FN_MAX_BODY_BYTES`], before the
//! function sees them; the REST routes keep their own per-route limits, and whatever 413 they
//! (or axum's extractors) answer in plain text is rewritten into the envelope.
//!
//! Caller text holding a NUL character (`%00` in a path, query or form, `\u0000` in JSON, a raw
//! zero byte) is refused here with a 400 `invalid_input`: no id, name or field Patchbay stores
//! can hold one, and PostgreSQL's text cannot. The signed webhook (which stores such bodies
//! safely) and the proxy's body (which only the provider reads) are left to their routes.

use std::{collections::HashSet, pin::Pin, sync::LazyLock};

use axum::{
    body::{Body, HttpBody},
    extract::Request,
    http::{Method, StatusCode, header},
    middleware::Next,
    response::Response,
};

use crate::api_error::envelope;

/// The largest body a server function accepts (its forms are a few short fields).
pub const SERVER_FN_MAX_BODY_BYTES: usize = 64 * 1024;
/// The envelope's code for an over-limit body.
pub const TOO_LARGE_CODE: &str = "payload_too_large";

/// The paths of the registered server functions.
static SERVER_FN_PATHS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect()
});

fn too_large(limit: Option<usize>) -> Response {
    let message = match limit {
        Some(limit) => format!(
            "the request body is larger than this endpoint accepts ({} KB)",
            limit / 1024
        ),
        None => "the request body is larger than this endpoint accepts".to_owned(),
    };
    envelope(StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE_CODE, &message)
}

/// The largest REST JSON body screened here (the unified API's own limit, the largest of them).
pub const REST_JSON_MAX_BODY_BYTES: usize = crate::routes::unified::MAX_BODY_BYTES;

fn nul_refused() -> Response {
    envelope(
        StatusCode::BAD_REQUEST,
        "invalid_input",
        "the request holds a NUL character (%00 or \\u0000); no id or field may contain one",
    )
}

/// True when URL-encoded text (a path, a query, a form) holds a NUL: `%00` or a raw zero byte.
fn encoded_nul(bytes: &[u8]) -> bool {
    bytes.contains(&0)
        || bytes
            .windows(3)
            .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// True when a body holds a NUL in its content type's form: `\u0000` in JSON, `%00` in a form,
/// a raw zero byte in either.
fn body_nul(content_type: Option<&str>, bytes: &[u8]) -> bool {
    if content_type.is_some_and(|t| t.starts_with("application/x-www-form-urlencoded")) {
        return encoded_nul(bytes);
    }
    bytes.contains(&0) || bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"))
}

/// True for a request whose JSON or form body is screened for NUL characters.
fn screened_rest_body(request: &Request) -> bool {
    let path = request.uri().path();
    !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) && path.starts_with("/api/")
        && !path.starts_with("/api/webhooks/")
        && !path.starts_with("/api/proxy/")
}

/// Middleware: enforces the server-function limit, refuses NUL characters in caller text and
/// puts every 413 into the envelope.
pub async fn limit_bodies(request: Request, next: Next) -> Response {
    let uri = request.uri();
    if encoded_nul(uri.path().as_bytes()) || uri.query().is_some_and(|q| encoded_nul(q.as_bytes()))
    {
        return nul_refused();
    }
    let limit = if SERVER_FN_PATHS.contains(uri.path()) {
        Some(SERVER_FN_MAX_BODY_BYTES)
    } else if screened_rest_body(&request) {
        Some(REST_JSON_MAX_BODY_BYTES)
    } else {
        None
    };
    let request = match limit {
        Some(limit) => match buffered(request, limit).await {
            Ok((parts, body))
                if body_nul(
                    parts
                        .headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok()),
                    &body,
                ) =>
            {
                return nul_refused();
            }
            Ok((parts, body)) => Request::from_parts(parts, Body::from(body)),
            Err(response) => return response,
        },
        None => request,
    };
    let response = next.run(request).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json(&response) {
        return too_large(None);
    }
    response
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The request's parts with its body read into memory, or the 413 (400 for an unreadable body).
async fn buffered(
    request: Request,
    limit: usize,
) -> Result<(axum::http::request::Parts, Vec<u8>), Response> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(too_large(Some(limit)));
    }
    let (parts, mut body) = request.into_parts();
    let mut bytes = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|_| {
            envelope(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "the request body could not be read",
            )
        })?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > limit {
                return Err(too_large(Some(limit)));
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok((parts, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_in_each_form_it_can_take() {
        assert!(encoded_nul(b"/api/proxy/a%00b/x"));
        assert!(encoded_nul(b"q=a\0"));
        assert!(!encoded_nul(b"/api/proxy/a%2500b/x"));
        let form = Some("application/x-www-form-urlencoded");
        assert!(body_nul(form, b"id=a%00b"));
        assert!(!body_nul(form, b"id=a%2500b"));
        let json = Some("application/json");
        assert!(body_nul(json, br#"{"id":"a\u0000b"}"#));
        assert!(body_nul(json, br#"{"id":"a\U0000b"}"#));
        assert!(body_nul(json, b"{\"id\":\"a\0b\"}"));
        assert!(!body_nul(json, br#"{"body":"100%00 off"}"#));
        assert!(!body_nul(None, br#"{"id":"a"}"#));
    }
}

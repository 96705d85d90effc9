//! Request bodies over a limit answer 413 in the JSON envelope (`payload_too_large`), never a
//! 500. Server-function bodies are read here, up to [`SERVER_FN_MAX_BODY_BYTES`], before the
//! function sees them; the REST routes keep their own per-route limits, and whatever 413 they
//! (or axum's extractors) answer in plain text is rewritten into the envelope.

use std::{collections::HashSet, pin::Pin, sync::LazyLock};

use axum::{
    body::{Body, HttpBody},
    extract::Request,
    http::{StatusCode, header},
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

/// Middleware: enforces the server-function limit and puts every 413 into the envelope.
pub async fn limit_bodies(request: Request, next: Next) -> Response {
    let request = if SERVER_FN_PATHS.contains(request.uri().path()) {
        match buffered(request, SERVER_FN_MAX_BODY_BYTES).await {
            Ok(request) => request,
            Err(response) => return response,
        }
    } else {
        request
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

/// The request with its body read into memory, or the 413 (400 for an unreadable body).
async fn buffered(request: Request, limit: usize) -> Result<Request, Response> {
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
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

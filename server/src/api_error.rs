//! The REST error envelope: every failure of a `/api` route answers
//! `{"error": {"code", "message", "field"?, "allowed"?}}` with the status the core's error means.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

/// A core error on its way out of a REST route.
#[derive(Debug)]
pub struct ApiError(pub patchbay::Error);

impl From<patchbay::Error> for ApiError {
    fn from(err: patchbay::Error) -> Self {
        Self(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = self.0;
        if err.is_internal() {
            tracing::error!(error = %err.report(), "request failed");
        }
        let status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = json!({ "code": err.code(), "message": err.public_message() });
        if let Some(field) = err.field() {
            body["field"] = json!(field);
        }
        if let Some(allowed) = err.allowed() {
            body["allowed"] = json!(allowed);
        }
        match &err {
            patchbay::Error::AmbiguousConnection { candidates, .. } => {
                body["connections"] = json!(candidates);
            }
            patchbay::Error::UpstreamRejected { status, .. }
            | patchbay::Error::UpstreamUnavailable {
                status: Some(status),
                ..
            } => body["upstream_status"] = json!(status),
            _ => {}
        }
        let mut response = (status, Json(json!({ "error": body }))).into_response();
        if let patchbay::Error::RateLimited { retry_after_secs } = err
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// An envelope for failures that happen before a core function runs (routing, origin checks).
pub fn envelope(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

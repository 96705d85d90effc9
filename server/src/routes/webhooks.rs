//! `POST /api/webhooks/nango`: the raw body (at most 1 MB) and its signature headers go to the
//! core, which verifies, stores once and applies. A bad or missing signature is a 401 with
//! nothing stored; a failure on our side is a 5xx, so Nango retries (it never retries a 4xx).

use axum::{
    Json,
    body::Bytes,
    extract::{State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use patchbay::nango::signature::{HMAC_HEADER, LEGACY_HEADER};

use crate::{
    api_error::{ApiError, envelope},
    state::AppState,
};

/// The largest webhook body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub async fn nango(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            return envelope(
                rejection.status(),
                "invalid_body",
                &format!(
                    "the webhook body could not be read: {}",
                    rejection.body_text()
                ),
            );
        }
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match patchbay::webhooks::receive(
        &state.hub,
        &body,
        header(HMAC_HEADER),
        header(LEGACY_HEADER),
    )
    .await
    {
        Ok(receipt) => (StatusCode::OK, Json(receipt)).into_response(),
        Err(err) => {
            if matches!(err, patchbay::Error::InvalidSignature(_)) {
                tracing::warn!(error = %err, "refused a webhook");
            }
            ApiError(err).into_response()
        }
    }
}

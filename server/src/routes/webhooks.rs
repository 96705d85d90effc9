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

/// Anyone can send bad signatures as fast as they like: one warning per 10 s, with a count.
static REFUSED_LOG: crate::log_throttle::LogThrottle =
    crate::log_throttle::LogThrottle::new(std::time::Duration::from_secs(10));

pub async fn nango(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let code = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                crate::body_limit::TOO_LARGE_CODE
            } else {
                "invalid_body"
            };
            return envelope(
                rejection.status(),
                code,
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
            if matches!(err, patchbay::Error::InvalidSignature(_))
                && let Some(suppressed) = REFUSED_LOG.allow(std::time::Instant::now())
            {
                tracing::warn!(
                    error = %err,
                    suppressed,
                    "refused a webhook (suppressed: refusals left out of the log since the last such line)"
                );
            }
            ApiError(err).into_response()
        }
    }
}

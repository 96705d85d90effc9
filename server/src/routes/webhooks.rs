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
    api_error::{ApiError, ErrorEnvelope, PayloadTooLarge, envelope},
    state::AppState,
};

/// The largest webhook body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Anyone can send bad signatures as fast as they like: one warning per 10 s, with a count.
static REFUSED_LOG: crate::log_throttle::LogThrottle =
    crate::log_throttle::LogThrottle::new(std::time::Duration::from_secs(10));

/// Receive a Nango webhook
///
/// Nango's deliveries (auth, sync and forwarded webhooks). The raw body is verified against
/// the HMAC-SHA256 signature with the Nango secret key, stored and applied to the connections.
/// A repeated delivery of the same bytes within 10 minutes (Nango's retries) answers
/// `duplicate` and changes nothing; the same bytes later are a new event. A bad body (not
/// JSON, NUL characters) is stored, never a 5xx. Not for API clients: no API key or session,
/// the signature is the authentication. A failure on Patchbay's side is a 5xx so Nango
/// retries; a 4xx is never retried. Bodies are limited to 1 MiB.
#[utoipa::path(
    post,
    path = "/api/webhooks/nango",
    operation_id = "receiveNangoWebhook",
    tag = "webhooks",
    security(()),
    params(
        ("X-Nango-Hmac-Sha256" = String, Header,
            description = "Lowercase hex HMAC-SHA256 of the raw body under the Nango signing key."),
        ("X-Nango-Signature" = Option<String>, Header,
            description = "Nango's deprecated signature (hex SHA-256 of the key followed by the body), still accepted when the HMAC header is absent; it never rescues a wrong HMAC."),
    ),
    request_body(
        content = Object,
        description = "Nango's webhook body (`type`, `operation`, `success`, `connectionId`, `providerConfigKey`, …).",
        example = json!({"type": "auth", "operation": "creation", "success": true, "connectionId": "3f2c9a1e-acme", "providerConfigKey": "hubspot", "provider": "hubspot", "authMode": "OAUTH2"})
    ),
    responses(
        (status = 200, description = "Received.", body = patchbay::webhooks::Receipt,
            example = json!({"event_id": "nango:evt_01JD9A4X", "outcome": "applied", "detail": null})),
        (status = 401, description = "Missing or wrong signature (`invalid_signature`); nothing was stored.", body = ErrorEnvelope),
        (status = 413, response = PayloadTooLarge),
    )
)]
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

//! Calls a provider through Nango's proxy for the unified API and turns the answer into a
//! result: 2xx is the provider's JSON; a 4xx is the provider refusing (passed on with its own
//! message); 5xx and timeouts, after the client's retries, become 502 and 504.

use bytes::Bytes;
use reqwest::StatusCode;
use serde_json::Value;

use super::target::Target;
use crate::{
    Error, Result,
    nango::{NangoClient, NangoError, ProxyRequest},
};

/// Error codes that only Nango itself answers with, in its `{"error": {"code"}}` envelope (see
/// docs/nango.md, "Endpoints used"); anything else non-2xx through the proxy is the provider's
/// own answer.
const NANGO_SIDE_CODES: [&str; 7] = [
    "invalid_headers",
    "unknown_provider_config",
    "server_error",
    "connection_refresh_backoff",
    "plan_limit",
    "base_url_override_disabled",
    "base_url_override_not_allowed",
];

/// Sends `request` for `target` and reads the provider's JSON.
pub async fn call(nango: &NangoClient, target: &Target, request: ProxyRequest) -> Result<Value> {
    let response = nango
        .proxy(&request)
        .await
        .map_err(|e| transport_error(&target.display_name, e))?;
    read(&target.display_name, response.status, &response.body)
}

/// What a failure to reach the provider through Nango means for the caller.
pub fn transport_error(provider: &str, err: NangoError) -> Error {
    match err {
        NangoError::Timeout => Error::UpstreamTimeout {
            provider: provider.to_owned(),
        },
        NangoError::Transport(message) => Error::UpstreamUnavailable {
            provider: provider.to_owned(),
            status: None,
            message: format!("cannot reach Nango: {message}"),
        },
        NangoError::InvalidPath(path) => Error::InvalidPath(path),
        other => Error::Nango(other),
    }
}

/// Reads a provider answer that came through Nango.
pub fn read(provider: &str, status: StatusCode, body: &Bytes) -> Result<Value> {
    if status.is_success() {
        if body.is_empty() {
            return Ok(Value::Null);
        }
        return serde_json::from_slice(body).map_err(|_| Error::UpstreamUnavailable {
            provider: provider.to_owned(),
            status: Some(status.as_u16()),
            message: "the answer was not JSON".to_owned(),
        });
    }
    if is_nango_side(body) {
        let err = NangoError::from_response(status.as_u16(), body);
        // Nango itself failing is, for the caller, the provider being out of reach.
        if status.is_server_error() {
            return Err(Error::UpstreamUnavailable {
                provider: "Nango".to_owned(),
                status: Some(status.as_u16()),
                message: err.to_string(),
            });
        }
        return Err(Error::Nango(err));
    }
    let message = message_of(body);
    if status.is_client_error() {
        Err(Error::UpstreamRejected {
            provider: provider.to_owned(),
            status: status.as_u16(),
            message,
        })
    } else {
        Err(Error::UpstreamUnavailable {
            provider: provider.to_owned(),
            status: Some(status.as_u16()),
            message,
        })
    }
}

fn is_nango_side(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.pointer("/error/code")?.as_str().map(str::to_owned))
        .is_some_and(|code| NANGO_SIDE_CODES.contains(&code.as_str()))
}

/// The human part of a provider's error body, whatever its shape (HubSpot, Pipedrive,
/// Salesforce, Graph API, Twilio, Panora...), else the start of the raw text.
pub fn message_of(body: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        for pointer in [
            "/message",
            "/error/message",
            "/error",
            "/0/message",
            "/errors/0/message",
            "/error_description",
            "/detail",
        ] {
            if let Some(text) = value.pointer(pointer).and_then(Value::as_str)
                && !text.trim().is_empty()
            {
                return text.trim().chars().take(500).collect();
            }
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        "no details given".to_owned()
    } else {
        text.chars().take(300).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_error(status: u16, body: &str) -> Error {
        read(
            "HubSpot",
            StatusCode::from_u16(status).unwrap(),
            &Bytes::from(body.to_owned()),
        )
        .unwrap_err()
    }

    #[test]
    fn provider_refusals_keep_their_status_and_message() {
        let err = read_error(
            400,
            r#"{"status":"error","message":"Property values were not valid"}"#,
        );
        assert_eq!((err.status(), err.code()), (400, "upstream_rejected"));
        assert!(err.to_string().contains("Property values were not valid"));
        let sf = read_error(404, r#"[{"errorCode":"NOT_FOUND","message":"gone"}]"#);
        assert_eq!(sf.status(), 404);
        assert!(sf.to_string().contains("gone"));
        let graph = read_error(400, r#"{"error":{"message":"(#100) bad","code":100}}"#);
        assert!(graph.to_string().contains("(#100) bad"));
    }

    #[test]
    fn server_failures_are_bad_gateways() {
        let err = read_error(503, "upstream down");
        assert_eq!((err.status(), err.code()), (502, "upstream_unavailable"));
        let nango = read_error(
            400,
            r#"{"error":{"code":"server_error","message":"Failed to get connection"}}"#,
        );
        assert_eq!((nango.status(), nango.code()), (502, "nango_error"));
        let timeout = transport_error("HubSpot", NangoError::Timeout);
        assert_eq!(
            (timeout.status(), timeout.code()),
            (504, "upstream_timeout")
        );
    }
}

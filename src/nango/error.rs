//! What can go wrong talking to Nango, typed: Nango's own error envelope
//! (`{"error":{"code","message","payload"}}`), `invalid_credentials` singled out because it means
//! "ask the user to reconnect", and the transport failures.

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum NangoError {
    /// Nango answered with an error envelope (or a non-JSON error body).
    #[error("Nango answered {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        payload: Option<serde_json::Value>,
    },
    /// The connection's credentials no longer work (refresh or test failed): reconnect.
    #[error("the connection's credentials are no longer valid: {message}")]
    InvalidCredentials { status: u16, message: String },
    /// Nango did not answer in time.
    #[error("Nango did not answer in time")]
    Timeout,
    /// Nango could not be reached at all.
    #[error("cannot reach Nango: {0}")]
    Transport(String),
    /// Nango answered 2xx with a body we could not read.
    #[error("unexpected answer from Nango: {0}")]
    Decode(String),
    /// A path that was refused before anything was sent (a dot segment, an id that is not one).
    #[error("{0}")]
    InvalidPath(#[from] crate::upstream_path::PathError),
}

impl NangoError {
    /// The HTTP status Nango answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::InvalidCredentials { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Nango's error code (`not_found`, `unknown_connection`, ...), if it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => Some(code),
            Self::InvalidCredentials { .. } => Some("invalid_credentials"),
            _ => None,
        }
    }

    /// Worth another attempt: rate limits, server errors, timeouts and broken connections.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout | Self::Transport(_) => true,
            Self::Api { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    /// Reads an error answer: Nango's envelope when it is one, else the raw text.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        #[derive(Deserialize)]
        struct Envelope {
            error: Inner,
        }
        #[derive(Deserialize)]
        struct Inner {
            #[serde(default)]
            code: Option<String>,
            #[serde(default)]
            message: Option<String>,
            #[serde(default)]
            payload: Option<serde_json::Value>,
        }
        match serde_json::from_slice::<Envelope>(body) {
            Ok(Envelope { error }) => {
                let code = error.code.unwrap_or_else(|| "unknown_error".to_owned());
                let message = error.message.unwrap_or_else(|| code.replace('_', " "));
                if code == "invalid_credentials" {
                    Self::InvalidCredentials { status, message }
                } else {
                    Self::Api {
                        status,
                        code,
                        message,
                        payload: error.payload,
                    }
                }
            }
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                Self::Api {
                    status,
                    code: format!("http_{status}"),
                    message: if text.is_empty() {
                        "no details".to_owned()
                    } else {
                        text.chars().take(300).collect()
                    },
                    payload: None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_envelope() {
        let err = NangoError::from_response(
            404,
            br#"{"error":{"code":"not_found","message":"Failed to find connection"}}"#,
        );
        assert_eq!(err.code(), Some("not_found"));
        assert_eq!(err.status(), Some(404));
        assert!(!err.is_transient());
    }

    #[test]
    fn recognises_invalid_credentials() {
        let err = NangoError::from_response(
            424,
            br#"{"error":{"code":"invalid_credentials","message":"refresh failed","payload":{}}}"#,
        );
        assert!(matches!(
            err,
            NangoError::InvalidCredentials { status: 424, .. }
        ));
    }

    #[test]
    fn codes_without_message_and_plain_bodies() {
        let err = NangoError::from_response(400, br#"{"error":{"code":"unknown_connection"}}"#);
        assert_eq!(
            err.to_string(),
            "Nango answered 400 unknown_connection: unknown connection"
        );
        let plain = NangoError::from_response(502, b"Bad Gateway");
        assert_eq!(plain.code(), Some("http_502"));
        assert!(plain.is_transient());
        assert!(NangoError::from_response(429, b"").is_transient());
    }
}

//! The error every server function returns: small, serialisable, safe to show. `field` lets a
//! form put the message next to the input it belongs to.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// Stable machine-readable code (`validation_failed`, `unauthenticated`, ...).
    pub code: String,
    /// The form field the message belongs to, if any.
    pub field: Option<String>,
    pub message: String,
}

impl AppError {
    /// The message when it belongs to `field`.
    pub fn for_field(&self, field: &str) -> Option<String> {
        (self.field.as_deref() == Some(field)).then(|| self.message.clone())
    }

    /// The message when it belongs to no field of the form (`fields` lists the form's fields).
    pub fn general(&self, fields: &[&str]) -> Option<String> {
        match self.field.as_deref() {
            Some(f) if fields.contains(&f) => None,
            _ => Some(self.message.clone()),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let (code, message) = match value {
            ServerFnErrorErr::Request(_) => (
                "request_failed",
                "cannot reach Patchbay; check your connection and try again".to_owned(),
            ),
            // The caller's arguments did not decode: their mistake, answered 400, not 500.
            ServerFnErrorErr::Args(e) | ServerFnErrorErr::MissingArg(e) => {
                #[cfg(feature = "ssr")]
                crate::response::set_error_status(400);
                ("invalid_input", format!("the form was incomplete: {e}"))
            }
            other => ("request_failed", other.to_string()),
        };
        Self {
            code: code.to_owned(),
            field: None,
            message,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<patchbay::Error> for AppError {
    /// The one mapping from core errors to what the browser sees: internals are logged, never
    /// shown, and the HTTP status follows the core's table (except for plain form posts, which
    /// leptos answers with a redirect back to the form).
    fn from(err: patchbay::Error) -> Self {
        if err.is_internal() {
            tracing::error!(error = %err.report(), "server function failed");
        }
        crate::response::set_error_status(err.status());
        if let patchbay::Error::RateLimited { retry_after_secs } = err {
            crate::response::set_retry_after(retry_after_secs);
        }
        Self {
            code: err.code().to_owned(),
            field: err.field().map(str::to_owned),
            message: err.public_message(),
        }
    }
}

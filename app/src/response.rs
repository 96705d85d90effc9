//! The status and headers of the answer a failing server function gives. Apart from `ssr` (which
//! builds on `error::AppError`) so that `error` can set them without importing `ssr`.

use http::{HeaderValue, StatusCode, header};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

/// Sets the HTTP status of a failed server function called by the app (a plain HTML form post
/// keeps leptos' redirect back to the form instead).
pub fn set_error_status(status: u16) {
    let accepts_html = use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    });
    if accepts_html {
        return;
    }
    if let (Some(response), Ok(status)) = (
        use_context::<ResponseOptions>(),
        StatusCode::from_u16(status),
    ) {
        response.set_status(status);
    }
}

/// Tells the client when to retry a rate-limited call (`Retry-After`, in seconds).
pub fn set_retry_after(secs: u64) {
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&secs.to_string()),
    ) {
        response.insert_header(header::RETRY_AFTER, value);
    }
}

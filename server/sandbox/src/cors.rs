//! CORS as Nango's public API answers it: any origin (`access-control-allow-origin: *`), the
//! request headers Nango's SDKs send, and `OPTIONS` preflights answered with 204, so a page on
//! another origin can call `auth()` or host a Connect UI whose `apiURL` is the sandbox. The
//! `/_sandbox/*` controls get none of it: a foreign page must not read or drive them.

use axum::{
    extract::Request,
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The request headers Nango's public API allows across origins.
pub const ALLOWED_HEADERS: &str = "Authorization, Content-Type, Accept, Origin, X-Requested-With, \
     Nango-Activity-Log-Id, Nango-Is-Dry-Run, Nango-Is-Sync, Provider-Config-Key, Connection-Id, \
     Sentry-Trace, Baggage";
/// The methods a preflight may ask for.
pub const ALLOWED_METHODS: &str = "GET,HEAD,PUT,PATCH,POST,DELETE";

/// True for the paths that carry CORS: everything but the `/_sandbox` tree.
pub fn is_cors_path(path: &str) -> bool {
    !(path == "/_sandbox" || path.starts_with("/_sandbox/"))
}

/// Answers preflights and adds `access-control-allow-origin: *` to the public API's answers.
pub async fn add_cors(request: Request, next: Next) -> Response {
    if !is_cors_path(request.uri().path()) {
        return next.run(request).await;
    }
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOWED_METHODS),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_HEADERS),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("86400"),
        );
        response
    } else {
        next.run(request).await
    };
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_controls_carry_no_cors() {
        assert!(is_cors_path("/connect/sessions"));
        assert!(is_cors_path("/api-auth/api-key/openai"));
        assert!(is_cors_path("/_sandboxed"));
        assert!(!is_cors_path("/_sandbox"));
        assert!(!is_cors_path("/_sandbox/faults"));
    }
}

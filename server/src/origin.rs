//! Cross-site request protection: a state-changing request (anything but GET, HEAD, OPTIONS)
//! that a browser sends from another site is refused. Browsers always send `Origin` on such
//! requests; non-browser clients (webhooks, API keys) send none and are judged by their
//! credentials instead. The mounted sandbox's public Nango API is the exception: Nango answers
//! any origin (a customer page may call `auth()` or host a Connect UI pointed at it) and the
//! sandbox checks its own credentials; its `/_sandbox/*` controls stay same-site only.

use axum::{
    extract::{Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::Response,
};

use crate::{
    api_error::envelope,
    state::{AppState, SANDBOX_MOUNT},
};

pub async fn check_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || (state.sandbox_mode() && is_sandbox_public_api(request.uri().path()))
    {
        return next.run(request).await;
    }
    let headers = request.headers();
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let allowed = match origin {
        Some(origin) => {
            origin == state.config.public_origin() || same_host(origin, headers.get(header::HOST))
        }
        // No Origin: not a modern browser's cross-site request unless it says so itself.
        None => fetch_site != Some("cross-site"),
    };
    if allowed {
        next.run(request).await
    } else {
        tracing::warn!(
            origin = origin.unwrap_or("-"),
            "refused a cross-site request"
        );
        envelope(
            StatusCode::FORBIDDEN,
            "bad_origin",
            "this request came from another site; reload Patchbay and try again",
        )
    }
}

/// True for a path of the mounted sandbox's Nango API, outside its `/_sandbox` controls.
fn is_sandbox_public_api(path: &str) -> bool {
    path.strip_prefix(SANDBOX_MOUNT)
        .filter(|rest| rest.starts_with('/'))
        .is_some_and(|rest| !nango_sandbox::is_control_path(rest))
}

/// True when `origin` is `http(s)://<Host header>`: the site the browser is on is this server.
fn same_host(origin: &str, host: Option<&header::HeaderValue>) -> bool {
    let Some(host) = host.and_then(|h| h.to_str().ok()) else {
        return false;
    };
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|rest| rest == host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_matching_is_exact() {
        let host = header::HeaderValue::from_static("127.0.0.1:3000");
        assert!(same_host("http://127.0.0.1:3000", Some(&host)));
        assert!(same_host("https://127.0.0.1:3000", Some(&host)));
        assert!(!same_host("http://127.0.0.1:3001", Some(&host)));
        assert!(!same_host("http://evil.example", Some(&host)));
        assert!(!same_host("http://127.0.0.1:3000", None));
    }

    #[test]
    fn only_the_sandboxs_public_api_is_open_to_other_sites() {
        assert!(is_sandbox_public_api("/sandbox/nango/connect/sessions"));
        assert!(is_sandbox_public_api(
            "/sandbox/nango/api-auth/api-key/openai"
        ));
        assert!(is_sandbox_public_api("/sandbox/nango/connections/metadata"));
        assert!(!is_sandbox_public_api("/sandbox/nango/_sandbox/faults"));
        assert!(!is_sandbox_public_api("/sandbox/nango/_sandbox"));
        assert!(!is_sandbox_public_api("/sandbox/nangox/connect/sessions"));
        assert!(!is_sandbox_public_api("/sandbox/nango"));
        assert!(!is_sandbox_public_api("/api/v1/connections"));
        assert!(!is_sandbox_public_api("/sandbox/panora/crm/contacts"));
    }
}

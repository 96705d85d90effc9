//! Security headers on every response: a Content-Security-Policy with a fresh script nonce per
//! request (the same nonce Leptos puts on its hydration and inline scripts), no framing, no
//! MIME sniffing and a careful referrer. A response that brings its own policy (the sandbox's
//! Connect UI) keeps it.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use base64::Engine as _;
use leptos::prelude::{provide_context, use_context};

use crate::{
    config::NangoTarget,
    state::{AppState, SANDBOX_MOUNT},
};

/// The nonce of this request's Content-Security-Policy, in the request's extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CspNonce(pub String);

/// 16 random bytes, URL-safe base64 without padding (as Leptos makes its own).
fn new_nonce() -> String {
    use rand::RngCore as _;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The origin (`scheme://host[:port]`) of an absolute URL.
fn origin_of(url: &str) -> Option<String> {
    let origin = url::Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// What the policy allows besides the app's own origin; worked out once at start-up.
#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    /// Where Connect UI's iframe comes from.
    frame_src: Vec<String>,
    /// Extra `connect-src` sources (Nango's API, the dev reload socket).
    connect_src: Vec<String>,
}

impl SecurityHeaders {
    pub fn new(state: &AppState) -> Self {
        let config = &state.config;
        let public = config.public_url.as_str().trim_end_matches('/');
        let mut frame_src = Vec::new();
        let mut connect_src = Vec::new();
        if config.nango.enabled {
            match &config.nango.target {
                NangoTarget::Remote {
                    api_base,
                    connect_ui_url,
                    ..
                } => {
                    frame_src.extend(origin_of(connect_ui_url.as_str()));
                    connect_src.extend(origin_of(api_base.as_str()));
                }
                NangoTarget::Sandbox { .. } => {
                    frame_src.extend(origin_of(&format!("{public}{SANDBOX_MOUNT}/connect")));
                }
            }
        }
        // `cargo leptos watch` injects a reload script that opens a WebSocket.
        if std::env::var_os("LEPTOS_WATCH").is_some() {
            let options = &state.leptos_options;
            let port = options.reload_external_port.unwrap_or(options.reload_port);
            connect_src.push(format!("ws://*:{port} wss://*:{port}"));
        }
        Self {
            frame_src,
            connect_src,
        }
    }

    /// The app's Content-Security-Policy for a response whose scripts carry `nonce`.
    pub fn csp(&self, nonce: &str) -> String {
        let with_self = |extra: &[String]| {
            let mut sources = vec!["'self'".to_owned()];
            for source in extra {
                if !sources.contains(source) {
                    sources.push(source.clone());
                }
            }
            sources.join(" ")
        };
        format!(
            "default-src 'self'; \
             script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; \
             font-src 'self'; \
             connect-src {connect}; \
             frame-src {frame}; \
             frame-ancestors 'none'; \
             base-uri 'self'; \
             object-src 'none'; \
             form-action 'self'",
            connect = with_self(&self.connect_src),
            frame = with_self(&self.frame_src),
        )
    }
}

/// The middleware: makes this request's nonce, lets the page use it, then sets the headers
/// (the policy and `X-Frame-Options` only when the response has no policy of its own).
pub async fn apply(
    State(policy): State<Arc<SecurityHeaders>>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = new_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        match HeaderValue::from_str(&policy.csp(&nonce)) {
            Ok(value) => {
                headers.insert(header::CONTENT_SECURITY_POLICY, value);
            }
            Err(e) => tracing::error!(error = %e, "the Content-Security-Policy is not a header"),
        }
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers
        .entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    response
}

/// For the Leptos context closure: hands this request's nonce to Leptos, which puts it on the
/// hydration script and on every `use_nonce()` script. Runs with the request's `Parts` in
/// context; without them (or without the middleware) Leptos keeps its own nonce.
pub fn provide_request_nonce() {
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(frame: &[&str], connect: &[&str]) -> SecurityHeaders {
        SecurityHeaders {
            frame_src: frame.iter().map(|s| (*s).to_owned()).collect(),
            connect_src: connect.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn nonces_are_fresh_and_header_safe() {
        let (a, b) = (new_nonce(), new_nonce());
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn the_policy_allows_the_nonce_wasm_and_connect_ui_only() {
        let csp = policy(&["https://connect.nango.dev"], &["https://api.nango.dev"]).csp("abc");
        assert!(csp.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(csp.contains("frame-src 'self' https://connect.nango.dev;"));
        assert!(csp.contains("connect-src 'self' https://api.nango.dev;"));
        for directive in [
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "object-src 'none'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(directive), "{directive}");
        }
        assert!(!csp.contains(" 'unsafe-eval'"));
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"));
        assert!(HeaderValue::from_str(&csp).is_ok());
    }

    #[test]
    fn origins_drop_paths_and_default_ports() {
        assert_eq!(
            origin_of("https://connect.nango.dev/some/path?x=1").as_deref(),
            Some("https://connect.nango.dev")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3000/sandbox/nango/connect").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(origin_of("not a url"), None);
    }
}

//! The sandbox's own security headers: its Connect UI page must stay frameable by the app and
//! run its inline script, so it gets a Content-Security-Policy of its own (script hashes, its
//! origin for fetches and frames, the app as the only ancestor) instead of the app's.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The pages whose inline scripts the policy allows, by hash.
const PAGES: [&str; 3] = [
    include_str!("connect_ui.html"),
    include_str!("harness.html"),
    include_str!("oauth_callback.html"),
];

/// The headers every sandbox response carries.
#[derive(Clone)]
pub struct PagePolicy {
    csp: HeaderValue,
}

impl PagePolicy {
    /// The policy for a sandbox whose mount is at `public_url`.
    pub fn new(public_url: &str) -> Self {
        let csp = csp(public_url);
        let csp = HeaderValue::from_str(&csp)
            .unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'self'"));
        Self { csp }
    }
}

/// `'sha256-…'` for every inline `<script>` of the sandbox's pages.
fn script_hashes() -> Vec<String> {
    let mut hashes = Vec::new();
    for page in PAGES {
        let mut rest = page;
        while let Some(start) = rest.find("<script>") {
            let after = &rest[start + "<script>".len()..];
            let Some(end) = after.find("</script>") else {
                break;
            };
            let digest = Sha256::digest(&after.as_bytes()[..end]);
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
            rest = &after[end..];
        }
    }
    hashes
}

/// The sandbox's Content-Security-Policy. Its pages fetch and frame only the sandbox itself;
/// they may be framed by the sandbox's own origin (where the app mounts it) and, for a sandbox
/// on a loopback address (the standalone one), by any local app.
pub fn csp(public_url: &str) -> String {
    let origin = url::Url::parse(public_url)
        .ok()
        .map(|u| u.origin())
        .filter(url::Origin::is_tuple)
        .map(|o| o.ascii_serialization());
    let is_loopback = url::Url::parse(public_url)
        .ok()
        .is_some_and(|u| match u.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        });
    let own = match &origin {
        Some(o) => format!("'self' {o}"),
        None => "'self'".to_owned(),
    };
    let mut ancestors = own.clone();
    if is_loopback {
        ancestors.push_str(" http://127.0.0.1:* http://localhost:*");
    }
    format!(
        "default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; \
         img-src 'self' data:; connect-src {own}; frame-src {own}; \
         frame-ancestors {ancestors}; base-uri 'none'; form-action 'self'; object-src 'none'",
        scripts = script_hashes().join(" "),
    )
}

/// Adds the sandbox's policy, `nosniff` and `Referrer-Policy: no-referrer` (its URLs may carry
/// a connect session token) to every sandbox response.
pub async fn add_headers(
    State(policy): State<Arc<PagePolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy.csp.clone());
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // Framing is governed by `frame-ancestors`; an X-Frame-Options from elsewhere would only
    // contradict it in old browsers.
    headers.remove(HeaderName::from_static("x-frame-options"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_inline_script_is_hashed() {
        let scripts: usize = PAGES.iter().map(|p| p.matches("<script").count()).sum();
        assert_eq!(script_hashes().len(), scripts);
        assert!(scripts >= 2);
    }

    #[test]
    fn the_mounted_sandbox_is_framed_by_its_own_origin_only() {
        let csp = csp("https://patchbay.example.com/sandbox/nango");
        assert!(csp.contains("frame-ancestors 'self' https://patchbay.example.com;"));
        assert!(csp.contains("connect-src 'self' https://patchbay.example.com;"));
        assert!(csp.contains("script-src 'sha256-"));
        assert!(!csp.contains("unsafe-eval"));
        assert!(!csp.contains("127.0.0.1"));
        assert!(HeaderValue::from_str(&csp).is_ok());
    }

    #[test]
    fn a_loopback_sandbox_may_be_framed_by_a_local_app() {
        let csp = csp("http://127.0.0.1:3003");
        assert!(csp.contains(
            "frame-ancestors 'self' http://127.0.0.1:3003 http://127.0.0.1:* http://localhost:*;"
        ));
    }
}

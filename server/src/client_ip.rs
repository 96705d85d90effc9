//! The client's IP, resolved once per request: the TCP peer, or — when the peer is one of the
//! proxies named in `PATCHBAY_TRUSTED_PROXY` — the address its `X-Forwarded-For` names
//! (`patchbay::client_ip::resolve`). The result rides along as a `ClientIp` extension that the
//! REST auth extractor and the server functions read.

use std::net::SocketAddr;

use axum::{
    RequestExt,
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use patchbay::client_ip::{ClientIp, TrustedProxies, resolve};

use crate::{config::ConfigError, state::AppState};

/// The variable that names the trusted proxies.
pub const TRUSTED_PROXY_VAR: &str = "PATCHBAY_TRUSTED_PROXY";

/// Reads `PATCHBAY_TRUSTED_PROXY` (unset or empty: no proxy is trusted).
pub fn trusted_proxies(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<TrustedProxies, ConfigError> {
    match get(TRUSTED_PROXY_VAR) {
        None => Ok(TrustedProxies::default()),
        Some(raw) => raw.parse().map_err(|message| ConfigError {
            var: TRUSTED_PROXY_VAR,
            message,
        }),
    }
}

/// Middleware: inserts the request's [`ClientIp`] (nothing when the peer is unknown).
pub async fn resolve_client_ip(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    // The extractor, not the bare extension: it also honours `MockConnectInfo` (tests).
    let peer = request
        .extract_parts::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(addr)| addr.ip());
    if let Some(peer) = peer {
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        let ip = resolve(peer, forwarded, &state.config.trusted_proxies);
        request.extensions_mut().insert(ClientIp(ip));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_is_optional_and_checked() {
        let unset = trusted_proxies(&|_| None).unwrap();
        assert!(unset.is_empty());
        let set = trusted_proxies(&|_| Some("127.0.0.1, 10.0.0.0/8".to_owned())).unwrap();
        assert!(set.contains("10.2.3.4".parse().unwrap()));
        let err = trusted_proxies(&|_| Some("nginx".to_owned())).unwrap_err();
        assert_eq!(err.var, TRUSTED_PROXY_VAR);
        assert!(err.to_string().contains("nginx"), "{err}");
    }
}

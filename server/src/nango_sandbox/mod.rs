//! Patchbay's built-in Nango sandbox: a local stand-in that speaks Nango's HTTP API, the Connect
//! UI postMessage protocol and signed webhooks (nango-api.md, Appendix A), so every flow works
//! offline. It keeps its state in memory and shares nothing with the product but the HTTP wire.

// Handlers return Nango's error answer as their `Err`; a response is large, but this is a
// test double off every hot path, and boxing each would only add noise.
#![allow(clippy::result_large_err)]

mod api;
mod connect_ui;
mod control;
mod fake_providers;
mod page_policy;
mod panora_fake;
mod state;
mod webhooks;

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Router,
    routing::{any, delete, get, post},
};

pub use panora_fake::{SANDBOX_PANORA_CRM_TOKEN, SANDBOX_PANORA_HRIS_TOKEN};
use state::Shared;
pub use state::{SandboxConfig, SandboxIntegration};

/// The fake Panora (mounted at `/sandbox/panora` in the app, `/panora` standalone), accepting
/// `api_key` as its `x-api-key`.
pub fn panora_router(api_key: String) -> Router {
    panora_fake::router(api_key)
}

/// The sandbox: cheap to clone, one state behind it.
#[derive(Clone)]
pub struct Sandbox {
    shared: Arc<Shared>,
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Result<Self, String> {
        Ok(Self {
            shared: Arc::new(Shared::new(config)?),
        })
    }

    /// The sandbox's routes, relative to where it is mounted.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/connect/sessions", post(api::create_session))
            .route(
                "/connect/sessions/reconnect",
                post(api::create_reconnect_session),
            )
            .route(
                "/connect/session",
                get(api::get_session).delete(api::delete_session),
            )
            .route("/connect", get(connect_ui::redirect_to_page))
            .route("/connect/", get(connect_ui::page))
            .route("/integrations", get(api::list_integrations))
            .route("/integrations/{key}", get(api::get_integration))
            .route("/providers", get(api::list_providers))
            .route("/providers/{provider}", get(api::get_provider))
            .route(
                "/connections",
                get(api::list_connections).post(api::import_connection),
            )
            .route(
                "/connection",
                get(api::list_connections).post(api::import_connection),
            )
            .route(
                "/connections/{id}",
                get(api::get_connection).delete(api::delete_connection),
            )
            .route(
                "/connection/{id}",
                get(api::get_connection).delete(api::delete_connection),
            )
            .route("/api-auth/api-key/{key}", post(connect_ui::api_key_auth))
            .route("/api-auth/basic/{key}", post(connect_ui::basic_auth))
            .route(
                "/_sandbox/oauth-approve/{key}",
                post(connect_ui::oauth_approve),
            )
            .route("/_sandbox/harness", get(connect_ui::harness))
            .route(
                "/_sandbox/requests",
                get(control::requests).delete(control::clear_requests),
            )
            .route(
                "/_sandbox/faults",
                post(control::add_fault).delete(control::clear_faults),
            )
            .route("/_sandbox/webhooks", get(control::webhooks))
            .route(
                "/_sandbox/connections/{id}/invalidate",
                post(control::invalidate),
            )
            .route(
                "/_sandbox/connections/{id}/refresh-failed",
                post(control::refresh_failed),
            )
            .route(
                "/_sandbox/connections/{id}/refresh-recovered",
                post(control::refresh_recovered),
            )
            .route("/proxy", any(fake_providers::proxy_root))
            .route("/proxy/{*path}", any(fake_providers::proxy))
            .route("/_sandbox", delete(control::reset))
            .layer(axum::middleware::from_fn_with_state(
                self.shared.clone(),
                control::record_and_inject,
            ))
            // The controls answer only to the sandbox key or a direct loopback peer.
            .layer(axum::middleware::from_fn_with_state(
                self.shared.clone(),
                control::guard_controls,
            ))
            .layer(axum::middleware::from_fn_with_state(
                Arc::new(page_policy::PagePolicy::new(&self.shared.config.public_url)),
                page_policy::add_headers,
            ))
            .with_state(self.shared.clone())
    }
}

/// True when `url`'s host is this machine (`localhost` or a loopback address).
fn is_loopback_url(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The start-up warning for a sandbox reachable from other machines: its Connect UI accepts any
/// credentials and its test controls take the sandbox key. `None` when it is local only.
pub fn exposure_warning(bind: SocketAddr, public_url: &url::Url) -> Option<String> {
    if bind.ip().is_loopback() && is_loopback_url(public_url) {
        return None;
    }
    Some(format!(
        "sandbox mode (no NANGO_SECRET_KEY) on a non-loopback address (bind {bind}, public URL \
         {public_url}): the built-in Nango sandbox at {mount} accepts any \
         credentials and is meant for local use; set NANGO_SECRET_KEY to use Nango",
        mount = crate::state::SANDBOX_MOUNT,
    ))
}

/// The standalone sandbox's routes: Nango at the root, the fake Panora under `/panora`.
pub fn standalone_router(config: SandboxConfig, panora_key: String) -> Result<Router, String> {
    let sandbox = Sandbox::new(config)?;
    Ok(sandbox
        .router()
        .nest_service("/panora", panora_router(panora_key)))
}

/// `patchbay sandbox --port N`: the sandbox on its own, without the app.
pub async fn serve_standalone(
    addr: SocketAddr,
    config: SandboxConfig,
    panora_key: String,
) -> Result<(), String> {
    let router = standalone_router(config, panora_key)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!(%addr, "the Nango sandbox is listening");
    // The peer address decides who may use the test controls without the key.
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    .map_err(|e| format!("sandbox error: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_loopback_bind_and_url_stay_quiet() {
        let local = SocketAddr::from(([127, 0, 0, 1], 3000));
        let all = SocketAddr::from(([0, 0, 0, 0], 3000));
        let url = |u: &str| url::Url::parse(u).expect("a URL");
        assert!(exposure_warning(local, &url("http://127.0.0.1:3000")).is_none());
        assert!(exposure_warning(local, &url("http://localhost:3000/")).is_none());
        assert!(exposure_warning(all, &url("http://127.0.0.1:3000")).is_some());
        assert!(exposure_warning(local, &url("https://patchbay.example.com")).is_some());
    }
}

//! Patchbay's built-in Nango sandbox: a local stand-in that speaks Nango's HTTP API (with its
//! CORS), the Connect UI postMessage protocol, the OAuth popup flow and signed webhooks
//! (docs/nango.md), plus fake providers behind `/proxy` and a fake Panora, so every flow works
//! offline. It keeps its state in memory and shares nothing with the product but the HTTP wire:
//! it depends on neither `patchbay` nor `app`, and signs webhooks with its own signer.
//!
//! Tests drive it in process through [`Sandbox`] (faults, request log, webhooks, reset);
//! browsers and the CLI use the same operations over HTTP under `/_sandbox/`, which answer only
//! to the sandbox's secret key or a direct loopback peer.

// Handlers return Nango's error answer as their `Err`; a response is large, but this is a
// test double off every hot path, and boxing each would only add noise.
#![allow(clippy::result_large_err)]

mod api;
mod connect_ui;
mod connection_updates;
mod control;
mod cors;
mod fake_providers;
mod fault;
mod oauth_popup;
mod page_policy;
mod panora_fake;
pub mod signature;
mod state;
mod webhooks;

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Router,
    routing::{any, delete, get, post},
};

/// Where a served app mounts the sandbox's Nango (the fake Panora goes to `/sandbox/panora`).
pub const SANDBOX_MOUNT: &str = "/sandbox/nango";

pub use control::is_control_path;
pub use panora_fake::{SANDBOX_PANORA_CRM_TOKEN, SANDBOX_PANORA_HRIS_TOKEN};
use state::Shared;
pub use state::{Fault, ReceivedRequest, SandboxConfig, SandboxIntegration, SentWebhook};

/// The fake Panora (mounted at `/sandbox/panora` in the app, `/panora` standalone), accepting
/// `api_key` as its `x-api-key`.
pub fn panora_router(api_key: String) -> Router {
    panora_fake::router(api_key)
}

/// The sandbox: cheap to clone, one state behind it. Besides its HTTP routes it is the typed
/// handle tests use in process, in the manner of wiremock: [`Sandbox::fault`],
/// [`Sandbox::received`], [`Sandbox::webhooks`], [`Sandbox::reset`] do what the `/_sandbox/*`
/// controls do over HTTP, through the same code.
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

    /// The configuration it was built with.
    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// Makes the next matching API requests fail or wait (`POST /_sandbox/faults`).
    pub fn fault(&self, fault: Fault) {
        self.shared.add_fault(fault);
    }

    /// Drops the faults not yet used up (`DELETE /_sandbox/faults`).
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// The API requests received, oldest first, the last 1000 (`GET /_sandbox/requests`).
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.shared.received()
    }

    /// Empties the request log (`DELETE /_sandbox/requests`).
    pub fn clear_received(&self) {
        self.shared.clear_received();
    }

    /// The webhooks sent, oldest first (`GET /_sandbox/webhooks`).
    pub fn webhooks(&self) -> Vec<SentWebhook> {
        self.shared.webhooks()
    }

    /// Forgets sessions, connections, the logs and faults; keeps the configuration
    /// (`DELETE /_sandbox`).
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Makes a connection's credentials fail, as a revoked grant would
    /// (`POST /_sandbox/connections/{id}/invalidate`); false when there is no such connection.
    pub fn invalidate(&self, connection_id: &str, provider_config_key: &str) -> bool {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("provider_config_key", provider_config_key)
            .finish();
        control::set_invalid(&self.shared, connection_id, Some(&query), true).is_ok()
    }

    /// Serves the sandbox (Nango at the root) on `listener` until the task is dropped; the peer
    /// address decides who may use the test controls without the key.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> Result<(), String> {
        axum::serve(
            listener,
            self.router()
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .map_err(|e| format!("sandbox error: {e}"))
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
                "/connections/metadata",
                post(connection_updates::set_metadata).patch(connection_updates::update_metadata),
            )
            .route(
                "/connection/metadata",
                post(connection_updates::set_metadata).patch(connection_updates::update_metadata),
            )
            .route(
                "/connections/{id}",
                get(api::get_connection)
                    .delete(api::delete_connection)
                    .patch(connection_updates::patch_connection),
            )
            .route(
                "/connection/{id}",
                get(api::get_connection).delete(api::delete_connection),
            )
            // Nango's OAuth popup flow: the SDK's WebSocket at the root, the popup's two pages.
            .route("/", get(oauth_popup::websocket))
            .route("/oauth/connect/{key}", get(oauth_popup::connect))
            .route("/oauth/callback", get(oauth_popup::callback))
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
            // Outermost, so that preflights are answered before anything else sees them.
            .layer(axum::middleware::from_fn(cors::add_cors))
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
        mount = SANDBOX_MOUNT,
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

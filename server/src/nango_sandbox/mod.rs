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
            .with_state(self.shared.clone())
    }
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
    axum::serve(listener, router)
        .await
        .map_err(|e| format!("sandbox error: {e}"))
}

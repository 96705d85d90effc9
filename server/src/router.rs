//! The one router: Leptos pages and server functions, the REST API, health probes and static
//! files, behind the origin check and request tracing. Tests build exactly this.

use app::{App, shell};
use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware,
    routing::{any, delete, get, post},
};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::trace::TraceLayer;

use crate::{
    origin::check_origin,
    render_guard,
    routes::{api_keys, connections, connectors, health, openapi, proxy, unified, webhooks},
    security_headers,
    state::AppState,
};

pub fn router(state: AppState) -> Router {
    let sandbox = state
        .sandbox_config()
        .map(crate::nango_sandbox::Sandbox::new)
        .transpose()
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "the Nango sandbox could not start");
            None
        });
    let routes = generate_route_list(App);
    let context = state.server_context();
    let fallback_context = context.clone();
    let page_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    let router = Router::new();
    let router = match sandbox {
        Some(sandbox) => router.nest_service(crate::state::SANDBOX_MOUNT, sandbox.router()),
        None => router,
    };
    let router = match state.sandbox_panora_key() {
        Some(key) => router.nest_service(
            crate::state::SANDBOX_PANORA_MOUNT,
            crate::nango_sandbox::panora_router(key),
        ),
        None => router,
    };
    router
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/v1/connectors", get(connectors::list_connectors))
        .route(
            "/api/v1/connectors/categories",
            get(connectors::list_categories),
        )
        .route("/api/v1/connections", get(connections::list))
        .route(
            "/api/v1/api-keys",
            get(api_keys::list).post(api_keys::create),
        )
        .route("/api/v1/api-keys/{id}", delete(api_keys::revoke))
        .route(
            "/api/integrations/unified",
            post(unified::unified).layer(DefaultBodyLimit::max(unified::MAX_BODY_BYTES)),
        )
        .route(
            "/api/proxy/{connection}/{*path}",
            any(proxy::forward).layer(DefaultBodyLimit::max(proxy::MAX_BODY_BYTES)),
        )
        .route("/api/openapi.json", get(openapi::spec))
        .route("/api/docs", get(openapi::docs_page))
        .route(
            "/api/webhooks/nango",
            post(webhooks::nango).layer(DefaultBodyLimit::max(webhooks::MAX_BODY_BYTES)),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(context.clone());
                security_headers::provide_request_nonce();
            },
            page_shell,
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            move || {
                provide_context(fallback_context.clone());
                security_headers::provide_request_nonce();
            },
            shell,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), check_origin))
        .layer(middleware::from_fn(render_guard::finish_renders))
        .layer(middleware::from_fn_with_state(
            std::sync::Arc::new(security_headers::SecurityHeaders::new(&state)),
            security_headers::apply,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

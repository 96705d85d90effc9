//! The one router: Leptos pages and server functions, the REST API, health probes and static
//! files, behind the origin check and request tracing. Tests build exactly this.

use app::{App, shell};
use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware,
    routing::{MethodRouter, any, delete, get, post},
};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::trace::TraceLayer;

use crate::{
    origin::check_origin,
    routes::{api_keys, connections, connectors, health, openapi, proxy, unified, webhooks},
    security_headers,
    state::AppState,
};

/// One REST route (not a Leptos page or server function): its path, the methods it answers,
/// and its handler.
pub struct RestRoute {
    pub path: &'static str,
    /// The methods the handler answers (`any` routes list the ones the product supports).
    pub methods: &'static [&'static str],
    pub handler: MethodRouter<AppState>,
}

const ANY: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

fn rest(
    path: &'static str,
    methods: &'static [&'static str],
    handler: MethodRouter<AppState>,
) -> RestRoute {
    RestRoute {
        path,
        methods,
        handler,
    }
}

/// Every REST route, declared once: the router is built from this list, and the tests read
/// it to sweep every route (a route missing from their table fails them).
pub fn rest_routes() -> Vec<RestRoute> {
    vec![
        rest("/healthz", &["GET"], get(health::healthz)),
        rest("/readyz", &["GET"], get(health::readyz)),
        rest(
            "/api/v1/connectors",
            &["GET"],
            get(connectors::list_connectors),
        ),
        rest(
            "/api/v1/connectors/categories",
            &["GET"],
            get(connectors::list_categories),
        ),
        rest("/api/v1/connections", &["GET"], get(connections::list)),
        rest(
            "/api/v1/api-keys",
            &["GET", "POST"],
            get(api_keys::list).post(api_keys::create),
        ),
        rest(
            "/api/v1/api-keys/{id}",
            &["DELETE"],
            delete(api_keys::revoke),
        ),
        rest(
            "/api/integrations/unified",
            &["POST"],
            post(unified::unified).layer(DefaultBodyLimit::max(unified::MAX_BODY_BYTES)),
        ),
        rest(
            "/api/proxy/{connection}/{*path}",
            ANY,
            any(proxy::forward).layer(DefaultBodyLimit::max(proxy::MAX_BODY_BYTES)),
        ),
        rest("/api/openapi.json", &["GET"], get(openapi::spec)),
        rest("/api/docs", &["GET"], get(openapi::docs_page)),
        rest(
            "/api/webhooks/nango",
            &["POST"],
            post(webhooks::nango).layer(DefaultBodyLimit::max(webhooks::MAX_BODY_BYTES)),
        ),
    ]
}

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
    let router = rest_routes().into_iter().fold(router, |router, route| {
        router.route(route.path, route.handler)
    });
    router
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
        .layer(middleware::from_fn(crate::body_limit::limit_bodies))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::client_ip::resolve_client_ip,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), check_origin))
        .layer(middleware::from_fn_with_state(
            std::sync::Arc::new(security_headers::SecurityHeaders::new(&state)),
            security_headers::apply,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

//! The one router: Leptos pages and server functions, the REST API, health probes and static
//! files, behind the origin check and request tracing. Tests build exactly this.

use app::{App, shell};
use axum::{
    Router,
    body::Body,
    extract::{DefaultBodyLimit, Request, State},
    http::{Method, Uri},
    middleware,
    response::IntoResponse,
    routing::any,
};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::trace::TraceLayer;
use utoipa::{
    Modify, OpenApi,
    openapi::{PathItem, Paths},
};
use utoipa_axum::{
    router::{OpenApiRouter, UtoipaMethodRouter},
    routes,
};

use crate::{
    api_error,
    origin::check_origin,
    routes::{api_keys, connections, connectors, health, openapi, proxy, unified, webhooks},
    security_headers,
    state::AppState,
};

/// One REST route (not a Leptos page or server function) as the generated document lists it:
/// its path (OpenAPI spelling: `{path}`, not axum's `{*path}`) and the methods it answers.
pub struct RestRoute {
    pub path: String,
    /// Upper case, e.g. `GET`.
    pub methods: Vec<String>,
}

/// Every REST route, declared once with its OpenAPI annotation: the router is built from this,
/// the document is generated from it, and the tests read the document's routes
/// ([`rest_routes`]) to sweep every one (a route missing from their table fails them).
pub fn rest_api() -> OpenApiRouter<AppState> {
    let mut api = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(strict(routes!(health::healthz)))
        .routes(strict(routes!(health::readyz)))
        .routes(strict(routes!(connectors::list_connectors)))
        .routes(strict(routes!(connectors::list_categories)))
        .routes(strict(routes!(connections::list)))
        .routes(strict(routes!(api_keys::list, api_keys::create)))
        .routes(strict(routes!(api_keys::revoke)))
        .routes(limited(
            strict(routes!(unified::unified)),
            unified::MAX_BODY_BYTES,
        ))
        .routes(strict(routes!(openapi::spec)))
        .routes(strict(routes!(openapi::docs_page)))
        .routes(limited(
            strict(routes!(webhooks::nango)),
            webhooks::MAX_BODY_BYTES,
        ))
        .merge(proxy_api());
    unified::DocumentedExamples.modify(api.get_openapi_mut());
    api
}

/// The proxy answers any method on a wildcard path, which `routes!` cannot mount: the
/// document gets its operations and axum its route, here side by side.
fn proxy_api() -> OpenApiRouter<AppState> {
    let (schemas, paths, _) = proxy::documented();
    let mut api = OpenApiRouter::new().route(
        proxy::ROUTE,
        any(proxy::forward).layer(DefaultBodyLimit::max(proxy::MAX_BODY_BYTES)),
    );
    let document = api.get_openapi_mut();
    document.paths.paths.extend(paths.paths);
    document
        .components
        .get_or_insert_with(Default::default)
        .schemas
        .extend(schemas);
    api
}

/// A route whose other methods answer 405 in the error envelope, with `Allow`.
fn strict(
    (schemas, paths, method_router): UtoipaMethodRouter<AppState>,
) -> UtoipaMethodRouter<AppState> {
    let allowed = documented_methods(&paths);
    let method_router =
        method_router.fallback(move || std::future::ready(api_error::method_not_allowed(&allowed)));
    (schemas, paths, method_router)
}

/// A route with its own body limit.
fn limited(
    (schemas, paths, method_router): UtoipaMethodRouter<AppState>,
    max_bytes: usize,
) -> UtoipaMethodRouter<AppState> {
    (
        schemas,
        paths,
        method_router.layer(DefaultBodyLimit::max(max_bytes)),
    )
}

/// The methods of every operation in `paths`.
fn documented_methods(paths: &Paths) -> Vec<Method> {
    paths
        .paths
        .values()
        .flat_map(|item| {
            let PathItem {
                get,
                post,
                put,
                patch,
                delete,
                head,
                options,
                trace,
                ..
            } = item;
            [
                (Method::GET, get),
                (Method::POST, post),
                (Method::PUT, put),
                (Method::PATCH, patch),
                (Method::DELETE, delete),
                (Method::HEAD, head),
                (Method::OPTIONS, options),
                (Method::TRACE, trace),
            ]
            .into_iter()
            .filter(|(_, operation)| operation.is_some())
            .map(|(method, _)| method)
        })
        .collect()
}

/// Every REST route of the generated document, with its methods.
pub fn rest_routes() -> Vec<RestRoute> {
    let Some(paths) = openapi::DOCUMENT["paths"].as_object() else {
        return Vec::new();
    };
    paths
        .iter()
        .map(|(path, item)| RestRoute {
            path: path.clone(),
            methods: openapi::METHODS
                .iter()
                .filter(|method| item.get(**method).is_some())
                .map(|method| method.to_ascii_uppercase())
                .collect(),
        })
        .collect()
}

/// True for `/api` and everything under `/api/`: what the REST API answers for, in JSON.
fn is_api_path(uri: &Uri) -> bool {
    let path = uri.path();
    path == "/api" || path.starts_with("/api/")
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
    let (rest, _) = rest_api().split_for_parts();
    let router = router.merge(rest);
    std::sync::LazyLock::force(&openapi::PAGE);
    let pages_fallback = leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        move || {
            provide_context(fallback_context.clone());
            security_headers::provide_request_nonce();
        },
        shell,
    );
    // Unknown `/api/…` paths answer the JSON envelope; everything else the app's own pages.
    let fallback = move |uri: Uri, state: State<AppState>, request: Request<Body>| async move {
        if is_api_path(&uri) {
            api_error::unknown_api_path().await
        } else {
            pages_fallback(uri, state, request).await.into_response()
        }
    };
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
        .fallback(fallback)
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

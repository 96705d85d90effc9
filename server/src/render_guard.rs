//! Page renders run to completion even when the client hangs up. Leptos renders a page inside
//! the response future while some of its work runs in spawned tasks (the `Suspense` /
//! `Transition` effect that re-walks the children, resource loads). Dropping that future
//! mid-render (a client that disconnects) drops the page's reactive owner while those tasks
//! still run on other worker threads; they then build views (`<A/>`, `use_navigate`) whose
//! `Router` context is already gone, or read disposed signals, and panic. So a page render is
//! moved into a task of its own: a hang-up only drops the wait for it, and the render, its
//! stream and Leptos' orderly clean-up at the end of the stream run to the end.

use axum::{
    body::to_bytes,
    extract::Request,
    http::{Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// How much of an abandoned page is read (to let Leptos finish) before giving up on it.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// True for requests the Leptos page handlers (or the 404 page) may answer: GET/HEAD outside
/// the REST API, server functions, the sandbox and the compiled assets.
pub fn renders_a_page(method: &Method, path: &str) -> bool {
    (method == Method::GET || method == Method::HEAD)
        && !["/api/", "/sandbox/", "/pkg/"]
            .iter()
            .any(|prefix| path.starts_with(prefix))
        && path != "/healthz"
        && path != "/readyz"
}

/// The middleware: renders pages in a detached task and waits for the response.
pub async fn finish_renders(request: Request, next: Next) -> Response {
    if !renders_a_page(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let response = next.run(request).await;
        if let Err(abandoned) = tx.send(response) {
            // The client is gone: read the rest of the page so that the render's stream ends
            // and Leptos cleans its reactive owner up in order.
            let _ = to_bytes(abandoned.into_body(), DRAIN_LIMIT).await;
        }
    });
    match rx.await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!("a page render ended without a response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_page_loads_are_detached() {
        assert!(renders_a_page(&Method::GET, "/"));
        assert!(renders_a_page(&Method::GET, "/connections"));
        assert!(renders_a_page(&Method::HEAD, "/connectors/hubspot"));
        assert!(!renders_a_page(&Method::POST, "/sign-in"));
        assert!(!renders_a_page(&Method::GET, "/api/v1/connectors"));
        assert!(!renders_a_page(&Method::GET, "/api/proxy/c/x"));
        assert!(!renders_a_page(&Method::GET, "/sandbox/nango/connect/"));
        assert!(!renders_a_page(&Method::GET, "/pkg/patchbay.wasm"));
        assert!(!renders_a_page(&Method::GET, "/healthz"));
    }
}

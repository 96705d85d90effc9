//! Liveness and readiness probes.

use axum::http::StatusCode;

use crate::helpers::{Backend, TestApp};

async fn probes_answer_when_the_database_does(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let live = app.get("/healthz").await;
    assert_eq!(live.status, StatusCode::OK);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json()["database"], "ok");
    app.hub.db.close().await;
    let closed = app.get("/readyz").await;
    assert_eq!(closed.status, StatusCode::SERVICE_UNAVAILABLE);
}

crate::on_both_backends!(probes_answer_when_the_database_does);

#[tokio::test]
async fn the_api_reference_is_served_as_json_and_html() {
    let app = TestApp::builder(Backend::Sqlite).build().await;
    let spec = app.get("/api/openapi.json").await;
    assert_eq!(spec.status, axum::http::StatusCode::OK);
    let spec = spec.json();
    assert_eq!(spec["openapi"], "3.1.0");
    for path in [
        "/api/v1/connectors",
        "/api/v1/connections",
        "/api/v1/api-keys",
        "/api/v1/api-keys/{id}",
        "/api/integrations/unified",
        "/api/proxy/{connection}/{path}",
        "/api/webhooks/nango",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} is documented");
    }
    let page = app.get("/api/docs").await;
    assert_eq!(page.status, axum::http::StatusCode::OK);
    assert!(page.body.contains("Patchbay API reference"));
    assert!(page.body.contains("/api/integrations/unified"));
}

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

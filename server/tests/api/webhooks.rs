//! `POST /api/webhooks/nango`: signatures, storing once, and the effect on connections.

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use patchbay::nango::signature::{hmac_sha256_hex, legacy_sha256_hex};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, TestResponse, WEBHOOK_SECRET};

enum Signature {
    Hmac,
    Legacy,
    Wrong,
    Missing,
}

async fn deliver(app: &TestApp, body: &[u8], signature: Signature) -> TestResponse {
    let mut request =
        Request::post("/api/webhooks/nango").header("content-type", "application/json");
    request = match signature {
        Signature::Hmac => {
            request.header("X-Nango-Hmac-Sha256", hmac_sha256_hex(WEBHOOK_SECRET, body))
        }
        Signature::Legacy => {
            request.header("X-Nango-Signature", legacy_sha256_hex(WEBHOOK_SECRET, body))
        }
        Signature::Wrong => {
            request.header("X-Nango-Hmac-Sha256", hmac_sha256_hex("another-key", body))
        }
        Signature::Missing => request,
    };
    app.send(request.body(Body::from(body.to_vec())).unwrap())
        .await
}

/// An `auth` event for `org_id` as Nango sends it (also used by the security races).
pub fn auth_event_value(
    org_id: &str,
    user_id: &str,
    connection_id: &str,
    operation: &str,
    success: bool,
) -> serde_json::Value {
    let mut event = json!({
        "from": "nango",
        "type": "auth",
        "operation": operation,
        "success": success,
        "connectionId": connection_id,
        "providerConfigKey": "hubspot",
        "provider": "hubspot",
        "authMode": "OAUTH2",
        "environment": "dev",
        "tags": { "end_user_id": user_id, "organization_id": org_id },
        "endUser": { "endUserId": user_id, "organizationId": org_id, "tags": {} },
    });
    if !success {
        event["error"] =
            json!({ "type": "refresh_token_external_error", "description": "invalid_grant" });
    }
    event
}

/// An `auth` event for `org_id`, serialised the way Nango does (sorted keys, compact).
fn auth_event(
    org_id: &str,
    user_id: &str,
    connection_id: &str,
    operation: &str,
    success: bool,
) -> Vec<u8> {
    serde_json::to_vec(&auth_event_value(
        org_id,
        user_id,
        connection_id,
        operation,
        success,
    ))
    .unwrap()
}

async fn connection_status(app: &TestApp, connection_id: &str) -> Option<(String, String)> {
    sqlx::query_as::<_, (String, String)>(
        "SELECT status, connector_slug FROM connections WHERE nango_connection_id = $1",
    )
    .bind(connection_id)
    .fetch_optional(app.hub.db.pool())
    .await
    .unwrap()
}

async fn stored_events(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events")
        .fetch_one(app.hub.db.pool())
        .await
        .unwrap()
}

async fn signed_up_org(app: &TestApp) -> (String, String) {
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let viewer: Value = ada.viewer().await;
    (
        viewer["org"]["id"].as_str().unwrap().to_owned(),
        viewer["user_id"].as_str().unwrap().to_owned(),
    )
}

async fn a_signed_creation_records_the_connection_once(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let (org, user) = signed_up_org(&app).await;
    let body = auth_event(&org, &user, "conn-1", "creation", true);

    let first = deliver(&app, &body, Signature::Hmac).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.json()["outcome"], "applied");
    assert_eq!(
        connection_status(&app, "conn-1").await,
        Some(("active".to_owned(), "hubspot".to_owned()))
    );

    let again = deliver(&app, &body, Signature::Hmac).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["outcome"], "duplicate");
    assert_eq!(again.json()["event_id"], first.json()["event_id"]);
    assert_eq!(stored_events(&app).await, 1, "stored once");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM connections")
        .fetch_one(app.hub.db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1, "one effect");
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'connection.created'")
            .fetch_one(app.hub.db.pool())
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

async fn bad_or_missing_signatures_are_refused_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let (org, user) = signed_up_org(&app).await;
    let body = auth_event(&org, &user, "conn-2", "creation", true);
    let wrong = deliver(&app, &body, Signature::Wrong).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json()["error"]["code"], "invalid_signature");
    let missing = deliver(&app, &body, Signature::Missing).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert!(
        missing.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missing")
    );
    assert_eq!(stored_events(&app).await, 0);
    assert_eq!(connection_status(&app, "conn-2").await, None);
}

async fn the_legacy_signature_is_accepted(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let (org, user) = signed_up_org(&app).await;
    let body = auth_event(&org, &user, "conn-3", "creation", true);
    let response = deliver(&app, &body, Signature::Legacy).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let signature: String = sqlx::query_scalar("SELECT signature FROM webhook_events")
        .fetch_one(app.hub.db.pool())
        .await
        .unwrap();
    assert_eq!(signature, "legacy");
}

async fn refresh_failures_and_recoveries_move_the_status(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let (org, user) = signed_up_org(&app).await;
    deliver(
        &app,
        &auth_event(&org, &user, "conn-4", "creation", true),
        Signature::Hmac,
    )
    .await;

    let failed = deliver(
        &app,
        &auth_event(&org, &user, "conn-4", "refresh", false),
        Signature::Hmac,
    )
    .await;
    assert_eq!(failed.json()["outcome"], "applied", "{}", failed.body);
    assert_eq!(
        connection_status(&app, "conn-4").await.unwrap().0,
        "needs_reconnect"
    );

    let recovered = deliver(
        &app,
        &auth_event(&org, &user, "conn-4", "refresh", true),
        Signature::Hmac,
    )
    .await;
    assert_eq!(recovered.json()["outcome"], "applied", "{}", recovered.body);
    assert_eq!(connection_status(&app, "conn-4").await.unwrap().0, "active");
}

async fn unknown_types_and_unknown_organisations_are_stored_and_acknowledged(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let sync = serde_json::to_vec(&json!({"from":"nango","type":"sync","connectionId":"c","providerConfigKey":"hubspot","success":true})).unwrap();
    let response = deliver(&app, &sync, Signature::Hmac).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json()["outcome"], "stored");

    let brand_new = serde_json::to_vec(&json!({"type":"something_new","x":1})).unwrap();
    assert_eq!(
        deliver(&app, &brand_new, Signature::Hmac).await.json()["outcome"],
        "stored"
    );

    let stranger = auth_event("no-such-org", "u", "conn-5", "creation", true);
    let ignored = deliver(&app, &stranger, Signature::Hmac).await;
    assert_eq!(ignored.json()["outcome"], "ignored");
    assert_eq!(connection_status(&app, "conn-5").await, None);
    assert_eq!(
        stored_events(&app).await,
        3,
        "every verified delivery is kept for the log"
    );
}

async fn oversized_bodies_are_refused(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let huge = vec![b'x'; 1024 * 1024 + 1];
    let response = deliver(&app, &huge, Signature::Hmac).await;
    assert_eq!(
        response.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        response.body
    );
    assert_eq!(stored_events(&app).await, 0);
}

async fn concurrent_deliveries_all_land(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let (org, user) = signed_up_org(&app).await;
    let bodies: Vec<Vec<u8>> = (0..4)
        .map(|i| auth_event(&org, &user, &format!("parallel-{i}"), "creation", true))
        .collect();
    let (a, b, c, d) = tokio::join!(
        deliver(&app, &bodies[0], Signature::Hmac),
        deliver(&app, &bodies[1], Signature::Hmac),
        deliver(&app, &bodies[2], Signature::Hmac),
        deliver(&app, &bodies[3], Signature::Hmac),
    );
    for response in [a, b, c, d] {
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    }
    assert_eq!(stored_events(&app).await, 4);
}

crate::on_both_backends!(
    concurrent_deliveries_all_land,
    a_signed_creation_records_the_connection_once,
    bad_or_missing_signatures_are_refused_and_nothing_is_stored,
    the_legacy_signature_is_accepted,
    refresh_failures_and_recoveries_move_the_status,
    unknown_types_and_unknown_organisations_are_stored_and_acknowledged,
    oversized_bodies_are_refused,
);

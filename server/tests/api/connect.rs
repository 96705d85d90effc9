//! The Connect flow's server side against a real (sandbox) Nango over HTTP: start, confirm,
//! and tenant isolation: another organisation can neither confirm nor see a connection.

use axum::http::StatusCode;
use serde_json::Value;

use crate::helpers::{Backend, Browser, TestApp};

async fn start(browser: &mut Browser<'_>, slug: &str) -> (String, String) {
    let started = browser.call("connect/start", &[("slug", slug)]).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let body = started.json();
    (
        body["session_token"].as_str().unwrap().to_owned(),
        body["provider_config_key"].as_str().unwrap().to_owned(),
    )
}

async fn accounts(browser: &mut Browser<'_>, slug: &str) -> Vec<Value> {
    let detail = browser.call("catalog/connector", &[("slug", slug)]).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    detail.json()["connections"].as_array().unwrap().clone()
}

async fn connecting_records_the_connection_for_the_organisation(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let (token, key) = start(&mut ada, "hubspot").await;
    assert!(token.starts_with("nango_connect_session_"));
    assert_eq!(key, "hubspot");
    let connection_id = app.approve_oauth(&key, &token).await;

    let confirmed = ada
        .call(
            "connect/confirm",
            &[
                ("provider_config_key", &key),
                ("connection_id", &connection_id),
            ],
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let listed = accounts(&mut ada, "hubspot").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "active");
    assert_eq!(listed[0]["connected_by"], "Ada");

    // Confirming twice changes nothing.
    ada.call(
        "connect/confirm",
        &[
            ("provider_config_key", &key),
            ("connection_id", &connection_id),
        ],
    )
    .await;
    assert_eq!(accounts(&mut ada, "hubspot").await.len(), 1);
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'connection.created'")
            .fetch_one(app.hub.db.pool())
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

async fn another_organisation_can_neither_confirm_nor_see_a_connection(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let (token, key) = start(&mut ada, "hubspot").await;
    let connection_id = app.approve_oauth(&key, &token).await;

    let mut eve = app.browser();
    eve.sign_up("eve@example.com", "Eve").await;
    let stolen = eve
        .call(
            "connect/confirm",
            &[
                ("provider_config_key", &key),
                ("connection_id", &connection_id),
            ],
        )
        .await;
    assert_eq!(stolen.status, StatusCode::FORBIDDEN, "{}", stolen.body);
    assert!(accounts(&mut eve, "hubspot").await.is_empty());
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM connections")
        .fetch_one(app.hub.db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 0, "nothing was recorded");

    ada.call(
        "connect/confirm",
        &[
            ("provider_config_key", &key),
            ("connection_id", &connection_id),
        ],
    )
    .await;
    assert_eq!(accounts(&mut ada, "hubspot").await.len(), 1);
    assert!(
        accounts(&mut eve, "hubspot").await.is_empty(),
        "Eve still sees nothing"
    );
    let page = eve.page("/?q=hubspot").await;
    assert!(!page.body.contains("connected-badge"), "nor on her catalog");
}

async fn bad_confirmations_and_starts_get_clear_errors(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let mut ada = app.browser();
    let signed_out = ada.call("connect/start", &[("slug", "hubspot")]).await;
    assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);
    ada.sign_up("ada@example.com", "Ada").await;
    let unknown = ada
        .call(
            "connect/confirm",
            &[
                ("provider_config_key", "hubspot"),
                ("connection_id", "nope"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    let no_such_connector = ada
        .call("connect/start", &[("slug", "gardening-tool")])
        .await;
    assert_eq!(no_such_connector.status, StatusCode::NOT_FOUND);
    let not_nango = ada.call("connect/start", &[("slug", "heap")]).await;
    assert_eq!(
        not_nango.status,
        StatusCode::BAD_REQUEST,
        "{}",
        not_nango.body
    );
    assert!(
        not_nango.json()["message"]
            .as_str()
            .unwrap()
            .contains("not powered by Nango")
    );
}

async fn connection_actions_over_http_stay_inside_the_organisation(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let (token, key) = start(&mut ada, "hubspot").await;
    let connection_id = app.approve_oauth(&key, &token).await;
    ada.call(
        "connect/confirm",
        &[
            ("provider_config_key", &key),
            ("connection_id", &connection_id),
        ],
    )
    .await;
    let listed = ada.call("connections/list", &[]).await.json();
    let id = listed["rows"][0]["id"].as_str().unwrap().to_owned();

    let mut eve = app.browser();
    eve.sign_up("eve@example.com", "Eve").await;
    let hers = eve.call("connections/list", &[]).await.json();
    assert!(
        hers["rows"].as_array().unwrap().is_empty(),
        "Eve sees none of Ada's connections"
    );
    for endpoint in [
        "connections/check",
        "connections/reconnect",
        "connections/disconnect",
    ] {
        let refused = eve.call(endpoint, &[("id", &id)]).await;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "{endpoint}: {}",
            refused.body
        );
    }
    let admin = eve.call("admin/overview", &[]).await;
    assert_eq!(
        admin.status,
        StatusCode::OK,
        "Eve administers her own organisation"
    );
    assert!(admin.json()["connections"].as_array().unwrap().is_empty());

    let checked = ada.call("connections/check", &[("id", &id)]).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert_eq!(checked.json(), "active");
    let overview = ada.call("admin/overview", &[("status", "active")]).await;
    assert_eq!(overview.json()["connections"].as_array().unwrap().len(), 1);
    let bad_filter = ada.call("admin/overview", &[("status", "sleeping")]).await;
    assert_eq!(bad_filter.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_filter.json()["field"], "status");
}

crate::on_both_backends!(
    connection_actions_over_http_stay_inside_the_organisation,
    connecting_records_the_connection_for_the_organisation,
    another_organisation_can_neither_confirm_nor_see_a_connection,
    bad_confirmations_and_starts_get_clear_errors,
);

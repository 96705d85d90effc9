//! Issue 9, storage: the connect race (browser confirmation against the creation webhook),
//! concurrent duplicate webhooks, deduplication only within Nango's retry window, bodies
//! holding NUL characters, connections that never change organisation, and the Panora token
//! encrypted at rest.

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use patchbay::nango::signature::hmac_sha256_hex;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::{
    helpers::{Backend, Browser, TestApp, WEBHOOK_SECRET},
    webhooks::auth_event_value as auth_event,
};

/// Delivers a signed webhook through a router clone (so many can run at once); the status and
/// body of the answer.
async fn deliver(router: Router, body: Vec<u8>) -> (StatusCode, String) {
    let request = Request::post("/api/webhooks/nango")
        .header("content-type", "application/json")
        .header(
            "X-Nango-Hmac-Sha256",
            hmac_sha256_hex(WEBHOOK_SECRET, &body),
        )
        .body(Body::from(body))
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1024 * 1024)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.hub.db.pool())
        .await
        .unwrap()
}

async fn status_of(app: &TestApp, connection_id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM connections WHERE nango_connection_id = $1")
        .bind(connection_id)
        .fetch_one(app.hub.db.pool())
        .await
        .unwrap()
}

async fn signed_up(browser: &mut Browser<'_>, email: &str, name: &str) -> (String, String) {
    let signed = browser.sign_up(email, name).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    let viewer = browser.viewer().await;
    (
        viewer["org"]["id"].as_str().unwrap().to_owned(),
        viewer["user_id"].as_str().unwrap().to_owned(),
    )
}

/// Connect UI's part: a session, approved at the sandbox; the new connection's id.
async fn approved_connection(app: &TestApp, browser: &mut Browser<'_>) -> String {
    let started = browser.call("connect/start", &[("slug", "hubspot")]).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let token = started.json()["session_token"].as_str().unwrap().to_owned();
    app.approve_oauth("hubspot", &token).await
}

async fn the_confirmation_and_the_webhook_may_race(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let mut ada = app.browser();
    let (org, user) = signed_up(&mut ada, "ada@example.com", "Ada").await;
    const ROUNDS: usize = 30;
    for round in 0..ROUNDS {
        let connection_id = approved_connection(&app, &mut ada).await;
        let webhook = bytes(&auth_event(&org, &user, &connection_id, "creation", true));
        let fields = [
            ("provider_config_key", "hubspot"),
            ("connection_id", connection_id.as_str()),
        ];
        let (confirmed, (hook_status, hook_body)) = tokio::join!(
            ada.call("connect/confirm", &fields),
            deliver(app.router.clone(), webhook),
        );
        assert_eq!(
            confirmed.status,
            StatusCode::OK,
            "round {round}: the confirmation: {}",
            confirmed.body
        );
        assert_eq!(
            hook_status,
            StatusCode::OK,
            "round {round}: the webhook: {hook_body}"
        );
    }
    let rows = count(&app, "SELECT COUNT(*) FROM connections").await;
    assert_eq!(rows, ROUNDS as i64, "one row per connection");
    let created = count(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'connection.created'",
    )
    .await;
    assert_eq!(created, ROUNDS as i64, "one creation entry per connection");
    let distinct = count(
        &app,
        "SELECT COUNT(DISTINCT target) FROM audit_log WHERE action = 'connection.created'",
    )
    .await;
    assert_eq!(distinct, ROUNDS as i64);
}

async fn concurrent_duplicate_deliveries_are_stored_once(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let mut ada = app.browser();
    let (org, user) = signed_up(&mut ada, "ada@example.com", "Ada").await;
    const COPIES: usize = 20;
    for round in 0..3 {
        let body = bytes(&auth_event(
            &org,
            &user,
            &format!("dup-{round}"),
            "creation",
            true,
        ));
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..COPIES {
            set.spawn(deliver(app.router.clone(), body.clone()));
        }
        let mut outcomes = Vec::new();
        while let Some(joined) = set.join_next().await {
            let (status, body) = joined.unwrap();
            assert_eq!(status, StatusCode::OK, "round {round}: {body}");
            let answer: Value = serde_json::from_str(&body).unwrap();
            outcomes.push(answer["outcome"].as_str().unwrap().to_owned());
        }
        assert_eq!(
            outcomes.iter().filter(|o| *o == "applied").count(),
            1,
            "{outcomes:?}"
        );
        assert_eq!(
            outcomes.iter().filter(|o| *o == "duplicate").count(),
            COPIES - 1,
            "{outcomes:?}"
        );
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_events").await, 3);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM connections").await, 3);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'connection.created'"
        )
        .await,
        3
    );
}

async fn an_identical_refresh_failure_after_the_retry_window_applies_again(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let mut ada = app.browser();
    let (org, user) = signed_up(&mut ada, "ada@example.com", "Ada").await;
    let router = || app.router.clone();
    let created = deliver(
        router(),
        bytes(&auth_event(&org, &user, "conn-r", "creation", true)),
    )
    .await;
    assert_eq!(created.0, StatusCode::OK, "{}", created.1);
    let failure = bytes(&auth_event(&org, &user, "conn-r", "refresh", false));
    let recovery = bytes(&auth_event(&org, &user, "conn-r", "refresh", true));

    let (status, body) = deliver(router(), failure.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(status_of(&app, "conn-r").await, "needs_reconnect");
    // Nango's retry of the same delivery, minutes later: a duplicate.
    let (_, retried) = deliver(router(), failure.clone()).await;
    assert_eq!(
        serde_json::from_str::<Value>(&retried).unwrap()["outcome"],
        "duplicate"
    );

    deliver(router(), recovery).await;
    assert_eq!(status_of(&app, "conn-r").await, "active");

    // Days later the refresh fails again, with exactly the same bytes.
    sqlx::query("UPDATE webhook_events SET received_at = received_at - $1")
        .bind(3 * 24 * 3600 * 1000_i64)
        .execute(app.hub.db.pool())
        .await
        .unwrap();
    let (status, body) = deliver(router(), failure).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["outcome"],
        "applied",
        "{body}"
    );
    assert_eq!(status_of(&app, "conn-r").await, "needs_reconnect");
}

async fn bodies_with_nul_characters_are_answered_and_stored(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let mut ada = app.browser();
    let (org, user) = signed_up(&mut ada, "ada@example.com", "Ada").await;
    let mut escaped = auth_event(&org, &user, "a\u{0}b", "creation", true);
    escaped["tags"]["note"] = json!("x\u{0}y");
    escaped["error"] = json!({ "type": "t\u{0}", "description": "\u{0}" });
    let escaped = bytes(&escaped);
    assert!(
        String::from_utf8_lossy(&escaped).contains("\\u0000"),
        "JSON escapes NUL"
    );
    let mut failed_refresh = auth_event(&org, &user, "a\u{0}b", "refresh", false);
    failed_refresh["error"]["description"] = json!("bad\u{0}grant");
    let failed_refresh = bytes(&failed_refresh);
    let raw_nul = b"{\"type\":\"auth\",\"x\":\"\x00\"}\x00".to_vec();
    let not_json = b"\x00\x00\xff\xfe".to_vec();

    for body in [escaped, failed_refresh, raw_nul, not_json] {
        for attempt in 0..2 {
            let (status, answer) = deliver(app.router.clone(), body.clone()).await;
            assert!(
                status.is_success() || status.is_client_error(),
                "attempt {attempt}: {status} {answer}"
            );
        }
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_events").await, 4);
}

async fn a_connection_never_moves_to_another_organisation(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let mut ada = app.browser();
    let (ada_org, ada_id) = signed_up(&mut ada, "ada@example.com", "Ada").await;
    let mut eve = app.browser();
    let (eve_org, eve_id) = signed_up(&mut eve, "eve@example.com", "Eve").await;

    let (status, body) = deliver(
        app.router.clone(),
        bytes(&auth_event(&ada_org, &ada_id, "shared", "creation", true)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = deliver(
        app.router.clone(),
        bytes(&auth_event(&ada_org, &ada_id, "shared", "refresh", false)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A report naming Eve's organisation for Ada's connection changes nothing.
    let (status, body) = deliver(
        app.router.clone(),
        bytes(&auth_event(&eve_org, &eve_id, "shared", "override", true)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["outcome"],
        "ignored",
        "{body}"
    );
    let owner: String =
        sqlx::query_scalar("SELECT org_id FROM connections WHERE nango_connection_id = 'shared'")
            .fetch_one(app.hub.db.pool())
            .await
            .unwrap();
    assert_eq!(owner, ada_org);
    assert_eq!(status_of(&app, "shared").await, "needs_reconnect");
    let eves_entries: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE org_id = $1 AND action LIKE 'connection.%'",
    )
    .bind(&eve_org)
    .fetch_one(app.hub.db.pool())
    .await
    .unwrap();
    assert_eq!(
        eves_entries, 0,
        "nothing about Ada's connection in Eve's log"
    );
}

async fn the_panora_token_is_encrypted_at_rest(backend: Backend) {
    const TOKEN: &str = "7f0c7a52-8b4e-4d2a-9d55-0a4f6c1e3b01";
    let app = TestApp::builder(backend).build().await;
    let mut ada = app.browser();
    let (org, _) = signed_up(&mut ada, "ada@example.com", "Ada").await;
    let saved = ada
        .call(
            "settings/save_panora",
            &[("connection_token", TOKEN), ("label", "CRM")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);

    let stored: String =
        sqlx::query_scalar("SELECT connection_token FROM panora_links WHERE org_id = $1")
            .bind(&org)
            .fetch_one(app.hub.db.pool())
            .await
            .unwrap();
    assert!(!stored.contains(TOKEN), "{stored}");
    assert!(!stored.contains("3b01"), "not even its tail: {stored}");
    let audit: Vec<String> = sqlx::query_scalar("SELECT detail FROM audit_log")
        .fetch_all(app.hub.db.pool())
        .await
        .unwrap();
    assert!(audit.iter().all(|d| !d.contains(TOKEN)));
    assert_eq!(
        patchbay::unified::panora::link::token(&app.hub, &org)
            .await
            .unwrap(),
        Some(TOKEN.to_owned())
    );
    let settings = ada.call("settings/load", &[]).await;
    assert_eq!(settings.status, StatusCode::OK, "{}", settings.body);
    assert!(!settings.body.contains(TOKEN), "{}", settings.body);
    assert!(settings.body.contains("…3b01"), "{}", settings.body);

    // Another organisation's row cannot be made to open with a swapped ciphertext.
    let mut eve = app.browser();
    let (eve_org, _) = signed_up(&mut eve, "eve@example.com", "Eve").await;
    sqlx::query(
        "INSERT INTO panora_links (org_id, connection_token, label, updated_by, updated_at)
         VALUES ($1, $2, NULL, NULL, 0)",
    )
    .bind(&eve_org)
    .bind(&stored)
    .execute(app.hub.db.pool())
    .await
    .unwrap();
    assert!(
        patchbay::unified::panora::link::token(&app.hub, &eve_org)
            .await
            .is_err()
    );

    // A row written before encryption is read, then sealed.
    let legacy = "11111111-2222-4333-8444-555555555555";
    sqlx::query("UPDATE panora_links SET connection_token = $1 WHERE org_id = $2")
        .bind(legacy)
        .bind(&org)
        .execute(app.hub.db.pool())
        .await
        .unwrap();
    assert_eq!(
        patchbay::unified::panora::link::token(&app.hub, &org)
            .await
            .unwrap(),
        Some(legacy.to_owned())
    );
    let resealed: String =
        sqlx::query_scalar("SELECT connection_token FROM panora_links WHERE org_id = $1")
            .bind(&org)
            .fetch_one(app.hub.db.pool())
            .await
            .unwrap();
    assert!(!resealed.contains(legacy), "{resealed}");
    assert_eq!(
        patchbay::unified::panora::link::token(&app.hub, &org)
            .await
            .unwrap(),
        Some(legacy.to_owned())
    );
}

crate::on_both_backends!(
    the_confirmation_and_the_webhook_may_race,
    concurrent_duplicate_deliveries_are_stored_once,
    an_identical_refresh_failure_after_the_retry_window_applies_again,
    bodies_with_nul_characters_are_answered_and_stored,
    a_connection_never_moves_to_another_organisation,
    the_panora_token_is_encrypted_at_rest,
);

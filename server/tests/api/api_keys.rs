//! API keys: created by admins and shown once, stored as a digest with a visible prefix, their
//! last use recorded, revoked at once; `/api/*` without a key or a session is a 401.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, TestApp};

async fn the_key_lifecycle(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let key = ada.create_api_key("billing sync").await;
    assert!(key.starts_with("pbk_") && key.len() == 52, "{key}");

    let listed = app
        .rest("GET", "/api/v1/api-keys", None, ada.cookie(), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let item = listed.json()["api_keys"][0].clone();
    assert_eq!(item["name"], "billing sync");
    assert_eq!(item["prefix"], json!(&key[..12]));
    assert_eq!(item["last_used_at"], json!(null));
    assert_eq!(item["created_by"], "Ada");
    assert!(!listed.body.contains(&key[12..]), "the key is never listed");
    let stored: String = sqlx::query_scalar("SELECT key_digest FROM api_keys")
        .fetch_one(app.hub.db.pool())
        .await
        .unwrap();
    assert!(!stored.contains(&key[4..]), "only a digest is stored");

    let used = app
        .rest("GET", "/api/v1/connections", Some(&key), None, None)
        .await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.body);
    let listed = app
        .rest("GET", "/api/v1/api-keys", None, ada.cookie(), None)
        .await
        .json();
    assert!(
        listed["api_keys"][0]["last_used_at"].is_string(),
        "{listed}"
    );

    let id = item["id"].as_str().unwrap();
    let revoked = app
        .rest(
            "DELETE",
            &format!("/api/v1/api-keys/{id}"),
            None,
            ada.cookie(),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.body);
    let refused = app
        .rest("GET", "/api/v1/connections", Some(&key), None, None)
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.json()["error"]["code"], "invalid_api_key");
    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'api_key.%' ORDER BY created_at",
    )
    .fetch_all(app.hub.db.pool())
    .await
    .unwrap();
    assert_eq!(audit, ["api_key.created", "api_key.revoked"]);
}

crate::on_both_backends!(the_key_lifecycle);

#[tokio::test]
async fn without_credentials_the_api_answers_401_in_the_envelope() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    for (method, path) in [
        ("POST", "/api/integrations/unified"),
        ("GET", "/api/proxy/some-connection/crm/v3/objects/contacts"),
        ("GET", "/api/v1/connections"),
        ("GET", "/api/v1/api-keys"),
    ] {
        let answer = app.rest(method, path, None, None, Some(&json!({}))).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(
            answer.json()["error"]["code"],
            "unauthenticated",
            "{method} {path}"
        );
        assert!(answer.headers.contains_key("www-authenticate"));
        let wrong = app
            .rest(method, path, Some("pbk_0000"), None, Some(&json!({})))
            .await;
        assert_eq!(
            wrong.json()["error"]["code"],
            "invalid_api_key",
            "{method} {path}"
        );
    }
    let not_bearer = app
        .send(
            axum::http::Request::get("/api/v1/connections")
                .header("authorization", "Basic YWRhOnB3")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(not_bearer.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn only_admins_signed_in_as_themselves_manage_keys() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let key = ada.create_api_key("agent").await;
    let by_key = app
        .rest(
            "POST",
            "/api/v1/api-keys",
            Some(&key),
            None,
            Some(&json!({"name": "another"})),
        )
        .await;
    assert_eq!(by_key.status, StatusCode::FORBIDDEN, "{}", by_key.body);
    let blank = app
        .rest(
            "POST",
            "/api/v1/api-keys",
            None,
            ada.cookie(),
            Some(&json!({"name": "  "})),
        )
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert_eq!(blank.json()["error"]["field"], "name");
    // A member (invited, not admin) cannot.
    let invite = ada
        .call(
            "org/invite",
            &[("email", "bob@example.com"), ("role", "member")],
        )
        .await;
    assert_eq!(invite.status, StatusCode::OK, "{}", invite.body);
    let link = invite.json()["link"].as_str().unwrap().to_owned();
    let token = link.rsplit('/').next().unwrap().to_owned();
    let mut bob = app.browser();
    bob.sign_up("bob@example.com", "Bob").await;
    let accepted = bob.call("invite/accept", &[("token", &token)]).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let by_member = app
        .rest(
            "POST",
            "/api/v1/api-keys",
            None,
            bob.cookie(),
            Some(&json!({"name": "mine"})),
        )
        .await;
    assert_eq!(
        by_member.status,
        StatusCode::FORBIDDEN,
        "{}",
        by_member.body
    );
    let elsewhere = app
        .rest(
            "DELETE",
            "/api/v1/api-keys/not-a-key",
            None,
            ada.cookie(),
            None,
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
}

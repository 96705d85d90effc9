//! `/api/proxy/{connection}/{*path}` against the sandbox: any method forwarded through Nango's
//! proxy for the caller's connection, the answer streamed back with only safe headers, the
//! caller's credentials never passed on, idempotent calls retried.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, TestApp};

#[tokio::test]
async fn forwards_any_method_and_passes_only_safe_headers() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let key = ada.create_api_key("proxy").await;
    let (_, cid) = ada.connect("hubspot", None).await;
    app.clear_sandbox_requests().await;

    let listed = app
        .rest(
            "GET",
            &format!("/api/proxy/{cid}/crm/v3/objects/contacts?limit=3"),
            Some(&key),
            None,
            None,
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.json()["results"].as_array().unwrap().len(), 3);
    assert!(
        listed.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert!(!listed.headers.contains_key("set-cookie"));
    let log = app.sandbox_requests().await;
    let call = log
        .iter()
        .find(|r| r["path"] == "/proxy/crm/v3/objects/contacts")
        .unwrap();
    assert_eq!(call["query"], "limit=3");
    assert_eq!(call["headers"]["connection-id"], json!(cid));
    assert!(
        !call.to_string().contains(&key),
        "the caller's key never crosses"
    );

    let created = app
        .rest(
            "POST",
            &format!("/api/proxy/{cid}/crm/v3/objects/contacts"),
            Some(&key),
            None,
            Some(&json!({"properties": {"email": "new@example.com"}})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    // The provider's own refusal comes back as it is.
    let refused = app
        .rest(
            "POST",
            &format!("/api/proxy/{cid}/crm/v3/objects/contacts"),
            Some(&key),
            None,
            Some(&json!({"properties": {}})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.json()["category"], "VALIDATION_ERROR");

    app.sandbox_fault(json!({"path_prefix": "/proxy/crm", "status": 502, "count": 1}))
        .await;
    let retried = app
        .rest(
            "GET",
            &format!("/api/proxy/{cid}/crm/v3/objects/contacts/1"),
            Some(&key),
            None,
            None,
        )
        .await;
    assert_eq!(
        retried.status,
        StatusCode::OK,
        "a GET is retried: {}",
        retried.body
    );

    let unknown = app
        .rest("GET", "/api/proxy/nobody/anything", Some(&key), None, None)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json()["error"]["code"], "connection_not_found");
}

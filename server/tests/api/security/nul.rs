//! NUL characters in caller text: PostgreSQL's text cannot hold one, so an id, a path, a query
//! or a field holding `%00` (or `\u0000` in JSON) once reached the database and answered 500.
//! Every such request is now a 400 `invalid_input`, on both backends, before any handler runs.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, TestResponse};

/// The server functions that take ids, slugs, tokens or free text, with the field to poison.
const SERVER_FN_FIELDS: [(&str, &str); 12] = [
    ("connections/check", "id"),
    ("connections/reconnect", "id"),
    ("connections/disconnect", "id"),
    ("catalog/connector", "slug"),
    ("catalog/browse", "q"),
    ("connect/start", "slug"),
    ("connect/confirm", "connection_id"),
    ("org/revoke_invite", "invite_id"),
    ("org/remove_member", "user_id"),
    ("session/switch_org", "org_id"),
    ("invite/info", "token"),
    ("settings/create_api_key", "name"),
];

fn refused(r: &TestResponse) -> bool {
    r.status == StatusCode::BAD_REQUEST
        && serde_json::from_str::<Value>(&r.body)
            .is_ok_and(|v| v["error"]["code"] == "invalid_input")
}

async fn nul_in_caller_text_is_a_400_never_a_500(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let key = ada.create_api_key("nul").await;
    let (_, cid) = ada.connect("hubspot", None).await;
    let cookie = ada.cookie().map(str::to_owned);
    let mut failures = Vec::new();
    let mut tried = 0;

    let uris = [
        ("GET", "/api/proxy/a%00b/crm/v3/objects/contacts".to_owned()),
        ("GET", format!("/api/proxy/{cid}/crm/v3/objects/a%00b")),
        (
            "GET",
            format!("/api/proxy/{cid}/crm/v3/objects/contacts?q=a%00"),
        ),
        ("DELETE", "/api/v1/api-keys/a%00b".to_owned()),
        ("GET", "/api/v1/connectors?q=a%00b".to_owned()),
        ("GET", "/connectors/a%00b".to_owned()),
        ("GET", "/invite/a%00b".to_owned()),
    ];
    for (method, uri) in &uris {
        for (bearer, cookie) in [(Some(key.as_str()), None), (None, cookie.as_deref())] {
            tried += 1;
            let r = app.rest(method, uri, bearer, cookie, None).await;
            if !refused(&r) {
                failures.push(format!("{method} {uri}: {} {}", r.status, r.body));
            }
        }
    }

    for (endpoint, field) in SERVER_FN_FIELDS {
        tried += 1;
        let r = ada.call(endpoint, &[(field, "a\0b")]).await;
        if !refused(&r) {
            failures.push(format!("fn {endpoint} {field}: {} {}", r.status, r.body));
        }
    }

    let bodies = [
        (
            "/api/integrations/unified",
            json!({"provider": "nango", "resource": "crm.contact", "operation": "get",
                   "id": "1", "connectionId": "a\u{0}b"}),
        ),
        (
            "/api/integrations/unified",
            json!({"provider": "nango", "resource": "crm.contact", "operation": "get",
                   "id": "a\u{0}b", "connectionId": cid}),
        ),
        ("/api/v1/api-keys", json!({"name": "a\u{0}b"})),
    ];
    for (path, body) in &bodies {
        tried += 1;
        let r = app
            .rest("POST", path, Some(&key), cookie.as_deref(), Some(body))
            .await;
        if !refused(&r) {
            failures.push(format!("POST {path} {body}: {} {}", r.status, r.body));
        }
    }

    // A raw zero byte in a form body.
    tried += 1;
    let mut request = Request::post("/api/connections/check")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, crate::helpers::PUBLIC_URL);
    if let Some(cookie) = &cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let r = app
        .send(request.body(Body::from(&b"id=a\0b"[..])).unwrap())
        .await;
    if !refused(&r) {
        failures.push(format!("raw zero byte in a form: {} {}", r.status, r.body));
    }

    eprintln!(
        "security::nul ({backend:?}): requests with a NUL {tried}, not refused {}",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

crate::on_both_backends!(nul_in_caller_text_is_a_400_never_a_500);

/// A server function called with a missing or undecodable argument is the caller's mistake:
/// a 400 `invalid_input`, never a 500.
#[tokio::test]
async fn incomplete_server_function_arguments_are_a_400() {
    let app = TestApp::builder(Backend::Sqlite).build().await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    for (endpoint, fields) in [
        ("connect/confirm", vec![("connection_id", "x")]),
        ("connections/check", vec![]),
        ("org/change_role", vec![("user_id", "x")]),
    ] {
        let r = ada.call(endpoint, &fields).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{endpoint}: {}", r.body);
        assert_eq!(r.json()["code"], "invalid_input", "{endpoint}: {}", r.body);
    }
}

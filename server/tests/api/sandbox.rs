//! The mounted sandbox's test controls answer only to the sandbox key or a direct loopback peer
//! (the in-process router's peer is 192.0.2.10), while the Connect UI's own paths stay open;
//! the request log is a bounded ring; the Connect UI page keeps a policy that lets the app
//! frame it and its inline script run.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::{Value, json};

use crate::helpers::{Backend, SANDBOX_KEY, TestApp, TestResponse};

const MOUNT: &str = "/sandbox/nango";

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> TestResponse {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("{MOUNT}{path}"))
        .header(header::ACCEPT, "application/json");
    if let Some(key) = key {
        request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    let body = match body {
        Some(value) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(value.to_string())
        }
        None => Body::empty(),
    };
    app.send(request.body(body).unwrap()).await
}

fn controls() -> Vec<(&'static str, &'static str, Option<Value>)> {
    vec![
        ("GET", "/_sandbox/requests", None),
        ("DELETE", "/_sandbox/requests", None),
        (
            "POST",
            "/_sandbox/faults",
            Some(json!({ "path_prefix": "/nowhere", "count": 1 })),
        ),
        ("DELETE", "/_sandbox/faults", None),
        ("GET", "/_sandbox/webhooks", None),
        ("POST", "/_sandbox/connections/nope/invalidate", None),
        ("POST", "/_sandbox/connections/nope/refresh-failed", None),
        ("POST", "/_sandbox/connections/nope/refresh-recovered", None),
        ("DELETE", "/_sandbox", None),
    ]
}

#[tokio::test]
async fn the_controls_refuse_a_remote_peer_without_the_key() {
    let app = TestApp::builder(Backend::Sqlite).build().await;
    for (method, path, body) in controls() {
        let refused = call(&app, method, path, None, body.clone()).await;
        assert_eq!(
            refused.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {}",
            refused.body
        );
        assert!(
            refused.json()["error"]["code"].is_string(),
            "Nango's error shape: {}",
            refused.body
        );
        let wrong = call(
            &app,
            method,
            path,
            Some("00000000-0000-4000-8000-00000000dead"),
            body.clone(),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{method} {path}");

        let allowed = call(&app, method, path, Some(SANDBOX_KEY), body).await;
        // The connection switches answer 404 for an unknown connection: past the guard.
        assert!(
            allowed.status.is_success() || allowed.status == StatusCode::NOT_FOUND,
            "{method} {path} with the key: {} {}",
            allowed.status,
            allowed.body
        );
        assert_ne!(allowed.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn the_connect_ui_paths_stay_open_to_browsers() {
    let app = TestApp::builder(Backend::Sqlite).build().await;
    let harness = call(&app, "GET", "/_sandbox/harness", None, None).await;
    assert_eq!(harness.status, StatusCode::OK);
    let page = call(&app, "GET", "/connect/", None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    // Approval is judged by its connect session token, not by the control rule.
    let approve = call(
        &app,
        "POST",
        "/_sandbox/oauth-approve/hubspot?connect_session_token=nope",
        None,
        None,
    )
    .await;
    assert_eq!(approve.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        approve.json()["error"]["code"],
        "invalid_connect_session_token_format"
    );

    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'self' http://patchbay.test;"),
        "{csp}"
    );
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    assert!(
        page.headers.get(header::X_FRAME_OPTIONS).is_none(),
        "frameable by the app"
    );
    assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test]
async fn the_request_log_keeps_the_last_thousand() {
    let app = TestApp::builder(Backend::Sqlite).build().await;
    for i in 0..1100 {
        let r = call(&app, "GET", &format!("/providers/p{i}"), None, None).await;
        assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
    let log = call(&app, "GET", "/_sandbox/requests", Some(SANDBOX_KEY), None).await;
    assert_eq!(log.status, StatusCode::OK);
    let requests = log.json()["requests"].as_array().unwrap().clone();
    assert_eq!(requests.len(), 1000);
    assert_eq!(
        requests[0]["path"], "/providers/p100",
        "the oldest are gone"
    );
    assert_eq!(requests[999]["path"], "/providers/p1099");
}

#[tokio::test]
async fn other_sites_reach_the_public_api_but_not_the_controls() {
    let app = TestApp::builder(Backend::Sqlite).build().await;
    let foreign = |method: &str, path: &str, key: Option<&str>, body: Value| {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{MOUNT}{path}"))
            .header(header::ORIGIN, "https://customer.example")
            .header("sec-fetch-site", "cross-site")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(key) = key {
            request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        request.body(Body::from(body.to_string())).unwrap()
    };
    // A customer page's `auth()` reaches the sandbox, which judges the session token itself.
    let auth = app
        .send(foreign(
            "POST",
            "/api-auth/api-key/openai?connect_session_token=nope",
            None,
            json!({"apiKey": "sk-test"}),
        ))
        .await;
    assert_eq!(auth.status, StatusCode::UNAUTHORIZED, "{}", auth.body);
    assert_eq!(
        auth.json()["error"]["code"],
        "invalid_connect_session_token_format"
    );
    assert_eq!(auth.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let session = app
        .send(foreign(
            "POST",
            "/connect/sessions",
            Some(SANDBOX_KEY),
            json!({"tags": {"organization_id": "org_1"}}),
        ))
        .await;
    assert_eq!(session.status, StatusCode::CREATED, "{}", session.body);

    let preflight = app
        .send(
            Request::builder()
                .method("OPTIONS")
                .uri(format!("{MOUNT}/connect/sessions"))
                .header(header::ORIGIN, "https://customer.example")
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(preflight.status, StatusCode::NO_CONTENT);
    assert_eq!(preflight.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");

    // The controls stay same-site, even with the key.
    for (method, path) in [("POST", "/_sandbox/faults"), ("DELETE", "/_sandbox")] {
        let refused = app
            .send(foreign(method, path, Some(SANDBOX_KEY), json!({})))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(refused.json()["error"]["code"], "bad_origin");
        assert!(
            !refused
                .headers
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        );
    }
    // And the app's own API keeps refusing other sites.
    let api = app
        .send(
            Request::post("/api/v1/api-keys")
                .header(header::ORIGIN, "https://customer.example")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
}

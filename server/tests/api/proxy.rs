//! `/api/proxy/{connection}/{*path}` against the sandbox: any method forwarded through Nango's
//! proxy for the caller's connection, the answer streamed back with only safe headers, the
//! caller's credentials never passed on, idempotent calls retried.

use axum::http::StatusCode;
use serde_json::json;

use patchbay_server::nango_sandbox::Fault;

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
    app.sandbox().clear_received();

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
    let log = app.sandbox().received();
    let call = log
        .iter()
        .find(|r| r.path == "/proxy/crm/v3/objects/contacts")
        .unwrap();
    assert_eq!(call.query.as_deref(), Some("limit=3"));
    assert_eq!(call.header("connection-id"), Some(cid.as_str()));
    assert!(
        !format!("{call:?}").contains(&key),
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

    app.sandbox()
        .fault(Fault::status(502).path("/proxy/crm").times(1));
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

/// Raw proxy paths that must never reach anything but `/proxy/` upstream.
/// (`%00` is refused for every route before routing: see `security::nul`.)
const TRAVERSALS: [&str; 23] = [
    "../connections",
    "..\\connections",
    "crm\\..\\..\\connections",
    "..%2fconnections",
    "..%2Fconnections",
    "%2e%2e/connections",
    "%2e%2e%2fconnections",
    "%2E%2E%2Fconnections",
    ".%2e/connections",
    "%252e%252e%252fconnections",
    "crm/../../connections",
    "crm/..%2f..%2fconnections",
    "..%2f..%2fconnections",
    "%2e%2e%5cconnections",
    "..%5cconnections",
    "./connections",
    "crm/a%0d%0aX-Injected:%201",
    "http://169.254.169.254/latest",
    "/evil.example/x",
    "crm//x",
    "..;/connections",
    "group%2F..%2Fconnections",
    "%%32%65%%32%65/connections",
];

#[tokio::test]
async fn traversal_paths_are_refused_before_anything_is_sent() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let key = ada.create_api_key("proxy").await;
    let (_, cid) = ada.connect("hubspot", None).await;
    app.sandbox().clear_received();

    for path in TRAVERSALS {
        for method in ["GET", "DELETE"] {
            let uri = format!("/api/proxy/{cid}/{path}");
            let refused = app.rest(method, &uri, Some(&key), None, None).await;
            assert_eq!(
                refused.status,
                StatusCode::BAD_REQUEST,
                "{uri}: {}",
                refused.body
            );
            let error = &refused.json()["error"];
            assert_eq!(error["code"], "invalid_path", "{uri}: {error}");
            assert_eq!(error["field"], "path", "{uri}");
            assert!(
                error["message"].as_str().unwrap().contains("send"),
                "{uri}: the message says what to send instead: {error}"
            );
            assert_eq!(refused.headers["x-content-type-options"], "nosniff");
            assert_eq!(refused.headers["content-security-policy"], "sandbox");
        }
    }
    // A literal NUL, CR/LF or space cannot even be written as a request target: the http
    // crate refuses them before a server sees them (a literal backslash it accepts: above).
    for raw in ["..\0/connections", "crm/a\r\nb", "crm/a b"] {
        assert!(
            axum::http::Uri::try_from(format!("/api/proxy/{cid}/{raw}")).is_err(),
            "{raw:?}"
        );
    }

    let log = app.sandbox().received();
    assert!(log.is_empty(), "nothing crossed: {log:?}");

    // Legitimate encodings pass exactly as sent.
    let kept = app
        .rest(
            "GET",
            &format!("/api/proxy/{cid}/crm/v3/objects/contacts/a%20b%2Fc?limit=1&q=x%20y"),
            Some(&key),
            None,
            None,
        )
        .await;
    assert!(!kept.body.contains("invalid_path"), "{}", kept.body);
    let log = app.sandbox().received();
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(
        log[0].path.starts_with("/proxy/crm/v3/objects/contacts/"),
        "{log:?}"
    );
    assert_eq!(log[0].query.as_deref(), Some("limit=1&q=x%20y"));
}

#[tokio::test]
async fn blocked_headers_never_cross_and_answers_cannot_run_in_our_origin() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let key = ada.create_api_key("proxy").await;
    let (_, cid) = ada.connect("hubspot", None).await;
    app.sandbox().clear_received();

    let blocked = [
        "Upstream-Authorization",
        "Upstream-Proxy-Authorization",
        "Upstream-Cookie",
        "Upstream-Transfer-Encoding",
        "Upstream-Connection",
        "Upstream-Keep-Alive",
        "Upstream-TE",
        "Upstream-Upgrade",
        "Upstream-Host",
        "Upstream-Content-Length",
        "Upstream-Expect",
        "Upstream-Connection-Id",
        "Upstream-Provider-Config-Key",
        "Upstream-Base-Url-Override",
        "Upstream-Retries",
        "Upstream-Nango-Proxy-Authorization",
        "Upstream-Nango-Activity-Log-Id",
        "Proxy-Authorization",
        "Base-Url-Override",
        "Nango-Proxy-Authorization",
    ];
    let mut request = axum::http::Request::builder()
        .method("GET")
        .uri(format!("/api/proxy/{cid}/crm/v3/objects/contacts?limit=1"))
        .header("authorization", format!("Bearer {key}"))
        .header("cookie", "patchbay_session=stolen")
        .header("Upstream-X-Api-Version", "2");
    for name in blocked {
        request = request.header(name, "attacker-value");
    }
    let answer = app
        .send(request.body(axum::body::Body::empty()).unwrap())
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.headers["x-content-type-options"], "nosniff");
    assert_eq!(answer.headers["content-security-policy"], "sandbox");

    let log = app.sandbox().received();
    let call = log
        .iter()
        .find(|r| r.path == "/proxy/crm/v3/objects/contacts")
        .expect("the call crossed");
    assert_eq!(call.header("connection-id"), Some(cid.as_str()));
    assert_eq!(call.header("provider-config-key"), Some("hubspot"));
    assert_eq!(call.header("nango-proxy-x-api-version"), Some("2"));
    let seen = format!("{call:?}");
    assert!(
        !seen.contains("attacker-value") && !seen.contains("stolen"),
        "no blocked header crossed: {seen}"
    );
    for name in [
        "base-url-override",
        "retries",
        "nango-proxy-authorization",
        "nango-proxy-cookie",
    ] {
        assert!(call.header(name).is_none(), "{name} crossed: {seen}");
    }

    // Errors of the route carry the same headers, even a refused credential.
    let unauthenticated = app
        .rest("GET", &format!("/api/proxy/{cid}/x"), None, None, None)
        .await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unauthenticated.headers["x-content-type-options"], "nosniff");
    assert_eq!(
        unauthenticated.headers["content-security-policy"],
        "sandbox"
    );
}

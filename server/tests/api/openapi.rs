//! The generated OpenAPI document: its snapshot (any API change shows in review), its routes
//! against the router's, and the JSON answers for unknown `/api/*` paths and wrong methods.

use axum::http::StatusCode;
use patchbay_server::{
    router::rest_routes,
    routes::{openapi::DOCUMENT, proxy, unified},
};
use serde_json::Value;

use crate::helpers::{Backend, TestApp};

#[tokio::test]
async fn the_served_document_is_the_generated_one_and_matches_its_snapshot() {
    let app = TestApp::builder(Backend::Sqlite).build().await;
    let served = app.get("/api/openapi.json").await;
    assert_eq!(served.status, StatusCode::OK);
    let document = served.json();
    assert_eq!(document, *DOCUMENT);
    assert_eq!(document["openapi"], "3.1.0");
    insta::assert_json_snapshot!("openapi_document", document);
}

/// A concrete URI for a documented path: every `{parameter}` filled in.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "x"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_documented_route_is_routed_and_every_rest_route_is_documented() {
    let app = TestApp::builder(Backend::Sqlite).build().await;
    let routes = rest_routes();
    assert!(routes.len() >= 11, "{} routes", routes.len());
    for route in &routes {
        assert!(!route.methods.is_empty(), "{} has no method", route.path);
        for method in &route.methods {
            let uri = concrete(&route.path);
            let r = app.rest(method, &uri, None, None, None).await;
            assert!(
                r.status != StatusCode::NOT_FOUND || !r.body.contains("no API route"),
                "{method} {uri} is documented but not routed: {}",
                r.body
            );
            assert_ne!(
                r.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {uri} is documented but the router refuses the method"
            );
        }
    }
    // The only route `routes!` cannot mount (a wildcard) is documented under its OpenAPI name.
    let proxy_path = proxy::ROUTE.replace("{*path}", "{path}");
    let proxy = routes.iter().find(|r| r.path == proxy_path);
    assert_eq!(
        proxy.map(|r| r.methods.join(" ")).as_deref(),
        Some("GET POST PUT PATCH DELETE")
    );
    // The router's route list and the document's are the same list: no REST path outside it.
    for path in [
        "/api/v1/connectors",
        "/api/v1/connectors/categories",
        "/api/v1/connections",
        "/api/v1/api-keys",
        "/api/v1/api-keys/{id}",
        unified::PATH,
        "/api/webhooks/nango",
        "/api/openapi.json",
        "/api/docs",
        "/healthz",
        "/readyz",
    ] {
        assert!(
            routes.iter().any(|r| r.path == path),
            "{path} is not documented"
        );
    }
}

#[tokio::test]
async fn the_unified_examples_are_documented_verbatim() {
    let examples = &DOCUMENT["paths"][unified::PATH]["post"]["requestBody"]["content"]["application/json"]
        ["examples"];
    let documented = unified::documented_examples();
    assert_eq!(
        examples.as_object().map(|e| e.len()),
        Some(documented.len())
    );
    for (name, summary, body) in documented {
        assert_eq!(examples[name]["summary"], summary);
        assert_eq!(examples[name]["value"], body, "{name}");
    }
    let texts: Vec<String> = examples
        .as_object()
        .into_iter()
        .flat_map(|e| e.values())
        .map(|e| e["value"].to_string())
        .collect();
    for verbatim in [
        r#"{"operation":"list","params":{"page":1,"page_size":50},"provider":"panora","resource":"crm.contact"}"#,
        r#"{"id":"emp_123","operation":"get","provider":"nango","resource":"hr.employee"}"#,
        r#"{"data":{"email":"test@example.com","first_name":"Test"},"operation":"create","provider":"nango","resource":"crm.contact"}"#,
    ] {
        assert!(
            texts.iter().any(|t| t == verbatim),
            "{verbatim} is not documented"
        );
    }
}

fn assert_envelope(r: &crate::helpers::TestResponse, status: StatusCode, code: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    let content_type = r
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "{what}: {content_type}"
    );
    let body: Value = r.json();
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
    assert!(body["error"]["message"].is_string(), "{what}: {body}");
}

#[tokio::test]
async fn unknown_api_paths_answer_the_json_envelope_with_404() {
    let app = TestApp::builder(Backend::Sqlite).build().await;
    for path in [
        "/api",
        "/api/",
        "/api/../x",
        "/api/v1/%2e%2e/",
        "/api/v9/anything",
        "/api/v1/connectors/",
        "/api/v1/connectorz",
        "/api/proxy/x",
    ] {
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            let r = app.rest(method, path, None, None, None).await;
            assert_envelope(
                &r,
                StatusCode::NOT_FOUND,
                "not_found",
                &format!("{method} {path}"),
            );
            assert!(!r.body.contains("<html"), "{method} {path}");
        }
    }
    // Outside `/api` an unknown path is still the app's own page.
    let page = app.get("/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("\"not_found\""));
}

#[tokio::test]
async fn a_known_path_with_a_wrong_method_answers_405_in_the_envelope() {
    let app = TestApp::builder(Backend::Sqlite).build().await;
    for (method, path, allow) in [
        ("PUT", "/api/v1/connectors", "GET"),
        ("DELETE", "/api/v1/connections", "GET"),
        ("GET", "/api/integrations/unified", "POST"),
        ("PATCH", "/api/v1/api-keys", "GET, POST"),
        ("POST", "/api/v1/api-keys/x", "DELETE"),
        ("GET", "/api/webhooks/nango", "POST"),
        ("POST", "/api/openapi.json", "GET"),
    ] {
        let what = format!("{method} {path}");
        let r = app.rest(method, path, None, None, None).await;
        assert_envelope(
            &r,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            &what,
        );
        assert_eq!(
            r.headers.get("allow").and_then(|v| v.to_str().ok()),
            Some(allow),
            "{what}"
        );
    }
}

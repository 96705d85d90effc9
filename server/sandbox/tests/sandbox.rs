//! The sandbox in process: its typed handle (faults, request log, webhooks, reset) and the HTTP
//! controls sharing its code, Nango's metadata and patch endpoints, CORS on the public API but
//! not on the controls, and the fake providers behind `/proxy`.

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use nango_sandbox::{Fault, Sandbox, SandboxConfig, SandboxIntegration};
use serde_json::{Value, json};
use tower::ServiceExt;

const KEY: &str = "8f4c5a5e-2a47-4c39-9a7e-0c5f1d0b7e21";

fn sandbox() -> Sandbox {
    let integration = |key: &str, mode: &str| SandboxIntegration {
        unique_key: key.to_owned(),
        provider: key.to_owned(),
        display_name: key.to_owned(),
        auth_mode: mode.to_owned(),
    };
    Sandbox::new(SandboxConfig {
        secret_key: KEY.to_owned(),
        public_url: "http://127.0.0.1:3003".to_owned(),
        webhook_url: None,
        webhook_signing_key: "00000000-0000-4000-8000-000000000000".to_owned(),
        environment: "dev".to_owned(),
        integrations: vec![
            integration("hubspot", "OAUTH2"),
            integration("openai", "API_KEY"),
        ],
    })
    .expect("a sandbox")
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
}

async fn send(router: &Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("a body");
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// A call with the secret key and, when given, a JSON body.
async fn call(router: &Router, method: &str, path: &str, body: Option<Value>) -> Answer {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {KEY}"));
    let request = match body {
        Some(body) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    };
    send(router, request.expect("a request")).await
}

async fn import(router: &Router, key: &str, connection_id: &str) {
    let credentials = match key {
        "openai" => json!({"type": "API_KEY", "apiKey": "sk-test"}),
        _ => json!({"type": "OAUTH2", "access_token": "t"}),
    };
    let created = call(
        router,
        "POST",
        "/connections",
        Some(json!({
            "provider_config_key": key,
            "connection_id": connection_id,
            "metadata": {"kept": 1, "replaced": "old"},
            "credentials": credentials,
        })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
}

async fn metadata(router: &Router, key: &str, connection_id: &str) -> Value {
    let read = call(
        router,
        "GET",
        &format!("/connections/{connection_id}?provider_config_key={key}"),
        None,
    )
    .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    read.body["metadata"].clone()
}

#[tokio::test]
async fn faults_from_the_handle_and_from_http_are_the_same_faults() {
    let sandbox = sandbox();
    let router = sandbox.router();
    sandbox.fault(
        Fault::status(429)
            .path("/integrations")
            .method("GET")
            .retry_after(7)
            .times(2),
    );
    for _ in 0..2 {
        let refused = call(&router, "GET", "/integrations", None).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.headers[header::RETRY_AFTER], "7");
        assert_eq!(refused.body["error"]["code"], "too_many_request");
    }
    assert_eq!(
        call(&router, "GET", "/integrations", None).await.status,
        StatusCode::OK,
        "used up after two"
    );

    // A method matcher leaves other methods alone; a body replaces Nango's envelope.
    sandbox.fault(
        Fault::status(503)
            .method("POST")
            .body(json!({"custom": true})),
    );
    assert_eq!(
        call(&router, "GET", "/providers", None).await.status,
        StatusCode::OK
    );
    let custom = call(&router, "POST", "/connect/sessions", Some(json!({}))).await;
    assert_eq!(custom.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(custom.body, json!({"custom": true}));

    // The HTTP control takes the same value as JSON.
    let added = call(
        &router,
        "POST",
        "/_sandbox/faults",
        Some(json!({"path_prefix": "/providers", "status": 500})),
    )
    .await;
    assert_eq!(added.status, StatusCode::NO_CONTENT);
    assert_eq!(
        call(&router, "GET", "/providers", None).await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );

    // A delay-only fault holds the request, then serves it.
    sandbox.fault(Fault::delay(Duration::from_millis(50)).path("/providers"));
    let started = std::time::Instant::now();
    assert_eq!(
        call(&router, "GET", "/providers", None).await.status,
        StatusCode::OK
    );
    assert!(started.elapsed() >= Duration::from_millis(50));

    sandbox.fault(Fault::status(500).times(5));
    sandbox.clear_faults();
    assert_eq!(
        call(&router, "GET", "/providers", None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_request_log_reads_the_same_from_the_handle_and_over_http() {
    let sandbox = sandbox();
    let router = sandbox.router();
    call(&router, "GET", "/providers?search=hub", None).await;
    let received = sandbox.received();
    assert_eq!(received.len(), 1);
    let first = &received[0];
    assert_eq!(
        (first.method.as_str(), first.path.as_str()),
        ("GET", "/providers")
    );
    assert_eq!(first.query.as_deref(), Some("search=hub"));
    assert_eq!(
        first.header("authorization"),
        None,
        "the key is never logged"
    );

    let over_http = call(&router, "GET", "/_sandbox/requests", None).await;
    assert_eq!(over_http.body["requests"][0]["path"], "/providers");
    assert_eq!(
        over_http.body["requests"].as_array().map(Vec::len),
        Some(1),
        "the controls are not logged"
    );

    sandbox.clear_received();
    assert!(sandbox.received().is_empty());
}

#[tokio::test]
async fn webhooks_and_reset_are_on_the_handle() {
    let sandbox = sandbox();
    let router = sandbox.router();
    import(&router, "openai", "c1").await;
    // The webhook goes out in the background; without a URL it is recorded as undeliverable.
    let mut sent = Vec::new();
    for _ in 0..100 {
        sent = sandbox.webhooks();
        if !sent.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body["operation"], "creation");
    assert_eq!(sent[0].body["connectionId"], "c1");
    assert_eq!(sent[0].signature.len(), 64);
    assert!(sent[0].error.is_some());

    assert!(sandbox.invalidate("c1", "openai"));
    assert!(!sandbox.invalidate("c1", "hubspot"));
    sandbox.reset();
    assert!(sandbox.webhooks().is_empty());
    assert!(sandbox.received().is_empty());
    let gone = call(
        &router,
        "GET",
        "/connections/c1?provider_config_key=openai",
        None,
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn set_metadata_replaces_and_update_metadata_merges() {
    let sandbox = sandbox();
    let router = sandbox.router();
    import(&router, "hubspot", "a").await;
    import(&router, "hubspot", "b").await;

    let body = json!({"connection_id": "a", "provider_config_key": "hubspot", "metadata": {"replaced": "new"}});
    let set = call(&router, "POST", "/connections/metadata", Some(body.clone())).await;
    assert_eq!(set.status, StatusCode::CREATED);
    assert_eq!(set.body, body, "the body is echoed");
    assert_eq!(
        metadata(&router, "hubspot", "a").await,
        json!({"replaced": "new"})
    );

    let patch = json!({"connection_id": ["a", "b"], "provider_config_key": "hubspot", "metadata": {"added": true}});
    let updated = call(
        &router,
        "PATCH",
        "/connections/metadata",
        Some(patch.clone()),
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(updated.body, patch);
    assert_eq!(
        metadata(&router, "hubspot", "a").await,
        json!({"replaced": "new", "added": true})
    );
    assert_eq!(
        metadata(&router, "hubspot", "b").await,
        json!({"kept": 1, "replaced": "old", "added": true})
    );

    // All or nothing: one unknown id and no connection changes.
    let unknown = call(
        &router,
        "POST",
        "/connections/metadata",
        Some(json!({"connection_id": ["a", "nope"], "provider_config_key": "hubspot", "metadata": {}})),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["error"]["code"], "unknown_connection");
    assert!(
        unknown.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nope"))
    );
    assert_eq!(
        metadata(&router, "hubspot", "a").await,
        json!({"replaced": "new", "added": true})
    );

    // The legacy path takes the same body; the body is strict.
    let legacy = call(
        &router,
        "PATCH",
        "/connection/metadata",
        Some(json!({"connection_id": "b", "provider_config_key": "hubspot", "metadata": {"legacy": 1}})),
    )
    .await;
    assert_eq!(legacy.status, StatusCode::OK);
    assert_eq!(metadata(&router, "hubspot", "b").await["legacy"], 1);
    let strict = call(
        &router,
        "POST",
        "/connections/metadata",
        Some(json!({"connection_id": "a", "provider_config_key": "hubspot", "metadata": {}, "extra": 1})),
    )
    .await;
    assert_eq!(strict.status, StatusCode::BAD_REQUEST);
    assert_eq!(strict.body["error"]["code"], "invalid_body");
    let not_an_object = call(
        &router,
        "POST",
        "/connections/metadata",
        Some(json!({"connection_id": "a", "provider_config_key": "hubspot", "metadata": [1]})),
    )
    .await;
    assert_eq!(not_an_object.status, StatusCode::BAD_REQUEST);

    let unauthenticated = send(
        &router,
        Request::post("/connections/metadata")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("a request"),
    )
    .await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn patch_connection_sets_end_user_tags_and_webhook_override() {
    let sandbox = sandbox();
    let router = sandbox.router();
    import(&router, "hubspot", "a").await;
    let patched = call(
        &router,
        "PATCH",
        "/connections/a?provider_config_key=hubspot",
        Some(json!({
            "end_user": {"id": "u_2", "email": "grace@example.com"},
            "tags": {"Organization_Id": "org_2"},
            "webhook_url_override": "https://hooks.example.com/nango",
        })),
    )
    .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.body, json!({"success": true}));
    let read = call(
        &router,
        "GET",
        "/connections/a?provider_config_key=hubspot",
        None,
    )
    .await;
    assert_eq!(read.body["end_user"]["id"], "u_2");
    assert_eq!(read.body["tags"], json!({"organization_id": "org_2"}));
    assert_eq!(
        read.body["webhook_url_override"],
        "https://hooks.example.com/nango"
    );

    let missing = call(
        &router,
        "PATCH",
        "/connections/nope?provider_config_key=hubspot",
        Some(json!({"tags": {}})),
    )
    .await;
    assert_eq!(
        (missing.status, missing.body["error"]["code"].clone()),
        (StatusCode::NOT_FOUND, json!("not_found"))
    );
    let unknown_key = call(
        &router,
        "PATCH",
        "/connections/a?provider_config_key=nope",
        Some(json!({})),
    )
    .await;
    assert_eq!(unknown_key.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown_key.body["error"]["code"], "unknown_provider_config");
    for bad in [
        json!({"end_user": {"email": "no-id@example.com"}}),
        json!({"tags": {"a": 1}}),
        json!({"webhook_url_override": "not a url"}),
        json!({"credentials": {}}),
    ] {
        let refused = call(
            &router,
            "PATCH",
            "/connections/a?provider_config_key=hubspot",
            Some(bad.clone()),
        )
        .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(refused.body["error"]["code"], "invalid_body", "{bad}");
    }
}

#[tokio::test]
async fn the_public_api_speaks_cors_and_the_controls_do_not() {
    let router = sandbox().router();
    let preflight = send(
        &router,
        Request::builder()
            .method("OPTIONS")
            .uri("/connect/sessions")
            .header(header::ORIGIN, "https://customer.example")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,content-type",
            )
            .body(Body::empty())
            .expect("a request"),
    )
    .await;
    assert_eq!(preflight.status, StatusCode::NO_CONTENT);
    assert_eq!(preflight.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let allowed = preflight.headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        allowed.contains("Authorization") && allowed.contains("Content-Type"),
        "{allowed}"
    );
    assert!(
        preflight.headers[header::ACCESS_CONTROL_ALLOW_METHODS]
            .to_str()
            .expect("text")
            .contains("PATCH")
    );

    let answered = call(&router, "GET", "/integrations", None).await;
    assert_eq!(answered.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let refused = send(
        &router,
        Request::get("/integrations")
            .body(Body::empty())
            .expect("a request"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "*",
        "errors are readable across origins too"
    );

    for path in ["/_sandbox/requests", "/_sandbox/faults", "/_sandbox"] {
        let control = call(&router, "GET", path, None).await;
        assert!(
            !control
                .headers
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN),
            "{path}"
        );
        let preflight = send(
            &router,
            Request::builder()
                .method("OPTIONS")
                .uri(path)
                .header(header::ORIGIN, "https://customer.example")
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "DELETE")
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
        assert!(
            !preflight
                .headers
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN),
            "{path}"
        );
    }
}

#[tokio::test]
async fn each_fake_provider_is_its_own_router_behind_nangos_checks() {
    let sandbox = sandbox();
    let router = sandbox.router();
    import(&router, "hubspot", "h").await;
    let proxy = |method: &str, path: &str| {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {KEY}"))
            .header("connection-id", "h")
            .header("provider-config-key", "hubspot")
            .body(Body::empty())
            .expect("a request")
    };
    let listed = send(
        &router,
        proxy("GET", "/proxy/crm/v3/objects/contacts?limit=2"),
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["results"].as_array().map(Vec::len), Some(2));
    assert_eq!(listed.body["paging"]["next"]["after"], "2");
    // Empty segments are dropped, as before the split.
    let doubled = send(&router, proxy("GET", "/proxy//crm/v3/objects/contacts/3")).await;
    assert_eq!(doubled.body["properties"]["hs_object_id"], "3");
    let missing = send(&router, proxy("GET", "/proxy/crm/v3/objects/contacts/99")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["category"], "OBJECT_NOT_FOUND");
    let search_as_id = send(
        &router,
        proxy("GET", "/proxy/crm/v3/objects/contacts/search"),
    )
    .await;
    assert_eq!(search_as_id.body["category"], "OBJECT_NOT_FOUND");

    for (method, path, said) in [
        (
            "GET",
            "/proxy/nowhere",
            "GET /nowhere is not served by the sandbox's fake hubspot",
        ),
        (
            "DELETE",
            "/proxy/crm/v3/objects/contacts",
            "DELETE /crm/v3/objects/contacts is not served by the sandbox's fake hubspot",
        ),
        (
            "GET",
            "/proxy",
            "GET / is not served by the sandbox's fake hubspot",
        ),
        (
            "GET",
            "/proxy/v1/persons",
            "GET /v1/persons is not served by the sandbox's fake hubspot",
        ),
    ] {
        let unserved = send(&router, proxy(method, path)).await;
        assert_eq!(unserved.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(unserved.body, json!({"message": said}));
    }

    let no_connection = send(
        &router,
        Request::get("/proxy/crm/v3/objects/contacts")
            .header(header::AUTHORIZATION, format!("Bearer {KEY}"))
            .header("provider-config-key", "hubspot")
            .body(Body::empty())
            .expect("a request"),
    )
    .await;
    assert_eq!(no_connection.body["error"]["code"], "invalid_headers");
}

/// A minimal WebSocket client over a raw TCP stream: the handshake, then the server's
/// (unmasked) text frames.
struct RawSocket(tokio::net::TcpStream);

impl RawSocket {
    async fn open(addr: std::net::SocketAddr, path: &str) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(addr)
            .await
            .expect("a socket");
        let handshake = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(handshake.as_bytes()).await.expect("sent");
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(stream.read_u8().await.expect("a handshake answer"));
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        Self(stream)
    }

    /// The next text frame, as JSON.
    async fn next_json(&mut self) -> Value {
        use tokio::io::AsyncReadExt;
        let read = async {
            let first = self.0.read_u8().await.expect("a frame");
            assert_eq!(first & 0x0f, 1, "a text frame");
            let len = match self.0.read_u8().await.expect("a length") & 0x7f {
                126 => usize::from(self.0.read_u16().await.expect("a length")),
                127 => usize::try_from(self.0.read_u64().await.expect("a length")).expect("small"),
                n => usize::from(n),
            };
            let mut payload = vec![0; len];
            self.0.read_exact(&mut payload).await.expect("a payload");
            serde_json::from_slice(&payload).expect("JSON")
        };
        tokio::time::timeout(Duration::from_secs(5), read)
            .await
            .expect("a message within 5 s")
    }
}

#[tokio::test]
async fn the_oauth_popup_flow_completes_over_the_websocket() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("an address");
    let base = format!("http://{addr}");
    let sandbox = Sandbox::new(SandboxConfig {
        public_url: base.clone(),
        ..sandbox().config().clone()
    })
    .expect("a sandbox");
    tokio::spawn(sandbox.clone().serve(listener));
    let http = reqwest::Client::new();
    let session: Value = http
        .post(format!("{base}/connect/sessions"))
        .bearer_auth(KEY)
        .json(&json!({"tags": {"organization_id": "org_1"}, "allowed_integrations": ["hubspot"]}))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    let token = session["data"]["token"].as_str().expect("a token");

    // The SDK's WebSocket: an ack with the client id first.
    let mut socket = RawSocket::open(addr, "/").await;
    let ack = socket.next_json().await;
    assert_eq!(ack["message_type"], "connection_ack");
    let client_id = ack["ws_client_id"].as_str().expect("an id").to_owned();

    // The popup: /oauth/connect redirects to the callback, whose page reports success.
    let popup = http
        .get(format!(
            "{base}/oauth/connect/hubspot?connect_session_token={token}&ws_client_id={client_id}"
        ))
        .send()
        .await
        .expect("an answer");
    assert_eq!(popup.status(), reqwest::StatusCode::OK);
    assert!(popup.url().path().ends_with("/oauth/callback"));
    let csp = popup.headers()["content-security-policy"]
        .to_str()
        .expect("text")
        .to_owned();
    let page = popup.text().await.expect("a page");
    assert!(page.contains(r#"data-outcome="success""#), "{page}");
    assert!(page.contains("nango_oauth_callback_success") && page.contains("nango-oauth-callback"));
    assert!(csp.contains("script-src 'sha256-"), "{csp}");

    let success = socket.next_json().await;
    assert_eq!(success["message_type"], "success");
    assert_eq!(success["provider_config_key"], "hubspot");
    assert_eq!(success["is_pending"], false);
    let connection_id = success["connection_id"].as_str().expect("an id");
    let stored = http
        .get(format!(
            "{base}/connections/{connection_id}?provider_config_key=hubspot"
        ))
        .bearer_auth(KEY)
        .send()
        .await
        .expect("an answer");
    assert_eq!(stored.status(), reqwest::StatusCode::OK);

    // A bad session token: the error page (400) and an `error` message.
    let refused = http
        .get(format!(
            "{base}/oauth/connect/hubspot?connect_session_token=nope&ws_client_id={client_id}"
        ))
        .send()
        .await
        .expect("an answer");
    assert_eq!(refused.status(), reqwest::StatusCode::BAD_REQUEST);
    assert!(
        refused
            .text()
            .await
            .expect("a page")
            .contains(r#"data-outcome="error""#)
    );
    let error = socket.next_json().await;
    assert_eq!(error["message_type"], "error");
    assert_eq!(error["error_type"], "unknown_connect_session_token");

    // A callback with an unknown state is refused.
    let replay = http
        .get(format!("{base}/oauth/callback?code=x&state=unknown"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(replay.status(), reqwest::StatusCode::BAD_REQUEST);
}

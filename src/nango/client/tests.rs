//! The Nango client against the sandbox over real HTTP: the sandbox crate served on a free
//! loopback port, every endpoint the client speaks, every error path, and the retry rules. The
//! sandbox is driven through its typed handle (faults, request log), not its HTTP controls.

use std::time::Duration;

use nango_sandbox::{Fault, ReceivedRequest, Sandbox, SandboxConfig, SandboxIntegration};
use serde_json::{Value, json};

use crate::nango::{
    NangoClient, NangoClientConfig, NangoError, ProxyRequest,
    retry::RetryPolicy,
    types::{
        ConnectionFilter, CreateConnectSession, Credentials, EndUser, GetConnectionOptions,
        ImportConnection, ReconnectSession,
    },
};
use crate::upstream_path::Endpoint;

const KEY: &str = "8f4c5a5e-2a47-4c39-9a7e-0c5f1d0b7e21";

/// A sandbox serving on 127.0.0.1, and its typed handle.
struct Standalone {
    base: String,
    sandbox: Sandbox,
}

impl Standalone {
    async fn start() -> Self {
        Self::start_with(&[
            ("hubspot", "OAUTH2"),
            ("openai", "API_KEY"),
            ("twilio", "BASIC"),
        ])
        .await
    }

    async fn start_with(integrations: &[(&str, &str)]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let integration = |key: &str, mode: &str| SandboxIntegration {
            unique_key: key.to_owned(),
            provider: key.to_owned(),
            display_name: key.to_owned(),
            auth_mode: mode.to_owned(),
        };
        let sandbox = Sandbox::new(SandboxConfig {
            secret_key: KEY.to_owned(),
            public_url: base.clone(),
            webhook_url: None,
            webhook_signing_key: "hook".to_owned(),
            environment: "dev".to_owned(),
            integrations: integrations
                .iter()
                .map(|(key, mode)| integration(key, mode))
                .collect(),
        })
        .expect("a sandbox");
        tokio::spawn(sandbox.clone().serve(listener));
        Self { base, sandbox }
    }

    fn client(&self) -> NangoClient {
        self.client_with_key(KEY)
    }

    fn client_with_key(&self, key: &str) -> NangoClient {
        let mut config = NangoClientConfig::new(self.base.clone(), key);
        config.retry = RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(200),
        };
        NangoClient::new(config).expect("a client")
    }

    fn fault(&self, fault: Fault) {
        self.sandbox.fault(fault);
    }

    /// The sandbox's request log, newest last.
    fn requests(&self) -> Vec<ReceivedRequest> {
        self.sandbox.received()
    }

    fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }
}

fn import(key: &str, credentials: Value) -> ImportConnection {
    ImportConnection {
        provider_config_key: key.to_owned(),
        connection_id: None,
        metadata: None,
        connection_config: None,
        end_user: None,
        tags: [("organization_id".to_owned(), "org_1".to_owned())].into(),
        credentials: Credentials(credentials),
    }
}

#[tokio::test]
async fn connect_sessions_are_created_with_nangos_token_format() {
    let sandbox = Standalone::start().await;
    let client = sandbox.client();
    let session = client
        .create_connect_session(&CreateConnectSession {
            end_user: Some(EndUser {
                id: "user_1".to_owned(),
                email: Some("ada@example.com".to_owned()),
                display_name: None,
            }),
            tags: [("organization_id".to_owned(), "org_1".to_owned())].into(),
            allowed_integrations: vec!["hubspot".to_owned()],
            ..Default::default()
        })
        .await
        .unwrap();
    let hex = session
        .token
        .strip_prefix("nango_connect_session_")
        .unwrap();
    assert_eq!(hex.len(), 64);
    assert!(
        hex.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert!(!format!("{session:?}").contains(hex), "tokens never print");

    let unknown = client
        .create_connect_session(&CreateConnectSession {
            allowed_integrations: vec!["no-such-integration".to_owned()],
            tags: [("organization_id".to_owned(), "org_1".to_owned())].into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        (unknown.status(), unknown.code()),
        (Some(400), Some("invalid_body"))
    );

    let reconnect = client
        .create_reconnect_session(&ReconnectSession {
            connection_id: "missing".to_owned(),
            integration_id: "hubspot".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(reconnect.code(), Some("invalid_body"));
}

#[tokio::test]
async fn connections_are_imported_read_listed_and_deleted() {
    let sandbox = Standalone::start().await;
    let client = sandbox.client();
    let created = client
        .import_connection(&import(
            "openai",
            json!({"type": "API_KEY", "apiKey": "sk-test"}),
        ))
        .await
        .unwrap();
    assert_eq!(created.provider_config_key, "openai");
    assert!(
        !format!("{created:?}").contains("sk-test"),
        "credentials never print"
    );
    let logged = sandbox.requests();
    assert!(!logged.is_empty());
    assert!(
        logged.iter().all(|r| !r.body.contains("sk-test")),
        "the sandbox's request log keeps no credentials"
    );

    let read = client
        .get_connection(
            &created.connection_id,
            "openai",
            GetConnectionOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(read.credentials.kind(), Some("API_KEY"));
    assert_eq!(read.tag("organization_id"), Some("org_1"));

    let listed = client
        .list_connections(&ConnectionFilter {
            integration_ids: vec!["openai".to_owned()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        listed
            .iter()
            .any(|c| c.connection_id == created.connection_id)
    );
    let filtered_out = client
        .list_connections(&ConnectionFilter {
            integration_ids: vec!["hubspot".to_owned()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        filtered_out
            .iter()
            .all(|c| c.connection_id != created.connection_id)
    );

    client
        .delete_connection(&created.connection_id, "openai")
        .await
        .unwrap();
    let gone = client
        .get_connection(
            &created.connection_id,
            "openai",
            GetConnectionOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!((gone.status(), gone.code()), (Some(404), Some("not_found")));
    let again = client
        .delete_connection(&created.connection_id, "openai")
        .await
        .unwrap_err();
    assert_eq!(
        (again.status(), again.code()),
        (Some(400), Some("unknown_connection"))
    );

    let wrong_type = client
        .import_connection(&import(
            "openai",
            json!({"type": "BASIC", "username": "u", "password": "p"}),
        ))
        .await
        .unwrap_err();
    assert_eq!(wrong_type.status(), Some(400));
}

#[tokio::test]
async fn integrations_and_providers_are_listed() {
    let sandbox = Standalone::start().await;
    let client = sandbox.client();
    let integrations = client.list_integrations().await.unwrap();
    assert_eq!(integrations.len(), 3);
    assert_eq!(
        client.get_integration("hubspot").await.unwrap().provider,
        "hubspot"
    );
    let missing = client.get_integration("nope").await.unwrap_err();
    assert_eq!(
        (missing.status(), missing.code()),
        (Some(404), Some("not_found"))
    );
    let providers = client.list_providers(None).await.unwrap();
    assert!(providers.iter().any(|p| p.name == "hubspot"));
}

#[tokio::test]
async fn a_wrong_key_is_refused_like_nango_does() {
    let sandbox = Standalone::start().await;
    let wrong = sandbox
        .client_with_key("00000000-0000-4000-8000-000000000000")
        .list_integrations()
        .await
        .unwrap_err();
    assert_eq!(
        (wrong.status(), wrong.code()),
        (Some(401), Some("unknown_account"))
    );
    let malformed = sandbox
        .client_with_key("not-a-uuid")
        .list_integrations()
        .await
        .unwrap_err();
    assert_eq!(malformed.code(), Some("invalid_secret_key_format"));
    let unreachable = NangoClient::new(NangoClientConfig::new("http://127.0.0.1:9", KEY))
        .unwrap()
        .list_integrations()
        .await
        .unwrap_err();
    assert!(
        matches!(unreachable, NangoError::Transport(_)),
        "{unreachable:?}"
    );
}

#[tokio::test]
async fn idempotent_calls_are_retried_on_429_and_5xx() {
    let sandbox = Standalone::start().await;
    let client = sandbox.client();
    sandbox.fault(
        Fault::status(429)
            .path("/integrations")
            .times(2)
            .retry_after(0),
    );
    assert_eq!(client.list_integrations().await.unwrap().len(), 3);
    assert_eq!(
        sandbox.count("GET", "/integrations"),
        3,
        "two refusals, one success"
    );

    sandbox.fault(Fault::status(503).path("/providers"));
    assert!(client.list_providers(None).await.is_ok());
    assert_eq!(sandbox.count("GET", "/providers"), 2);

    sandbox.fault(Fault::status(500).path("/integrations").times(10));
    let exhausted = client.list_integrations().await.unwrap_err();
    assert_eq!(exhausted.status(), Some(500));
    assert_eq!(
        sandbox.count("GET", "/integrations"),
        3 + 4,
        "first try plus three retries"
    );
}

#[tokio::test]
async fn creating_calls_are_never_retried() {
    let sandbox = Standalone::start().await;
    let client = sandbox.client();
    sandbox.fault(Fault::status(503).path("/connect/sessions").times(1));
    let failed = client
        .create_connect_session(&CreateConnectSession {
            tags: [("organization_id".to_owned(), "org_1".to_owned())].into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(failed.status(), Some(503));
    assert_eq!(sandbox.count("POST", "/connect/sessions"), 1);
}

#[tokio::test]
async fn invalid_credentials_are_recognised() {
    let sandbox = Standalone::start().await;
    let client = sandbox.client();
    let created = client
        .import_connection(&import(
            "openai",
            json!({"type": "API_KEY", "apiKey": "sk-test"}),
        ))
        .await
        .unwrap();
    assert!(sandbox.sandbox.invalidate(&created.connection_id, "openai"));
    assert!(!sandbox.sandbox.invalidate("no-such-connection", "openai"));
    let err = client
        .get_connection(
            &created.connection_id,
            "openai",
            GetConnectionOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, NangoError::InvalidCredentials { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_proxy_reaches_the_fake_provider_and_forwards_headers() {
    let sandbox = Standalone::start().await;
    let client = sandbox.client();
    let created = client
        .import_connection(&import(
            "hubspot",
            json!({"type": "OAUTH2", "access_token": "t"}),
        ))
        .await
        .unwrap();
    let mut request = ProxyRequest::new(
        reqwest::Method::GET,
        Endpoint::parse("/crm/v3/objects/contacts?limit=2").unwrap(),
        &created.connection_id,
        "hubspot",
    );
    request
        .headers
        .push(("X-Trace".to_owned(), "abc".to_owned()));
    let response = client.proxy(&request).await.unwrap();
    assert_eq!(response.status, 200);
    let body: Value = response.json().unwrap();
    assert_eq!(body["results"].as_array().map(Vec::len), Some(2));
    assert!(body["paging"]["next"]["after"].is_string());

    let missing = client
        .proxy(&ProxyRequest::new(
            reqwest::Method::GET,
            Endpoint::parse("/crm/v3/objects/contacts").unwrap(),
            "nope",
            "hubspot",
        ))
        .await
        .unwrap();
    assert_eq!(
        missing.status, 400,
        "Nango's own failure comes back as its answer"
    );

    sandbox.fault(Fault::status(429).path("/proxy/crm").retry_after(0));
    let retried = client.proxy(&request).await.unwrap();
    assert_eq!(retried.status, 200);

    sandbox.fault(Fault::status(503).path("/proxy/crm"));
    let posted = client
        .proxy(
            &ProxyRequest::new(
                reqwest::Method::POST,
                Endpoint::parse("/crm/v3/objects/contacts").unwrap(),
                &created.connection_id,
                "hubspot",
            )
            .json(&json!({"properties": {"email": "new@example.com"}}))
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(posted.status, 503, "a POST is not retried");
}

/// Integration, connection, method, endpoint, JSON body, expected status, a JSON pointer that
/// must hold a value in the answer.
type ProxyCase = (
    &'static str,
    String,
    reqwest::Method,
    &'static str,
    Option<Value>,
    u16,
    &'static str,
);

#[tokio::test]
async fn every_fake_provider_answers_through_the_proxy() {
    let sandbox = Standalone::start_with(&[
        ("pipedrive", "OAUTH2"),
        ("salesforce", "OAUTH2"),
        ("highlevel", "OAUTH2"),
        ("bamboohr-basic", "BASIC"),
        ("google-mail", "OAUTH2"),
        ("slack", "OAUTH2"),
        ("whatsapp-business", "API_KEY"),
        ("twilio", "BASIC"),
    ])
    .await;
    let client = sandbox.client();
    let connect = |key: &'static str, credentials: Value| {
        let client = client.clone();
        async move {
            client
                .import_connection(&import(key, credentials))
                .await
                .unwrap()
                .connection_id
        }
    };
    let oauth = json!({"type": "OAUTH2", "access_token": "t"});
    let basic = json!({"type": "BASIC", "username": "u", "password": "p"});
    let cases: Vec<ProxyCase> = vec![
        (
            "pipedrive",
            connect("pipedrive", oauth.clone()).await,
            reqwest::Method::GET,
            "/v1/persons?start=0&limit=5",
            None,
            200,
            "/additional_data/pagination/more_items_in_collection",
        ),
        (
            "salesforce",
            connect("salesforce", oauth.clone()).await,
            reqwest::Method::GET,
            "/services/data/v60.0/query?q=SELECT+Id+FROM+Contact",
            None,
            200,
            "/records/0/Id",
        ),
        (
            "highlevel",
            connect("highlevel", oauth.clone()).await,
            reqwest::Method::GET,
            "/contacts/ghl_3",
            None,
            200,
            "/contact/email",
        ),
        (
            "bamboohr-basic",
            connect("bamboohr-basic", basic.clone()).await,
            reqwest::Method::GET,
            "/v1/employees/directory",
            None,
            200,
            "/employees/0/workEmail",
        ),
        (
            "google-mail",
            connect("google-mail", oauth.clone()).await,
            reqwest::Method::GET,
            "/gmail/v1/users/me/messages",
            None,
            200,
            "/messages/0/id",
        ),
        (
            "slack",
            connect("slack", oauth.clone()).await,
            reqwest::Method::POST,
            "/api/chat.postMessage",
            Some(json!({"channel": "C1", "text": "hi"})),
            200,
            "/ok",
        ),
        (
            "whatsapp-business",
            connect(
                "whatsapp-business",
                json!({"type": "API_KEY", "apiKey": "k"}),
            )
            .await,
            reqwest::Method::POST,
            "/v20.0/1234/messages",
            Some(
                json!({"messaging_product": "whatsapp", "to": "+15550100", "type": "text", "text": {"body": "hi"}}),
            ),
            200,
            "/messages/0/id",
        ),
    ];
    for (key, connection_id, method, endpoint, body, status, pointer) in cases {
        let mut request = ProxyRequest::new(
            method,
            Endpoint::parse(endpoint).unwrap(),
            &connection_id,
            key,
        );
        if let Some(body) = body {
            request = request.json(&body).unwrap();
        }
        let response = client.proxy(&request).await.unwrap();
        assert_eq!(response.status.as_u16(), status, "{key} {endpoint}");
        let json: Value = response.json().unwrap();
        assert!(
            json.pointer(pointer).is_some_and(|v| !v.is_null()),
            "{key}: {json}"
        );
    }
    let twilio = connect("twilio", basic).await;
    let sms = client
        .proxy(
            &ProxyRequest::new(
                reqwest::Method::POST,
                Endpoint::parse("/2010-04-01/Accounts/AC123/Messages.json").unwrap(),
                &twilio,
                "twilio",
            )
            .form(&[("From", "+15550001"), ("To", "+15550002"), ("Body", "hi")])
            .base_url_override("https://api.twilio.com"),
        )
        .await
        .unwrap();
    assert_eq!(sms.status.as_u16(), 201);
    let logged = sandbox.requests();
    let last = logged.last().expect("a logged request");
    assert_eq!(
        last.header("base-url-override"),
        Some("https://api.twilio.com")
    );
    assert!(
        last.header("authorization").is_none(),
        "keys stay out of the log"
    );

    // A fault that never fires (rate 0) lets every request through.
    sandbox.fault(Fault::status(500).path("/proxy").times(5).rate(0.0));
    assert_eq!(
        client
            .proxy(&ProxyRequest::new(
                reqwest::Method::GET,
                Endpoint::parse("/v1/employees/directory").unwrap(),
                "x",
                "bamboohr-basic"
            ))
            .await
            .unwrap()
            .status
            .as_u16(),
        400
    );
}

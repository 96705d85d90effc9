//! `POST /api/integrations/unified` against the sandbox over real HTTP: every provider ×
//! resource × operation, the validation errors, authentication, upstream refusals, retried
//! 429s and 5xx turned into 502s. Answers are compared with JSON snapshots (`snapshots/`).

use axum::http::StatusCode;
use patchbay_server::nango_sandbox::{SANDBOX_PANORA_CRM_TOKEN, SANDBOX_PANORA_HRIS_TOKEN};
use serde_json::{Value, json};

use crate::helpers::{Backend, Browser, TestApp};

/// Replaces run-dependent strings (connection ids) so snapshots compare.
fn scrub(value: Value, secrets: &[&str]) -> Value {
    match value {
        Value::String(mut s) => {
            for secret in secrets {
                s = s.replace(secret, "[connection]");
            }
            Value::String(s)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| scrub(v, secrets)).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| match (k.as_str(), &v) {
                    // Cursors embed the connection they belong to.
                    ("next_cursor", Value::String(_)) => (k, json!("[cursor]")),
                    _ => (k, scrub(v, secrets)),
                })
                .collect(),
        ),
        other => other,
    }
}

struct World<'a> {
    app: &'a TestApp,
    ada: Browser<'a>,
    key: String,
}

async fn world(app: &TestApp) -> World<'_> {
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let key = ada.create_api_key("tests").await;
    World { app, ada, key }
}

fn basic(username: &str) -> Option<Value> {
    Some(json!({"username": username, "password": "pw"}))
}

fn body(provider: &str, resource: &str, operation: &str, extra: Value) -> Value {
    let mut body = json!({"provider": provider, "resource": resource, "operation": operation});
    if let Value::Object(extra) = extra {
        for (k, v) in extra {
            body[k] = v;
        }
    }
    body
}

#[tokio::test]
async fn crm_contacts_from_every_nango_crm() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut w = world(&app).await;
    for slug in ["hubspot", "pipedrive", "salesforce", "gohighlevel"] {
        let (pck, cid) = w.ada.connect(slug, None).await;
        let named = json!({"connectionId": cid, "providerConfigKey": pck});
        let list = |extra: Value| {
            let mut b = body("nango", "crm.contact", "list", named.clone());
            for (k, v) in extra.as_object().unwrap() {
                b[k] = v.clone();
            }
            b
        };
        // Page 1, then page 2 through the cursor, then page 2 by number: the same records.
        let first = w
            .app
            .unified(&w.key, list(json!({"params": {"page_size": 2}})))
            .await;
        assert_eq!(first.status, StatusCode::OK, "{slug}: {}", first.body);
        let first = first.json();
        assert_eq!(first["data"].as_array().unwrap().len(), 2, "{slug}");
        let cursor = first["next_cursor"]
            .as_str()
            .unwrap_or_else(|| panic!("{slug}: no cursor"))
            .to_owned();
        insta::assert_json_snapshot!(format!("{slug}_list"), scrub(first.clone(), &[&cid]));
        let second = w
            .app
            .unified(
                &w.key,
                list(json!({"params": {"page_size": 2, "cursor": cursor}})),
            )
            .await
            .json();
        let by_number = w
            .app
            .unified(&w.key, list(json!({"params": {"page_size": 2, "page": 2}})))
            .await
            .json();
        assert_eq!(
            second["data"], by_number["data"],
            "{slug}: page 2 by cursor and by number"
        );
        assert_ne!(
            second["data"][0]["id"], first["data"][0]["id"],
            "{slug}: page 2 moves on"
        );
        // The last page says so.
        let last = w
            .app
            .unified(&w.key, list(json!({"params": {"page_size": 100}})))
            .await
            .json();
        assert_eq!(last["data"].as_array().unwrap().len(), 30, "{slug}");
        assert_eq!(last["next_cursor"], Value::Null, "{slug}");

        // Get by our id and by the bare remote id; remote_data on request.
        let id = first["data"][0]["id"].as_str().unwrap().to_owned();
        let remote = first["data"][0]["remote_id"].as_str().unwrap().to_owned();
        let mut get = body("nango", "crm.contact", "get", named.clone());
        get["id"] = json!(id);
        get["remote_data"] = json!(true);
        let got = w.app.unified(&w.key, get.clone()).await;
        assert_eq!(got.status, StatusCode::OK, "{slug}: {}", got.body);
        let got = got.json();
        assert_eq!(got["data"]["remote_id"], json!(remote), "{slug}");
        assert!(
            got["data"]["remote_data"].is_object(),
            "{slug}: remote_data"
        );
        insta::assert_json_snapshot!(format!("{slug}_get"), scrub(got, &[&cid]));
        get["id"] = json!(remote);
        assert_eq!(
            w.app.unified(&w.key, get.clone()).await.status,
            StatusCode::OK,
            "{slug}: bare id"
        );
        get["id"] = json!("999999");
        let missing = w.app.unified(&w.key, get).await;
        assert_eq!(missing.status.as_u16() / 100, 4, "{slug}: {}", missing.body);

        let mut create = body("nango", "crm.contact", "create", named.clone());
        create["data"] = json!({
            "first_name": "Katherine", "last_name": "Johnson",
            "email_addresses": [{"email_address": "katherine@example.com", "email_address_type": "WORK"}],
            "phone_numbers": [{"phone_number": "+15550100999"}]
        });
        let created = w.app.unified(&w.key, create).await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{slug}: {}",
            created.body
        );
        insta::assert_json_snapshot!(format!("{slug}_create"), scrub(created.json(), &[&cid]));
    }
    // Four CRM connections and none named: the caller is told which exist.
    let ambiguous = w
        .app
        .unified(&w.key, body("nango", "crm.contact", "list", json!({})))
        .await;
    assert_eq!(
        ambiguous.status,
        StatusCode::BAD_REQUEST,
        "{}",
        ambiguous.body
    );
    let error = &ambiguous.json()["error"];
    assert_eq!(error["code"], "connection_ambiguous");
    assert_eq!(error["field"], "connectionId");
    assert_eq!(error["connections"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn provider_refusals_come_back_as_4xx_with_their_message() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut w = world(&app).await;
    w.ada.connect("hubspot", None).await;
    // HubSpot wants an email; only a name gets its own validation error through.
    let refused = w
        .app
        .unified(
            &w.key,
            body(
                "nango",
                "crm.contact",
                "create",
                json!({"data": {"first_name": "Nameless"}}),
            ),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let error = refused.json()["error"].clone();
    assert_eq!(error["code"], "upstream_rejected");
    assert_eq!(error["upstream_status"], 400);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("Property values were not valid"),
        "{error}"
    );
    // The only CRM connection is picked without being named.
    let listed = w
        .app
        .unified(&w.key, body("nango", "crm.contact", "list", json!({})))
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(
        listed.json()["meta"]["connection"]["provider_config_key"],
        "hubspot"
    );
    assert_eq!(listed.json()["meta"]["page_size"], 25);
}

#[tokio::test]
async fn hr_employees_from_bamboohr() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut w = world(&app).await;
    let (_, cid) = w.ada.connect("bamboohr", basic("api-key-user")).await;
    let first = w
        .app
        .unified(
            &w.key,
            body(
                "nango",
                "hr.employee",
                "list",
                json!({"params": {"page_size": 5}}),
            ),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first = first.json();
    insta::assert_json_snapshot!("bamboohr_list", scrub(first.clone(), &[&cid]));
    let third = w
        .app
        .unified(
            &w.key,
            body(
                "nango",
                "hr.employee",
                "list",
                json!({"params": {"page_size": 5, "page": 3}}),
            ),
        )
        .await
        .json();
    assert_eq!(
        third["data"].as_array().unwrap().len(),
        2,
        "12 employees: 5 + 5 + 2"
    );
    assert_eq!(third["next_cursor"], Value::Null);
    let got = w
        .app
        .unified(
            &w.key,
            body(
                "nango",
                "hr.employee",
                "get",
                json!({"id": first["data"][1]["id"]}),
            ),
        )
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    insta::assert_json_snapshot!("bamboohr_get", scrub(got.json(), &[&cid]));
    let create = w
        .app
        .unified(
            &w.key,
            body(
                "nango",
                "hr.employee",
                "create",
                json!({"data": {"first_name": "X"}}),
            ),
        )
        .await;
    assert_eq!(create.status, StatusCode::BAD_REQUEST);
    assert_eq!(create.json()["error"]["allowed"], json!(["list", "get"]));
}

#[tokio::test]
async fn whatsapp_text_and_template_messages() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut w = world(&app).await;
    let (pck, cid) = w
        .ada
        .connect("whatsapp-business", Some(json!({"apiKey": "EAAG-sandbox"})))
        .await;
    app.clear_sandbox_requests().await;
    let text = w
        .app
        .unified(&w.key, body("nango", "whatsapp.message", "create", json!({"data": {
            "providerConfigKey": pck, "connectionId": cid, "phoneNumberId": "106540352242922",
            "to": "+14155550100", "body": "Your order has shipped"
        }})))
        .await;
    assert_eq!(text.status, StatusCode::CREATED, "{}", text.body);
    insta::assert_json_snapshot!("whatsapp_text", scrub(text.json(), &[&cid]));
    let sent = app.sandbox_requests().await;
    let call = sent
        .iter()
        .find(|r| r["path"].as_str().unwrap_or("").starts_with("/proxy/"))
        .unwrap();
    assert_eq!(call["path"], "/proxy/v20.0/106540352242922/messages");
    let header = |name: &str| {
        call["headers"]
            .as_array()
            .and_then(|h| h.iter().find(|p| p[0] == name))
            .map(|p| p[1].clone())
            .or_else(|| call["headers"].get(name).cloned())
    };
    assert_eq!(
        header("base-url-override"),
        Some(json!("https://graph.facebook.com")),
        "{call}"
    );
    let sent_body: Value = serde_json::from_str(call["body"].as_str().unwrap()).unwrap();
    assert_eq!(sent_body["text"]["body"], "Your order has shipped");
    assert_eq!(sent_body["messaging_product"], "whatsapp");

    app.clear_sandbox_requests().await;
    let template = w
        .app
        .unified(
            &w.key,
            body(
                "nango",
                "whatsapp.message",
                "create",
                json!({"data": {
                    "phoneNumberId": "106540352242922", "to": "+14155550100", "type": "template",
                    "template": {"name": "order_update", "language": {"code": "en_US"}},
                    "apiVersion": "v21.0", "baseUrlOverride": "https://graph.example.test"
                }}),
            ),
        )
        .await;
    assert_eq!(template.status, StatusCode::CREATED, "{}", template.body);
    let sent = app.sandbox_requests().await;
    let call = sent
        .iter()
        .find(|r| r["path"].as_str().unwrap_or("").starts_with("/proxy/"))
        .unwrap();
    assert_eq!(call["path"], "/proxy/v21.0/106540352242922/messages");
    assert!(
        call.to_string().contains("https://graph.example.test"),
        "{call}"
    );
    assert!(call["body"].as_str().unwrap().contains("order_update"));

    let missing = w
        .app
        .unified(
            &w.key,
            body(
                "nango",
                "whatsapp.message",
                "create",
                json!({"data": {"phoneNumberId": "1", "body": "x"}}),
            ),
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.json()["error"]["field"], "data.to");
}

#[tokio::test]
async fn twilio_sms_with_the_account_sid_from_data_or_the_connection() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut w = world(&app).await;
    let sid = "AC0123456789abcdef0123456789abcdef";
    let (_, cid) = w.ada.connect("twilio", basic(sid)).await;
    app.clear_sandbox_requests().await;
    let sms = json!({"data": {"From": "+15005550006", "To": "+14155550100", "Body": "Your code is 123456"}});
    let sent = w
        .app
        .unified(&w.key, body("nango", "twilio.sms", "create", sms))
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    insta::assert_json_snapshot!("twilio_sms", scrub(sent.json(), &[&cid]));
    let log = app.sandbox_requests().await;
    let call = log
        .iter()
        .find(|r| r["path"].as_str().unwrap_or("").starts_with("/proxy/"))
        .unwrap();
    assert_eq!(
        call["path"],
        format!("/proxy/2010-04-01/Accounts/{sid}/Messages.json")
    );
    assert!(
        call.to_string().contains("https://api.twilio.com"),
        "{call}"
    );
    assert_eq!(
        call["body"],
        "From=%2B15005550006&To=%2B14155550100&Body=Your+code+is+123456"
    );

    let other = "ACffffffffffffffffffffffffffffffff";
    app.clear_sandbox_requests().await;
    let with_sid = json!({"data": {"From": "+15005550006", "To": "+14155550100", "Body": "x", "accountSid": other}});
    assert_eq!(
        w.app
            .unified(&w.key, body("nango", "twilio.sms", "create", with_sid))
            .await
            .status,
        StatusCode::CREATED
    );
    assert!(
        app.sandbox_requests()
            .await
            .iter()
            .any(|r| r["path"].as_str().unwrap_or("").contains(other))
    );
}

#[tokio::test]
async fn panora_contacts_and_employees() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut w = world(&app).await;
    // No token yet: the caller is told where to set one.
    let none = w
        .app
        .unified(&w.key, body("panora", "crm.contact", "list", json!({})))
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "{}", none.body);
    assert_eq!(none.json()["error"]["code"], "connection_not_found");
    let saved = w
        .ada
        .call(
            "settings/save_panora",
            &[
                ("connection_token", SANDBOX_PANORA_CRM_TOKEN),
                ("label", "HubSpot via Panora"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);

    let first = w
        .app
        .unified(
            &w.key,
            body(
                "panora",
                "crm.contact",
                "list",
                json!({"params": {"page_size": 12}}),
            ),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first = first.json();
    insta::assert_json_snapshot!("panora_contacts_list", first.clone());
    let mut seen: Vec<Value> = first["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    let mut cursor = first["next_cursor"].clone();
    while let Some(c) = cursor.as_str() {
        let page = w
            .app
            .unified(
                &w.key,
                body(
                    "panora",
                    "crm.contact",
                    "list",
                    json!({"params": {"page_size": 12, "cursor": c}}),
                ),
            )
            .await
            .json();
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].clone()),
        );
        cursor = page["next_cursor"].clone();
    }
    let distinct: std::collections::HashSet<String> = seen.iter().map(Value::to_string).collect();
    assert_eq!((seen.len(), distinct.len()), (30, 30), "every contact once");
    let third = w
        .app
        .unified(
            &w.key,
            body(
                "panora",
                "crm.contact",
                "list",
                json!({"params": {"page_size": 12, "page": 3}}),
            ),
        )
        .await
        .json();
    assert_eq!(
        third["data"].as_array().unwrap().len(),
        6,
        "page 3 walked by cursor"
    );

    let got = w
        .app
        .unified(
            &w.key,
            body(
                "panora",
                "crm.contact",
                "get",
                json!({"id": first["data"][0]["id"], "remote_data": true}),
            ),
        )
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    insta::assert_json_snapshot!("panora_contact_get", got.json());
    let bad_id = w
        .app
        .unified(
            &w.key,
            body("panora", "crm.contact", "get", json!({"id": "12"})),
        )
        .await;
    assert_eq!(
        (bad_id.status, bad_id.json()["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("id"))
    );

    let created = w
        .app
        .unified(
            &w.key,
            body(
                "panora",
                "crm.contact",
                "create",
                json!({"data": {
                    "first_name": "Mary", "last_name": "Jackson",
                    "email_addresses": [{"email_address": "mary@example.com"}]
                }}),
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let created = created.json();
    assert_eq!(
        created["data"]["email_addresses"][0]["email_address"],
        "mary@example.com"
    );
    let no_last = w
        .app
        .unified(
            &w.key,
            body(
                "panora",
                "crm.contact",
                "create",
                json!({"data": {"first_name": "Mary"}}),
            ),
        )
        .await;
    assert_eq!(no_last.json()["error"]["field"], "data.last_name");

    // Employees with the token in the body, through the HRIS cursor quirk, without repeats.
    let hris = json!({"connectionToken": SANDBOX_PANORA_HRIS_TOKEN, "params": {"page_size": 5}});
    let page1 = w
        .app
        .unified(&w.key, body("panora", "hr.employee", "list", hris.clone()))
        .await;
    assert_eq!(page1.status, StatusCode::OK, "{}", page1.body);
    let page1 = page1.json();
    insta::assert_json_snapshot!("panora_employees_list", page1.clone());
    let mut next = hris.clone();
    next["params"]["cursor"] = page1["next_cursor"].clone();
    let page2 = w
        .app
        .unified(&w.key, body("panora", "hr.employee", "list", next))
        .await
        .json();
    let ids = |p: &Value| {
        p["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&page2).len(), 5);
    assert!(
        ids(&page1).iter().all(|id| !ids(&page2).contains(id)),
        "no employee repeated"
    );
    let employee = w
        .app
        .unified(
            &w.key,
            body(
                "panora",
                "hr.employee",
                "get",
                json!({"connectionToken": SANDBOX_PANORA_HRIS_TOKEN, "id": page1["data"][0]["id"]}),
            ),
        )
        .await;
    assert_eq!(employee.status, StatusCode::OK, "{}", employee.body);
    insta::assert_json_snapshot!("panora_employee_get", employee.json());

    // Panora's 500 for an unknown token is a 502 with our code.
    let unknown = w
        .app
        .unified(
            &w.key,
            body(
                "panora",
                "crm.contact",
                "list",
                json!({"connectionToken": "00000000-0000-4000-8000-00000000dead"}),
            ),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_GATEWAY, "{}", unknown.body);
    assert_eq!(unknown.json()["error"]["code"], "upstream_unavailable");
}

#[tokio::test]
async fn every_invalid_body_names_its_field() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let w = world(&app).await;
    let cases = [
        (json!("not an object"), "body"),
        (
            json!({"resource": "crm.contact", "operation": "list"}),
            "provider",
        ),
        (
            json!({"provider": "merge", "resource": "crm.contact", "operation": "list"}),
            "provider",
        ),
        (
            json!({"provider": "nango", "resource": "crm.deal", "operation": "list"}),
            "resource",
        ),
        (
            json!({"provider": "nango", "resource": "crm.contact", "operation": "delete"}),
            "operation",
        ),
        (
            json!({"provider": "nango", "resource": "crm.contact", "operation": "get"}),
            "id",
        ),
        (
            json!({"provider": "nango", "resource": "crm.contact", "operation": "create"}),
            "data",
        ),
        (
            json!({"provider": "nango", "resource": "crm.contact", "operation": "list", "params": {"page_size": 1000}}),
            "params.page_size",
        ),
        (
            json!({"provider": "nango", "resource": "crm.contact", "operation": "list", "params": {"cursor": "forged"}}),
            "connectionId",
        ),
        (
            json!({"provider": "nango", "resource": "crm.contact", "operation": "create", "data": {"email_addresses": [{"email_address": "nope"}]}}),
            "data.email_addresses[0].email_address",
        ),
        (
            json!({"provider": "panora", "resource": "whatsapp.message", "operation": "create"}),
            "resource",
        ),
        (
            json!({"provider": "nango", "resource": "twilio.sms", "operation": "create", "data": {"To": "+14155550100", "Body": "x"}}),
            "data.From",
        ),
        (
            json!({"provider": "nango", "resource": "crm.contact", "operation": "list", "colour": "blue"}),
            "colour",
        ),
    ];
    for (request, field) in cases {
        let answer = w.app.unified(&w.key, request.clone()).await;
        let error = answer.json()["error"].clone();
        assert_eq!(error["field"], field, "{request} -> {}", answer.body);
        assert!(
            answer.status.is_client_error(),
            "{request} -> {}",
            answer.status
        );
        assert!(!error["message"].as_str().unwrap_or("").is_empty());
    }
    let snapshot = w
        .app
        .unified(
            &w.key,
            json!({"provider": "nango", "resource": "crm.contact", "operation": "remove"}),
        )
        .await;
    insta::assert_json_snapshot!("invalid_operation", snapshot.json());
    let not_json = w
        .app
        .rest(
            "POST",
            "/api/integrations/unified",
            Some(&w.key),
            None,
            None,
        )
        .await;
    assert_eq!(
        (not_json.status, not_json.json()["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("body"))
    );
}

#[tokio::test]
async fn an_injected_429_is_retried_and_a_lasting_5xx_is_a_502() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut w = world(&app).await;
    w.ada.connect("hubspot", None).await;
    app.clear_sandbox_requests().await;
    app.sandbox_fault(
        json!({"path_prefix": "/proxy/crm", "status": 429, "count": 1, "retry_after": 0}),
    )
    .await;
    let retried = w
        .app
        .unified(&w.key, body("nango", "crm.contact", "list", json!({})))
        .await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    let proxied = app
        .sandbox_requests()
        .await
        .iter()
        .filter(|r| r["path"] == "/proxy/crm/v3/objects/contacts")
        .count();
    assert_eq!(proxied, 2, "one 429, one success");

    app.sandbox_fault(json!({"path_prefix": "/proxy/crm", "status": 503, "count": 10}))
        .await;
    let failed = w
        .app
        .unified(&w.key, body("nango", "crm.contact", "list", json!({})))
        .await;
    assert_eq!(failed.status, StatusCode::BAD_GATEWAY, "{}", failed.body);
    let error = failed.json()["error"].clone();
    assert_eq!(error["code"], "upstream_unavailable");
    assert_eq!(error["upstream_status"], 503);
}

#[tokio::test]
async fn a_provider_that_does_not_answer_in_time_is_a_504() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut w = world(&app).await;
    w.ada.connect("hubspot", None).await;
    // Longer than the 3 s the test app allows; a create is not retried, so one wait.
    app.sandbox_fault(json!({"path_prefix": "/proxy/crm", "delay_ms": 4000, "count": 1}))
        .await;
    let slow = w
        .app
        .unified(
            &w.key,
            body(
                "nango",
                "crm.contact",
                "create",
                json!({"data": {"email_addresses": [{"email_address": "late@example.com"}]}}),
            ),
        )
        .await;
    assert_eq!(slow.status, StatusCode::GATEWAY_TIMEOUT, "{}", slow.body);
    assert_eq!(slow.json()["error"]["code"], "upstream_timeout");
}

#[tokio::test]
async fn no_connection_for_the_resource_says_what_to_connect() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut w = world(&app).await;
    let nothing = w
        .app
        .unified(&w.key, body("nango", "hr.employee", "list", json!({})))
        .await;
    assert_eq!(nothing.status, StatusCode::NOT_FOUND);
    assert!(
        nothing.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("BambooHR")
    );
    let (pck, cid) = w.ada.connect("hubspot", None).await;
    let wrong = w
        .app
        .unified(
            &w.key,
            body(
                "nango",
                "hr.employee",
                "list",
                json!({"connectionId": cid, "providerConfigKey": pck}),
            ),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.body);
    assert!(
        wrong.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("HubSpot")
    );
}

async fn another_organisation_cannot_use_a_connection(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let mut w = world(&app).await;
    let (pck, cid) = w.ada.connect("hubspot", None).await;
    let mut eve = app.browser();
    eve.sign_up("eve@example.com", "Eve").await;
    let eve_key = eve.create_api_key("eve").await;
    let named = json!({"connectionId": cid, "providerConfigKey": pck});
    let refused = app
        .unified(
            &eve_key,
            body("nango", "crm.contact", "list", named.clone()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    let proxied = app
        .rest(
            "GET",
            &format!("/api/proxy/{cid}/crm/v3/objects/contacts"),
            Some(&eve_key),
            None,
            None,
        )
        .await;
    assert_eq!(proxied.status, StatusCode::NOT_FOUND, "{}", proxied.body);
    // Ada's own key works, through the unified API and the proxy.
    assert_eq!(
        app.unified(&w.key, body("nango", "crm.contact", "list", named))
            .await
            .status,
        StatusCode::OK
    );
    let listed = app
        .rest("GET", "/api/v1/connections", Some(&w.key), None, None)
        .await;
    assert_eq!(listed.json()["connections"][0]["connection_id"], json!(cid));
    assert_eq!(
        app.rest("GET", "/api/v1/connections", Some(&eve_key), None, None)
            .await
            .json()["connections"],
        json!([])
    );
}

crate::on_both_backends!(another_organisation_cannot_use_a_connection);

#[tokio::test]
async fn caller_input_never_chooses_the_upstream_host_or_leaves_its_path() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut w = world(&app).await;
    let (pck, cid) = w
        .ada
        .connect("whatsapp-business", Some(json!({"apiKey": "EAAG-sandbox"})))
        .await;
    let (hpck, hcid) = w.ada.connect("hubspot", None).await;
    app.clear_sandbox_requests().await;
    for base in [
        "http://169.254.169.254/latest",
        "https://graph.facebook.com.evil.example",
        "https://graph.facebook.com@evil.example",
        "http://graph.facebook.com",
    ] {
        let refused = w
            .app
            .unified(&w.key, body("nango", "whatsapp.message", "create", json!({"data": {
                "providerConfigKey": pck, "connectionId": cid, "phoneNumberId": "106540352242922",
                "to": "+14155550100", "body": "hi", "baseUrlOverride": base
            }})))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{base}: {}",
            refused.body
        );
        let error = &refused.json()["error"];
        assert_eq!(error["field"], "data.baseUrlOverride", "{base}");
        assert_eq!(
            error["allowed"],
            json!([
                "https://graph.facebook.com",
                crate::helpers::WHATSAPP_TEST_BASE
            ]),
            "{base}"
        );
    }
    for (field, data) in [
        (
            "data.phoneNumberId",
            json!({"phoneNumberId": "..", "apiVersion": "v20.0"}),
        ),
        (
            "data.phoneNumberId",
            json!({"phoneNumberId": "%2e%2e", "apiVersion": "v20.0"}),
        ),
    ] {
        let mut data = data;
        data["providerConfigKey"] = json!(pck);
        data["connectionId"] = json!(cid);
        data["to"] = json!("+14155550100");
        data["body"] = json!("hi");
        let refused = w
            .app
            .unified(
                &w.key,
                body("nango", "whatsapp.message", "create", json!({"data": data})),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert_eq!(refused.json()["error"]["code"], "invalid_path");
        assert_eq!(refused.json()["error"]["field"], field);
    }
    for id in ["..", "../../connections", "%2e%2e", "a\\b"] {
        let refused = w
            .app
            .unified(
                &w.key,
                body(
                    "nango",
                    "crm.contact",
                    "get",
                    json!({
                        "connectionId": hcid, "providerConfigKey": hpck, "id": id
                    }),
                ),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{id}: {}",
            refused.body
        );
        assert_eq!(refused.json()["error"]["code"], "invalid_path", "{id}");
        assert_eq!(refused.json()["error"]["field"], "id", "{id}");
    }
    let log = app.sandbox_requests().await;
    assert!(
        log.iter()
            .all(|r| !r["path"].as_str().unwrap_or("").starts_with("/proxy/")),
        "nothing was proxied: {log:?}"
    );
}

#[tokio::test]
async fn list_params_pass_through_encoded_and_never_override_patchbays() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut w = world(&app).await;
    w.ada.connect("hubspot", None).await;
    let list = |params: Value| body("nango", "crm.contact", "list", json!({"params": params}));
    app.clear_sandbox_requests().await;
    let passed = w
        .app
        .unified(
            &w.key,
            list(json!({"page_size": 2, "archived": false, "q": "a&b=c#d e", "to": "/../../connections"})),
        )
        .await;
    assert_eq!(passed.status, StatusCode::OK, "{}", passed.body);
    assert_eq!(passed.json()["data"].as_array().unwrap().len(), 2);
    let log = app.sandbox_requests().await;
    let call = log
        .iter()
        .find(|r| r["path"].as_str().unwrap_or("").starts_with("/proxy/"))
        .unwrap();
    assert_eq!(
        call["path"], "/proxy/crm/v3/objects/contacts",
        "never a path"
    );
    let query = call["query"].as_str().unwrap();
    let pairs: Vec<&str> = query.split('&').collect();
    for expected in [
        "limit=2",
        "archived=false",
        "q=a%26b%3Dc%23d+e",
        "to=%2F..%2F..%2Fconnections",
    ] {
        assert!(pairs.contains(&expected), "{expected} in {query}");
    }
    assert_eq!(
        pairs.iter().filter(|p| p.starts_with("limit=")).count(),
        1,
        "{query}"
    );

    app.clear_sandbox_requests().await;
    let long = "x".repeat(10 * 1024);
    for (params, field) in [
        (json!({"limit": 1000}), "params.limit"),
        (json!({"LIMIT": 1000}), "params.LIMIT"),
        (json!({"after": "5"}), "params.after"),
        (json!({"properties": "hs_secret"}), "params.properties"),
        (json!({"a&limit": "1000"}), "params.a&limit"),
        (json!({"a=b": "1"}), "params.a=b"),
        (json!({"a#b": "1"}), "params.a#b"),
        (json!({"x\r\nHost": "evil"}), "params.x??Host"),
        (json!({"q": "a\r\nX-Injected: 1"}), "params.q"),
        (json!({"q": long}), "params.q"),
        (json!({"q": ["a", "b"]}), "params.q"),
    ] {
        let refused = w.app.unified(&w.key, list(params.clone())).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{params}: {}",
            refused.body
        );
        let error = refused.json()["error"].clone();
        assert_eq!(error["field"], field, "{params}");
        assert!(
            error["message"].as_str().unwrap().len() < 500,
            "the message does not echo the value"
        );
    }
    // Only a list passes parameters on; elsewhere an unknown parameter is still refused.
    let get = w
        .app
        .unified(
            &w.key,
            body(
                "nango",
                "crm.contact",
                "get",
                json!({"id": "1", "params": {"archived": true}}),
            ),
        )
        .await;
    assert_eq!(get.json()["error"]["field"], "params.archived");
    let log = app.sandbox_requests().await;
    assert!(
        log.iter()
            .all(|r| !r["path"].as_str().unwrap_or("").starts_with("/proxy/")),
        "nothing was proxied: {log:?}"
    );
}

#[tokio::test]
async fn simple_and_full_forms_that_disagree_are_refused() {
    let app = TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await;
    let mut w = world(&app).await;
    w.ada.connect("hubspot", None).await;
    for (resource, data, field) in [
        (
            "crm.contact",
            json!({"email": "a@example.com", "email_addresses": [{"email_address": "b@example.com"}]}),
            "data.email",
        ),
        (
            "crm.contact",
            json!({"first_name": "A", "phone": "+15550100", "phone_numbers": [{"phone_number": "+15550199"}]}),
            "data.phone",
        ),
        (
            "twilio.sms",
            json!({"From": "+15005550006", "from": "+15005550007", "to": "+14155550100", "body": "x"}),
            "data.from",
        ),
        (
            "twilio.sms",
            json!({"from": "+15005550006", "to": "+14155550100", "Body": "x", "body": "y"}),
            "data.body",
        ),
    ] {
        let refused = w
            .app
            .unified(
                &w.key,
                body("nango", resource, "create", json!({"data": data})),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{data}: {}",
            refused.body
        );
        assert_eq!(refused.json()["error"]["field"], field, "{data}");
    }
}

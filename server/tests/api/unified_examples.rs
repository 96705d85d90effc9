//! The six examples of the unified endpoint's documentation, sent as written (only the
//! connection ids are this run's) through the test app against the sandbox's fake providers
//! and fake Panora. What reached the provider is read back from the sandbox's request log.

use axum::http::StatusCode;
use patchbay_server::nango_sandbox::SANDBOX_PANORA_CRM_TOKEN;
use serde_json::{Value, json};

use crate::helpers::{Backend, Browser, TestApp};

async fn signed_up(app: &TestApp) -> (Browser<'_>, String) {
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let key = ada.create_api_key("examples").await;
    (ada, key)
}

async fn sandboxed() -> TestApp {
    TestApp::builder(Backend::Sqlite)
        .with_nango_sandbox()
        .build()
        .await
}

/// The one call that went through Nango's proxy since the log was cleared.
async fn proxied(app: &TestApp) -> Value {
    let calls: Vec<Value> = app
        .sandbox_requests()
        .await
        .into_iter()
        .filter(|r| r["path"].as_str().unwrap_or("").starts_with("/proxy/"))
        .collect();
    assert_eq!(calls.len(), 1, "{calls:?}");
    calls[0].clone()
}

#[tokio::test]
async fn list_crm_contacts_via_panora() {
    let app = sandboxed().await;
    let (mut ada, key) = signed_up(&app).await;
    let saved = ada
        .call(
            "settings/save_panora",
            &[
                ("connection_token", SANDBOX_PANORA_CRM_TOKEN),
                ("label", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let answer = app
        .unified(
            &key,
            json!({"provider":"panora","resource":"crm.contact","operation":"list","params":{"page":1,"page_size":50}}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let answer = answer.json();
    assert_eq!(
        answer["data"].as_array().unwrap().len(),
        30,
        "all 30 seeded"
    );
    assert_eq!(answer["next_cursor"], Value::Null);
    assert_eq!(
        answer["meta"],
        json!({"provider": "panora", "resource": "crm.contact", "operation": "list",
               "connection": null, "page_size": 50})
    );
}

#[tokio::test]
async fn get_an_hr_employee_via_nango() {
    let app = sandboxed().await;
    let (mut ada, key) = signed_up(&app).await;
    ada.connect(
        "bamboohr",
        Some(json!({"username": "api-key-user", "password": "pw"})),
    )
    .await;
    app.clear_sandbox_requests().await;
    let answer = app
        .unified(
            &key,
            json!({"provider":"nango","resource":"hr.employee","operation":"get","id":"emp_123"}),
        )
        .await;
    // The request is accepted and asked of BambooHR; the fake directory has employees 1 to 12
    // only, so BambooHR's own 404 comes back as such.
    let call = proxied(&app).await;
    assert_eq!(call["path"], "/proxy/v1/employees/emp_123");
    assert!(
        call["query"].as_str().unwrap().starts_with("fields="),
        "{call}"
    );
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
    let error = answer.json()["error"].clone();
    assert_eq!(
        (error["code"].as_str(), error["upstream_status"].as_u64()),
        (Some("upstream_rejected"), Some(404))
    );
    // The same request for an employee the directory has is answered with the record.
    let found = app
        .unified(
            &key,
            json!({"provider":"nango","resource":"hr.employee","operation":"get","id":"3"}),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(found.json()["data"]["remote_id"], "3");
}

#[tokio::test]
async fn create_a_crm_contact_via_nango() {
    let app = sandboxed().await;
    let (mut ada, key) = signed_up(&app).await;
    ada.connect("hubspot", None).await;
    app.clear_sandbox_requests().await;
    let answer = app
        .unified(
            &key,
            json!({"provider":"nango","resource":"crm.contact","operation":"create","data":{"email":"test@example.com","first_name":"Test"}}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let data = answer.json()["data"].clone();
    assert_eq!(data["first_name"], "Test");
    assert_eq!(
        data["email_addresses"],
        json!([{"email_address": "test@example.com", "email_address_type": null}])
    );
    let call = proxied(&app).await;
    let sent: Value = serde_json::from_str(call["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        sent,
        json!({"properties": {"email": "test@example.com", "firstname": "Test"}})
    );
}

async fn whatsapp(app: &TestApp) -> (String, String, String) {
    let (mut ada, key) = signed_up(app).await;
    let (pck, cid) = ada
        .connect("whatsapp-business", Some(json!({"apiKey": "EAAG-sandbox"})))
        .await;
    app.clear_sandbox_requests().await;
    (key, pck, cid)
}

#[tokio::test]
async fn send_a_whatsapp_text() {
    let app = sandboxed().await;
    let (key, pck, cid) = whatsapp(&app).await;
    let answer = app
        .unified(
            &key,
            json!({"provider": "nango", "resource": "whatsapp.message", "operation": "create",
                "data": {"providerConfigKey": pck, "connectionId": cid, "phoneNumberId": "106540352242922",
                         "type": "text", "to": "+14155550100", "body": "Your order has shipped"}}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(
        answer.json()["data"]["message_id"],
        "wamid.sandbox.106540352242922.1"
    );
    let call = proxied(&app).await;
    assert_eq!(call["path"], "/proxy/v20.0/106540352242922/messages");
    let sent: Value = serde_json::from_str(call["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        (sent["type"].as_str(), sent["text"]["body"].as_str()),
        (Some("text"), Some("Your order has shipped"))
    );
}

#[tokio::test]
async fn send_a_whatsapp_template() {
    let app = sandboxed().await;
    let (key, pck, cid) = whatsapp(&app).await;
    let components = json!([{"type": "body", "parameters": [{"type": "text", "text": "#4821"}]}]);
    let answer = app
        .unified(
            &key,
            json!({"provider": "nango", "resource": "whatsapp.message", "operation": "create",
                "data": {"providerConfigKey": pck, "connectionId": cid, "phoneNumberId": "106540352242922",
                         "type": "template", "to": "+14155550100",
                         "template": {"name": "order_shipped", "language": {"code": "en_US"},
                                      "components": components}}}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let call = proxied(&app).await;
    let sent: Value = serde_json::from_str(call["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        sent["template"],
        json!({"name": "order_shipped", "language": {"code": "en_US"}, "components": components})
    );
}

#[tokio::test]
async fn send_a_twilio_sms_with_lowercase_fields() {
    let app = sandboxed().await;
    let (mut ada, key) = signed_up(&app).await;
    let sid = "AC0123456789abcdef0123456789abcdef";
    let (pck, cid) = ada
        .connect("twilio", Some(json!({"username": sid, "password": "pw"})))
        .await;
    let other = "ACffffffffffffffffffffffffffffffff";
    for account_sid in [None, Some(other)] {
        app.clear_sandbox_requests().await;
        let mut data = json!({"providerConfigKey": pck, "connectionId": cid,
            "from": "+15005550006", "to": "+14155550100", "body": "Your code is 123456"});
        if let Some(account_sid) = account_sid {
            data["accountSid"] = json!(account_sid);
        }
        let answer = app
            .unified(
                &key,
                json!({"provider": "nango", "resource": "twilio.sms", "operation": "create", "data": data}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        assert_eq!(answer.json()["data"]["status"], "queued");
        let call = proxied(&app).await;
        assert_eq!(
            call["path"],
            format!(
                "/proxy/2010-04-01/Accounts/{}/Messages.json",
                account_sid.unwrap_or(sid)
            )
        );
        assert_eq!(
            call["body"],
            "From=%2B15005550006&To=%2B14155550100&Body=Your+code+is+123456"
        );
    }
}

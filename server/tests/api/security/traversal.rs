//! One traversal corpus (`../` in every encoding we know, repeated 1–4 times before a Nango
//! management path) sent by organisation B at every route that takes a path or an id. Each
//! attempt: no 5xx, none of A's data in the answer, and nothing reached upstream beyond B's own
//! connections' `/proxy/` calls. A's rows are compared before and after.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::{Value, json};

use super::{Probe, World, world};
use crate::helpers::{Backend, TestApp, TestResponse};

/// The ways of writing "up one level".
const UNITS: &[&str] = &[
    "../",
    "..%2f",
    "..%2F",
    "%2e%2e%2f",
    "%2E%2E%2F",
    ".%2e/",
    "%2e./",
    "%252e%252e%252f",
    "..%252f",
    "..\\",
    "..%5c",
    "%2e%2e%5c",
    "..;/",
    "%c0%ae%c0%ae/",
    "/%2e%2e/",
    "./../",
    "crm/../../",
    "crm/%2e%2e/%2e%2e/",
    "..%00/",
];

/// Where an attacker wants to land on Nango.
const TARGETS: &[&str] = &[
    "connections",
    "connect/sessions",
    "integrations",
    "_sandbox/requests",
];

/// Every unit, repeated 1–4 times, before every target.
pub fn corpus() -> Vec<String> {
    let mut out = Vec::new();
    for unit in UNITS {
        for times in 1..=4 {
            for target in TARGETS {
                out.push(format!("{}{target}", unit.repeat(times)));
            }
        }
    }
    out
}

/// The corpus as raw path material: what a URI can carry as it is, with `\` and NUL written
/// percent-encoded.
fn in_uri(payload: &str) -> String {
    payload.replace('\\', "%5C")
}

/// One round of percent-decoding (what the router does to a path parameter).
fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(u8::try_from(h * 16 + l).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Whether the path, once decoded, has a `.` or `..` segment (with `/` or `\` as separator).
fn is_traversal(path: &str) -> bool {
    String::from_utf8_lossy(&percent_decode(path))
        .replace('\\', "/")
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
}

/// The refusal the fix promises: 400 with the `invalid_path` code on the `path` field.
fn is_invalid_path(r: &TestResponse) -> bool {
    r.status == StatusCode::BAD_REQUEST
        && serde_json::from_str::<Value>(&r.body)
            .is_ok_and(|v| v["error"]["code"] == "invalid_path" && v["error"]["field"] == "path")
}

struct Tally {
    attempts: usize,
    reached: Vec<String>,
    failures: Vec<String>,
}

impl Tally {
    fn record(
        &mut self,
        w: &World<'_>,
        label: &str,
        sent: &str,
        response: &TestResponse,
        upstream: Vec<String>,
    ) {
        self.attempts += 1;
        if response.status.is_server_error() {
            self.failures.push(format!(
                "{label}: {} {}",
                response.status,
                truncate(&response.body)
            ));
        }
        let leaks = w.leaks(&response.body, sent);
        if !leaks.is_empty() {
            self.failures
                .push(format!("{label}: {} leaks {leaks:?}", response.status));
        }
        for call in upstream {
            self.reached.push(format!("{label} -> {call}"));
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(200).collect()
}

async fn raw(app: &TestApp, method: &str, uri: &str, bearer: Option<&str>) -> TestResponse {
    let mut request = Request::builder()
        .method(method)
        .header(header::ACCEPT, "application/json");
    if let Some(key) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    match request.uri(uri).body(Body::empty()) {
        Ok(request) => app.send(request).await,
        // A URI the HTTP layer itself refuses never reaches Patchbay: a client error.
        Err(_) => TestResponse {
            status: StatusCode::BAD_REQUEST,
            headers: Default::default(),
            body: String::new(),
        },
    }
}

async fn traversal_corpus_reaches_nothing_outside_the_callers_proxy(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let mut w = world(&app).await;
    let before = w.snapshot_a().await;
    let mut probe = Probe::new(&app);
    let corpus = corpus();
    let own = [
        w.b_hubspot.clone(),
        w.b_whatsapp.clone(),
        w.b_twilio.clone(),
    ];
    let own: Vec<&str> = own.iter().map(String::as_str).collect();
    let b_key = w.b_key.clone();
    let mut t = Tally {
        attempts: 0,
        reached: Vec::new(),
        failures: Vec::new(),
    };
    let started = std::time::Instant::now();

    for (index, payload) in corpus.iter().enumerate() {
        let p = in_uri(payload);
        // The proxy's `{*path}`, with every method, and its `{connection}` segment.
        for method in ["GET", "DELETE", "POST"] {
            let uri = format!("/api/proxy/{}/{p}", w.b_hubspot);
            probe.arm().await;
            let r = raw(&app, method, &uri, Some(&b_key)).await;
            let up = probe.check(&r, &own).await;
            let label = format!("{method} {uri}");
            // The contract: a traversal is refused as a bad path before anything is sent
            // (other payloads may be forwarded, inside `/proxy/`, which the probe checks).
            if is_traversal(&p) && !is_invalid_path(&r) {
                t.failures.push(format!(
                    "{label}: expected 400 invalid_path, got {} {}",
                    r.status,
                    truncate(&r.body)
                ));
            }
            t.record(&w, &label, &uri, &r, up);
        }
        let uri = format!("/api/proxy/{p}/crm/v3/objects/contacts");
        probe.arm().await;
        let r = raw(&app, "GET", &uri, Some(&b_key)).await;
        let up = probe.check(&r, &own).await;
        t.record(&w, &format!("GET {uri}"), &uri, &r, up);

        // The unified API's ids and names.
        let cases = [
            (
                "id",
                json!({"provider": "nango", "resource": "crm.contact", "operation": "get", "connectionId": w.b_hubspot, "id": payload}),
            ),
            (
                "connectionId",
                json!({"provider": "nango", "resource": "crm.contact", "operation": "get", "connectionId": payload, "id": "1"}),
            ),
            (
                "providerConfigKey",
                json!({"provider": "nango", "resource": "crm.contact", "operation": "get", "providerConfigKey": payload, "id": "1"}),
            ),
            (
                "data.phoneNumberId",
                json!({"provider": "nango", "resource": "whatsapp.message", "operation": "create", "data": {"connectionId": w.b_whatsapp, "phoneNumberId": payload, "to": "+14155550100", "body": "x"}}),
            ),
            (
                "data.apiVersion",
                json!({"provider": "nango", "resource": "whatsapp.message", "operation": "create", "data": {"connectionId": w.b_whatsapp, "phoneNumberId": "106540352242922", "apiVersion": payload, "to": "+14155550100", "body": "x"}}),
            ),
            (
                "data.accountSid",
                json!({"provider": "nango", "resource": "twilio.sms", "operation": "create", "data": {"connectionId": w.b_twilio, "accountSid": payload, "From": "+15005550006", "To": "+14155550100", "Body": "x"}}),
            ),
        ];
        for (field, body) in cases {
            probe.arm().await;
            let r = app.unified(&b_key, body.clone()).await;
            let up = probe.check(&r, &own).await;
            t.record(
                &w,
                &format!("unified {field}={payload}"),
                &body.to_string(),
                &r,
                up,
            );
        }

        // REST: revoke an API key by a hostile id, with a key and with a session.
        let uri = format!("/api/v1/api-keys/{p}");
        probe.arm().await;
        let r = raw(&app, "DELETE", &uri, Some(&b_key)).await;
        let up = probe.check(&r, &own).await;
        t.record(&w, &format!("DELETE {uri}"), &uri, &r, up);

        // Server functions that take ids, slugs and tokens, as B's admin.
        let fns: [(&str, Vec<(&str, &str)>); 13] = [
            ("connections/check", vec![("id", payload)]),
            ("connections/reconnect", vec![("id", payload)]),
            ("connections/disconnect", vec![("id", payload)]),
            ("catalog/connector", vec![("slug", payload)]),
            ("connect/start", vec![("slug", payload)]),
            (
                "connect/confirm",
                vec![("provider_config_key", payload), ("connection_id", "x")],
            ),
            (
                "connect/confirm",
                vec![
                    ("provider_config_key", "hubspot"),
                    ("connection_id", payload),
                ],
            ),
            ("org/revoke_invite", vec![("invite_id", payload)]),
            (
                "org/change_role",
                vec![("user_id", payload), ("role", "admin")],
            ),
            ("org/remove_member", vec![("user_id", payload)]),
            ("session/switch_org", vec![("org_id", payload)]),
            ("invite/info", vec![("token", payload)]),
            ("invite/accept", vec![("token", payload)]),
        ];
        for (endpoint, fields) in fns {
            probe.arm().await;
            let r = w.bob.call(endpoint, &fields).await;
            let mut up = probe.check(&r, &own).await;
            if endpoint == "connect/confirm" {
                // Confirming asks Nango for the connection the caller names (one encoded
                // segment under /connections/), then refuses it unless it is tagged with the
                // caller's organisation: that read is the check itself, not a reach.
                up.retain(|call| !is_single_connection_read(call));
            }
            t.record(&w, &format!("{endpoint} {fields:?}"), payload, &r, up);
        }

        // Pages with parameters: they call no upstream, so one payload per unit and target
        // (the first repeat) is enough; rendering all of them only made the run slower.
        let first_repeat = (index / TARGETS.len()).is_multiple_of(4);
        for page in ["/connectors/", "/invite/"]
            .into_iter()
            .filter(|_| first_repeat)
        {
            let uri = format!("{page}{p}");
            probe.arm().await;
            let r = w.bob.page(&uri).await;
            let up = probe.check(&r, &own).await;
            t.record(&w, &format!("page {uri}"), &uri, &r, up);
        }
    }

    // B is still B, and A is untouched.
    let viewer = w.bob.viewer().await;
    assert_eq!(viewer["org"]["id"], Value::String(w.b_org.clone()));
    let after = w.snapshot_a().await;
    eprintln!(
        "security::traversal ({backend:?}): corpus {} payloads, attempts tried {}, upstream paths \
         reached outside /proxy/ {}, other failures {}, {:.1}s",
        corpus.len(),
        t.attempts,
        t.reached.len(),
        t.failures.len(),
        started.elapsed().as_secs_f64()
    );
    let mut report = Vec::new();
    if before != after {
        report.push(format!(
            "A's rows changed:\nbefore:\n{before}\nafter:\n{after}"
        ));
    }
    report.extend(t.reached.iter().take(25).cloned());
    report.extend(t.failures.iter().take(25).cloned());
    assert!(
        t.reached.is_empty() && t.failures.is_empty() && before == after,
        "{} upstream paths reached outside /proxy/, {} other failures (first of each):\n{}",
        t.reached.len(),
        t.failures.len(),
        report.join("\n")
    );
    let _ = &mut w.ada;
}

/// The unified API's documented refusals: an id of `.` or `..` is a 400 on `id`, and a base URL
/// override other than graph.facebook.com is a 400 on `data.baseUrlOverride` (sent nowhere).
async fn unified_refuses_dot_ids_and_foreign_base_urls(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let w = world(&app).await;
    let mut probe = Probe::new(&app);
    let own = [w.b_hubspot.as_str(), w.b_whatsapp.as_str()];
    let mut failures = Vec::new();
    for id in [".", ".."] {
        probe.arm().await;
        let r = app
            .unified(
                &w.b_key,
                json!({"provider": "nango", "resource": "crm.contact", "operation": "get", "connectionId": w.b_hubspot, "id": id}),
            )
            .await;
        let up = probe.check(&r, &own).await;
        let proxied: Vec<Value> = app.sandbox_requests().await;
        if r.status != StatusCode::BAD_REQUEST || r.json()["error"]["field"] != "id" {
            failures.push(format!(
                "id {id:?}: expected 400 on id, got {} {} (sent upstream: {:?})",
                r.status,
                truncate(&r.body),
                proxied
                    .iter()
                    .map(|e| e["path"].clone())
                    .collect::<Vec<_>>()
            ));
        }
        failures.extend(up.into_iter().map(|u| format!("id {id:?} reached {u}")));
    }
    for base in [
        "http://169.254.169.254/latest",
        "http://127.0.0.1:5432",
        "https://graph.facebook.com.evil.example",
        "https://evil.example/graph.facebook.com",
        "file:///etc/passwd",
    ] {
        probe.arm().await;
        let r = app
            .unified(
                &w.b_key,
                json!({"provider": "nango", "resource": "whatsapp.message", "operation": "create", "data": {
                    "connectionId": w.b_whatsapp, "phoneNumberId": "106540352242922",
                    "to": "+14155550100", "body": "x", "baseUrlOverride": base
                }}),
            )
            .await;
        let sent: Vec<String> = app
            .sandbox_requests()
            .await
            .iter()
            .filter(|e| e.to_string().contains(base))
            .map(|e| e["path"].to_string())
            .collect();
        if r.status != StatusCode::BAD_REQUEST
            || r.json()["error"]["field"] != "data.baseUrlOverride"
            || !sent.is_empty()
        {
            failures.push(format!(
                "baseUrlOverride {base}: expected 400 on data.baseUrlOverride and nothing sent, \
                 got {} {} (sent with it: {sent:?})",
                r.status,
                truncate(&r.body)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

crate::on_both_backends!(
    traversal_corpus_reaches_nothing_outside_the_callers_proxy,
    unified_refuses_dot_ids_and_foreign_base_urls,
);

/// True for a logged `GET /connections/<one segment> (…)`: a read of one connection by name.
fn is_single_connection_read(call: &str) -> bool {
    call.strip_prefix("GET /connections/")
        .and_then(|rest| rest.split_once(' '))
        .is_some_and(|(segment, _)| {
            !segment.is_empty() && !segment.contains('/') && segment != "." && segment != ".."
        })
}

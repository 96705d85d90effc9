//! `/proxy/*` onto built-in fake provider APIs with seeded, deterministic data (nango-api.md §5):
//! Nango-side failures use Nango's envelope; the fake upstream answers like the real provider.

use std::sync::Arc;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, Method, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::state::{Shared, nango_error};

const FIRST_NAMES: &[&str] = &[
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Ken",
];
const LAST_NAMES: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Hamilton",
    "Thompson",
];
const COMPANIES: &[&str] = &[
    "Analytical Engines",
    "Cobol Corp",
    "Enigma Labs",
    "Structured Ltd",
    "Abstraction Inc",
];

/// The seeded person number `i` (1-based): the same data on every run.
fn person(i: usize) -> (String, String, String, String) {
    let first = FIRST_NAMES[(i - 1) % FIRST_NAMES.len()].to_owned();
    let last = LAST_NAMES[(i * 7 + 3) % LAST_NAMES.len()].to_owned();
    let email = format!(
        "{}.{}{i}@example.com",
        first.to_lowercase(),
        last.to_lowercase()
    );
    let phone = format!("+1555010{i:04}");
    (first, last, email, phone)
}

const SEEDED: usize = 30;

pub async fn proxy_root(
    state: State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    query: RawQuery,
    body: Bytes,
) -> Response {
    proxy(state, method, Path(String::new()), headers, query, body).await
}

pub async fn proxy(
    State(shared): State<Arc<Shared>>,
    method: Method,
    Path(path): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    if let Err(refused) = shared.check_secret_key(&headers) {
        return refused;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (Some(connection_id), Some(key)) = (header("connection-id"), header("provider-config-key"))
    else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"code": "invalid_headers", "errors": [
                {"code": "invalid_type", "message": "Required", "path": ["connection-id"]}
            ]}})),
        )
            .into_response();
    };
    let Some(integration) = shared.integration(&key).cloned() else {
        return nango_error(StatusCode::NOT_FOUND, "unknown_provider_config", None);
    };
    let connection = shared
        .memory()
        .connections
        .iter()
        .find(|c| c.connection_id == connection_id && c.provider_config_key == key)
        .cloned();
    let Some(connection) = connection else {
        return nango_error(
            StatusCode::BAD_REQUEST,
            "server_error",
            Some("Failed to get connection"),
        );
    };
    if connection.invalid {
        return nango_error(
            StatusCode::BAD_REQUEST,
            "server_error",
            Some("Failed to get connection credentials: 'invalid_grant'"),
        );
    }
    let query = query.unwrap_or_default();
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let path = format!("/{path}");
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let json_body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let form_value = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());

    match (integration.provider.as_str(), &method, segments.as_slice()) {
        ("hubspot", &Method::GET, ["crm", "v3", "objects", "contacts"]) => {
            let limit: usize = param("limit").and_then(|l| l.parse().ok()).unwrap_or(10).clamp(1, 100);
            let after: usize = param("after").and_then(|a| a.parse().ok()).unwrap_or(0);
            let results: Vec<Value> = (after + 1..=SEEDED).take(limit).map(hubspot_contact).collect();
            let next = after + results.len();
            let mut reply = json!({ "results": results });
            if next < SEEDED {
                reply["paging"] = json!({ "next": { "after": next.to_string(), "link": format!("?after={next}") } });
            }
            Json(reply).into_response()
        }
        ("hubspot", &Method::GET, ["crm", "v3", "objects", "contacts", id]) => match id.parse::<usize>() {
            Ok(n) if (1..=SEEDED).contains(&n) => Json(hubspot_contact(n)).into_response(),
            _ => (StatusCode::NOT_FOUND, Json(json!({"status": "error", "message": "resource not found", "category": "OBJECT_NOT_FOUND"}))).into_response(),
        },
        ("hubspot", &Method::POST, ["crm", "v3", "objects", "contacts"]) => {
            let properties = json_body.get("properties").cloned().unwrap_or_else(|| json!({}));
            if properties.get("email").and_then(Value::as_str).is_none_or(|e| !e.contains('@')) {
                return (StatusCode::BAD_REQUEST, Json(json!({"status": "error", "message": "Property values were not valid: email", "category": "VALIDATION_ERROR"}))).into_response();
            }
            (StatusCode::CREATED, Json(json!({
                "id": "1001", "properties": properties,
                "createdAt": "2026-11-22T00:00:00.000Z", "updatedAt": "2026-11-22T00:00:00.000Z", "archived": false
            }))).into_response()
        }
        ("hubspot", &Method::POST, ["crm", "v3", "objects", "contacts", "search"]) => {
            let needle = json_body.get("query").and_then(Value::as_str).unwrap_or("").to_lowercase();
            let results: Vec<Value> = (1..=SEEDED)
                .map(hubspot_contact)
                .filter(|c| c["properties"].to_string().to_lowercase().contains(&needle))
                .collect();
            Json(json!({ "total": results.len(), "results": results })).into_response()
        }
        ("slack", &Method::POST, ["api", "chat.postMessage"]) => {
            let channel = json_body.get("channel").and_then(Value::as_str).map(str::to_owned).or_else(|| form_value("channel"));
            match channel {
                Some(channel) => Json(json!({"ok": true, "channel": channel, "ts": "1795305600.000100", "message": {"text": json_body.get("text").cloned().unwrap_or(Value::Null)}})).into_response(),
                None => Json(json!({"ok": false, "error": "channel_not_found"})).into_response(),
            }
        }
        ("whatsapp-business", &Method::POST, [_version, phone_number_id, "messages"]) => {
            if json_body.get("to").and_then(Value::as_str).is_none() {
                return (StatusCode::BAD_REQUEST, Json(json!({"error": {"message": "(#100) The parameter to is required.", "type": "OAuthException", "code": 100}}))).into_response();
            }
            Json(json!({
                "messaging_product": "whatsapp",
                "contacts": [{"input": json_body["to"], "wa_id": json_body["to"]}],
                "messages": [{"id": format!("wamid.sandbox.{phone_number_id}.1")}]
            })).into_response()
        }
        ("twilio", &Method::POST, ["2010-04-01", "Accounts", sid, "Messages.json"]) => {
            let (Some(to), Some(from), Some(text)) = (form_value("To"), form_value("From"), form_value("Body")) else {
                return (StatusCode::BAD_REQUEST, Json(json!({"code": 21604, "message": "A 'To' phone number is required.", "status": 400}))).into_response();
            };
            (StatusCode::CREATED, Json(json!({
                "sid": "SM00000000000000000000000000000001", "account_sid": sid, "to": to, "from": from,
                "body": text, "status": "queued", "num_segments": "1", "direction": "outbound-api"
            }))).into_response()
        }
        ("bamboohr" | "bamboohr-basic", &Method::GET, ["v1", "employees", "directory"]) => {
            let employees: Vec<Value> = (1..=12).map(bamboo_employee).collect();
            Json(json!({ "fields": [], "employees": employees })).into_response()
        }
        ("bamboohr" | "bamboohr-basic", &Method::GET, ["v1", "employees", id]) => match id.parse::<usize>() {
            Ok(n) if (1..=12).contains(&n) => Json(bamboo_employee(n)).into_response(),
            _ => StatusCode::NOT_FOUND.into_response(),
        },
        ("pipedrive", &Method::GET, ["v1", "persons"]) => {
            let start: usize = param("start").and_then(|v| v.parse().ok()).unwrap_or(0);
            let limit: usize = param("limit").and_then(|v| v.parse().ok()).unwrap_or(10).clamp(1, 500);
            let data: Vec<Value> = (start + 1..=SEEDED).take(limit).map(pipedrive_person).collect();
            let more = start + data.len() < SEEDED;
            Json(json!({
                "success": true, "data": data,
                "additional_data": { "pagination": { "start": start, "limit": limit, "more_items_in_collection": more, "next_start": start + limit } }
            })).into_response()
        }
        ("pipedrive", &Method::GET, ["v1", "persons", id]) => match id.parse::<usize>() {
            Ok(n) if (1..=SEEDED).contains(&n) => Json(json!({ "success": true, "data": pipedrive_person(n) })).into_response(),
            _ => (StatusCode::NOT_FOUND, Json(json!({ "success": false, "error": "Person not found", "errorCode": 404 }))).into_response(),
        },
        ("pipedrive", &Method::POST, ["v1", "persons"]) => {
            if json_body.get("name").and_then(Value::as_str).is_none_or(str::is_empty) {
                return (StatusCode::BAD_REQUEST, Json(json!({ "success": false, "error": "Name must be given.", "errorCode": 400 }))).into_response();
            }
            let mut person = json_body.clone();
            person["id"] = json!(1001);
            (StatusCode::CREATED, Json(json!({ "success": true, "data": person }))).into_response()
        }
        ("salesforce", &Method::GET, ["services", "data", _version, "query"]) => {
            let soql = param("q").unwrap_or_default();
            let limit = soql_number(&soql, "LIMIT").unwrap_or(SEEDED);
            let offset = soql_number(&soql, "OFFSET").unwrap_or(0);
            let records: Vec<Value> = (offset + 1..=SEEDED).take(limit).map(salesforce_contact).collect();
            Json(json!({ "totalSize": SEEDED, "done": true, "records": records })).into_response()
        }
        ("salesforce", &Method::GET, ["services", "data", _version, "sobjects", "Contact", id]) => {
            match id.strip_prefix("003SANDBOX").and_then(|n| n.parse::<usize>().ok()) {
                Some(n) if (1..=SEEDED).contains(&n) => Json(salesforce_contact(n)).into_response(),
                _ => (StatusCode::NOT_FOUND, Json(json!([{ "errorCode": "NOT_FOUND", "message": "The requested resource does not exist" }]))).into_response(),
            }
        }
        ("salesforce", &Method::POST, ["services", "data", _version, "sobjects", "Contact"]) => {
            if json_body.get("LastName").and_then(Value::as_str).is_none_or(str::is_empty) {
                return (StatusCode::BAD_REQUEST, Json(json!([{ "errorCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]", "fields": ["LastName"] }]))).into_response();
            }
            (StatusCode::CREATED, Json(json!({ "id": "003SANDBOX1001", "success": true, "errors": [] }))).into_response()
        }
        ("highlevel", &Method::GET, ["contacts"]) => {
            let limit: usize = param("limit").and_then(|v| v.parse().ok()).unwrap_or(20).clamp(1, 100);
            let after: usize = param("startAfterId").and_then(|v| v.trim_start_matches("ghl_").parse().ok()).unwrap_or(0);
            let contacts: Vec<Value> = (after + 1..=SEEDED).take(limit).map(ghl_contact).collect();
            let next = after + contacts.len();
            Json(json!({
                "contacts": contacts,
                "meta": { "total": SEEDED, "startAfterId": (next < SEEDED).then(|| format!("ghl_{next}")) }
            })).into_response()
        }
        ("highlevel", &Method::GET, ["contacts", id]) => {
            match id.strip_prefix("ghl_").and_then(|n| n.parse::<usize>().ok()) {
                Some(n) if (1..=SEEDED).contains(&n) => Json(json!({ "contact": ghl_contact(n) })).into_response(),
                _ => (StatusCode::BAD_REQUEST, Json(json!({ "statusCode": 400, "message": "Contact not found" }))).into_response(),
            }
        }
        ("highlevel", &Method::POST, ["contacts"]) => {
            let mut contact = json_body.clone();
            contact["id"] = json!("ghl_1001");
            (StatusCode::CREATED, Json(json!({ "contact": contact }))).into_response()
        }
        ("google-mail", &Method::GET, ["gmail", "v1", "users", "me", "messages"]) => {
            let messages: Vec<Value> = (1..=5).map(|i| json!({ "id": format!("18c0sandbox000{i}"), "threadId": format!("18c0sandbox000{i}") })).collect();
            Json(json!({ "messages": messages, "resultSizeEstimate": 5 })).into_response()
        }
        ("google-mail", &Method::GET, ["gmail", "v1", "users", "me", "messages", id]) => {
            if !id.starts_with("18c0sandbox") {
                return (StatusCode::NOT_FOUND, Json(json!({ "error": { "code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND" } }))).into_response();
            }
            Json(json!({ "id": id, "threadId": id, "labelIds": ["INBOX"], "snippet": "Hello from the Nango sandbox", "payload": { "headers": [{ "name": "Subject", "value": "Sandbox message" }] } })).into_response()
        }
        ("google-mail", &Method::GET, ["gmail", "v1", "users", "me", "profile"]) => {
            Json(json!({"emailAddress": "sandbox@example.com", "messagesTotal": 42, "threadsTotal": 30, "historyId": "1000"})).into_response()
        }
        ("google-mail", &Method::POST, ["gmail", "v1", "users", "me", "messages", "send"]) => {
            Json(json!({"id": "18c0sandbox0001", "threadId": "18c0sandbox0001", "labelIds": ["SENT"]})).into_response()
        }
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({"message": format!("{} {path} is not served by the sandbox's fake {}", method, integration.provider)})),
        )
            .into_response(),
    }
}

/// The number after a SOQL keyword (`LIMIT 26`), if the query has one.
fn soql_number(soql: &str, keyword: &str) -> Option<usize> {
    let words: Vec<&str> = soql.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| w[0].eq_ignore_ascii_case(keyword))
        .and_then(|w| w[1].parse().ok())
}

fn hubspot_contact(i: usize) -> Value {
    let (first, last, email, phone) = person(i);
    json!({
        "id": i.to_string(),
        "properties": {
            "firstname": first, "lastname": last, "email": email, "phone": phone,
            "company": COMPANIES[i % COMPANIES.len()],
            "createdate": "2026-01-01T00:00:00.000Z", "lastmodifieddate": "2026-11-01T00:00:00.000Z",
            "hs_object_id": i.to_string(),
        },
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-11-01T00:00:00.000Z",
        "archived": false,
    })
}

fn pipedrive_person(i: usize) -> Value {
    let (first, last, email, phone) = person(i);
    json!({
        "id": i, "name": format!("{first} {last}"), "first_name": first, "last_name": last,
        "email": [{ "value": email, "primary": true, "label": "work" }],
        "phone": [{ "value": phone, "primary": true, "label": "work" }],
        "org_name": COMPANIES[i % COMPANIES.len()],
        "add_time": "2026-01-01 00:00:00", "update_time": "2026-11-01 00:00:00",
    })
}

fn salesforce_contact(i: usize) -> Value {
    let (first, last, email, phone) = person(i);
    json!({
        "attributes": { "type": "Contact", "url": format!("/services/data/v60.0/sobjects/Contact/003SANDBOX{i}") },
        "Id": format!("003SANDBOX{i}"), "FirstName": first, "LastName": last, "Email": email, "Phone": phone,
        "Account": { "Name": COMPANIES[i % COMPANIES.len()] },
        "CreatedDate": "2026-01-01T00:00:00.000+0000", "LastModifiedDate": "2026-11-01T00:00:00.000+0000",
    })
}

fn ghl_contact(i: usize) -> Value {
    let (first, last, email, phone) = person(i);
    json!({
        "id": format!("ghl_{i}"), "firstName": first, "lastName": last, "email": email, "phone": phone,
        "companyName": COMPANIES[i % COMPANIES.len()],
        "dateAdded": "2026-01-01T00:00:00.000Z", "dateUpdated": "2026-11-01T00:00:00.000Z",
    })
}

fn bamboo_employee(i: usize) -> Value {
    let (first, last, email, phone) = person(i);
    json!({
        "id": i.to_string(), "displayName": format!("{first} {last}"), "firstName": first, "lastName": last,
        "workEmail": email, "mobilePhone": phone, "jobTitle": "Engineer", "department": "Research",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_people_are_deterministic_and_distinct() {
        assert_eq!(person(1), person(1));
        let emails: std::collections::HashSet<String> = (1..=SEEDED).map(|i| person(i).2).collect();
        assert_eq!(emails.len(), SEEDED);
    }
}

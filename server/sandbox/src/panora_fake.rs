//! A fake of Panora's unified API (docs/panora.md) for tests and offline use: the
//! `x-api-key` check, `x-connection-token` connections, seeded CRM contacts and HRIS employees,
//! Panora's cursor pagination (including the HRIS quirk) and its error shapes, 500s included.

use std::sync::{Arc, Mutex};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::get,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};

/// A CRM (HubSpot) connection of the fake.
pub const SANDBOX_PANORA_CRM_TOKEN: &str = "7f0c7a52-8b4e-4d2a-9d55-0a4f6c1e3b01";
/// An HRIS (Gusto) connection of the fake.
pub const SANDBOX_PANORA_HRIS_TOKEN: &str = "2c9e1f7a-4b3d-4e8f-a6c2-5d7b9e0f1a02";

const FIRST: [&str; 10] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Ken",
];
const LAST: [&str; 10] = [
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Hamilton",
    "Thompson",
];

struct Fake {
    api_key: String,
    contacts: Mutex<Vec<Value>>,
    employees: Vec<Value>,
}

fn seeded_id(kind: u32, i: usize) -> String {
    format!("00000000-0000-4000-8{kind:03}-{i:012}")
}

fn stamp(i: usize) -> String {
    format!("2026-01-{:02}T{:02}:00:00.000Z", 1 + i / 24, i % 24)
}

fn contact(i: usize) -> Value {
    let (first, last) = (FIRST[(i - 1) % 10], LAST[(i * 7 + 3) % 10]);
    json!({
        "id": seeded_id(1, i), "remote_id": format!("hs_{i}"),
        "first_name": first, "last_name": last,
        "email_addresses": [{"email_address": format!("{}.{}{i}@example.com", first.to_lowercase(), last.to_lowercase()), "email_address_type": "WORK"}],
        "phone_numbers": [{"phone_number": format!("+1555020{i:04}"), "phone_type": "MOBILE"}],
        "addresses": [], "user_id": null, "field_mappings": {},
        "created_at": stamp(i), "modified_at": stamp(i),
        "remote_data": {"id": format!("hs_{i}"), "properties": {"firstname": first, "lastname": last}},
    })
}

fn employee(i: usize) -> Value {
    let (first, last) = (FIRST[(i - 1) % 10], LAST[(i * 3 + 1) % 10]);
    json!({
        "id": seeded_id(2, i), "remote_id": format!("gusto_{i}"),
        "first_name": first, "last_name": last, "display_full_name": format!("{first} {last}"),
        "work_email": format!("{}@example.com", first.to_lowercase()), "personal_email": null,
        "mobile_phone_number": format!("+1555030{i:04}"), "employee_number": format!("E{i:03}"),
        "employment_status": "ACTIVE", "start_date": "2024-03-01", "remote_created_at": stamp(i),
        "created_at": stamp(i), "modified_at": stamp(i), "remote_was_deleted": false,
        "remote_data": {"id": i, "first_name": first},
    })
}

/// Panora's error body (A.9).
fn error(status: StatusCode, uri: &Uri, message: &str) -> Response {
    let body = json!({
        "statusCode": status.as_u16(), "timestamp": "2026-11-22T00:00:00.000Z",
        "path": uri.to_string(), "message": message,
    });
    (status, Json(body)).into_response()
}

/// Checks the key and the token; `vertical` is the token the route needs.
fn guard(fake: &Fake, headers: &HeaderMap, uri: &Uri, vertical: &str) -> Result<(), Response> {
    match headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        None => return Err(error(StatusCode::UNAUTHORIZED, uri, "Unauthorized")),
        Some(key) if key != fake.api_key => {
            return Err(error(StatusCode::UNAUTHORIZED, uri, "Invalid API Key"));
        }
        Some(_) => {}
    }
    let token = headers
        .get("x-connection-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("undefined");
    if token == vertical {
        Ok(())
    } else {
        Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            uri,
            &format!("Connection undefined for token {token}"),
        ))
    }
}

#[derive(serde::Deserialize)]
struct ListQuery {
    limit: Option<String>,
    cursor: Option<String>,
    remote_data: Option<String>,
}

impl ListQuery {
    /// `remote_data=true`: include the provider's raw record.
    fn remote(&self) -> bool {
        self.remote_data.as_deref() == Some("true")
    }
}

impl Fake {
    /// The contacts (a poisoned lock still holds usable data).
    fn contacts(&self) -> std::sync::MutexGuard<'_, Vec<Value>> {
        self.contacts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Where a page starts (A.6): the cursor is base64 of a row id, inclusive.
fn page_start(rows: &[Value], query: &ListQuery, uri: &Uri) -> Result<(usize, usize), Response> {
    let bad = || error(StatusCode::BAD_REQUEST, uri, "Bad Request Exception");
    let limit = match &query.limit {
        None => 50,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(bad)?,
    };
    let Some(cursor) = &query.cursor else {
        return Ok((0, limit));
    };
    let id = STANDARD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|s| uuid::Uuid::parse_str(s).is_ok())
        .ok_or_else(bad)?;
    let start = rows
        .iter()
        .position(|r| r["id"] == json!(id))
        .ok_or_else(|| {
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                uri,
                "The provided cursor does not exist!",
            )
        })?;
    Ok((start, limit))
}

fn shown(mut row: Value, remote_data: bool) -> Value {
    if !remote_data && let Some(map) = row.as_object_mut() {
        map.remove("remote_data");
    }
    row
}

async fn list_contacts(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<ListQuery>,
) -> Response {
    if let Err(refused) = guard(&fake, &headers, &uri, SANDBOX_PANORA_CRM_TOKEN) {
        return refused;
    }
    let rows = fake.contacts().clone();
    let (start, limit) = match page_start(&rows, &query, &uri) {
        Ok(at) => at,
        Err(refused) => return refused,
    };
    let remote = query.remote();
    let page: Vec<Value> = rows
        .iter()
        .skip(start)
        .take(limit)
        .cloned()
        .map(|r| shown(r, remote))
        .collect();
    let next = rows
        .get(start + limit)
        .map(|r| STANDARD.encode(r["id"].as_str().unwrap_or_default()));
    Json(json!({ "prev_cursor": query.cursor, "next_cursor": next, "data": page })).into_response()
}

async fn get_contact(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Response {
    if let Err(refused) = guard(&fake, &headers, &uri, SANDBOX_PANORA_CRM_TOKEN) {
        return refused;
    }
    let found = fake
        .contacts()
        .iter()
        .find(|r| r["id"] == json!(id))
        .cloned();
    match found {
        Some(row) => Json(shown(row, query.remote())).into_response(),
        None => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &uri,
            "Cannot read properties of null (reading 'id_crm_contact')",
        ),
    }
}

async fn create_contact(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    if let Err(refused) = guard(&fake, &headers, &uri, SANDBOX_PANORA_CRM_TOKEN) {
        return refused;
    }
    let input: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let named = |k: &str| {
        input
            .get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    if !named("first_name") || !named("last_name") {
        return error(StatusCode::BAD_REQUEST, &uri, "Bad Request Exception");
    }
    let mut contacts = fake.contacts();
    let n = contacts.len() + 1000;
    let strip = |key: &str| {
        input.get(key).and_then(Value::as_array).map(|items| {
            items
                .iter()
                .map(|i| {
                    let mut i = i.clone();
                    if let Some(m) = i.as_object_mut() {
                        m.remove("owner_type");
                    }
                    i
                })
                .collect::<Vec<_>>()
        })
    };
    let row = json!({
        "id": uuid::Uuid::new_v4().to_string(), "remote_id": format!("hs_{n}"),
        "first_name": input["first_name"], "last_name": input["last_name"],
        "email_addresses": strip("email_addresses").unwrap_or_default(),
        "phone_numbers": strip("phone_numbers").unwrap_or_default(),
        "addresses": [], "user_id": null, "field_mappings": {},
        "created_at": "2026-11-22T00:00:00.000Z", "modified_at": "2026-11-22T00:00:00.000Z",
    });
    contacts.push(row.clone());
    (StatusCode::CREATED, Json(row)).into_response()
}

/// The HRIS list of 2024-11-16 (A.8), with its quirks: `previous_cursor`, and a raw (not
/// base64) `next_cursor` naming the last row of the current page.
async fn list_employees(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<ListQuery>,
) -> Response {
    if let Err(refused) = guard(&fake, &headers, &uri, SANDBOX_PANORA_HRIS_TOKEN) {
        return refused;
    }
    let (start, limit) = match page_start(&fake.employees, &query, &uri) {
        Ok(at) => at,
        Err(refused) => return refused,
    };
    let remote = query.remote();
    let page: Vec<Value> = fake
        .employees
        .iter()
        .skip(start)
        .take(limit)
        .cloned()
        .map(|e| {
            let mut e = shown(e, remote);
            for k in ["created_at", "modified_at", "remote_was_deleted"] {
                e[k] = Value::Null;
            }
            e
        })
        .collect();
    let more = start + limit < fake.employees.len();
    let next = more.then(|| page.last().map(|e| e["id"].clone())).flatten();
    Json(json!({ "data": page, "next_cursor": next, "previous_cursor": query.cursor }))
        .into_response()
}

async fn get_employee(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Response {
    if let Err(refused) = guard(&fake, &headers, &uri, SANDBOX_PANORA_HRIS_TOKEN) {
        return refused;
    }
    match fake.employees.iter().find(|e| e["id"] == json!(id)) {
        Some(row) => Json(shown(row.clone(), query.remote())).into_response(),
        None => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &uri,
            "Cannot read properties of null (reading 'id_hris_employee')",
        ),
    }
}

async fn not_found(uri: Uri, method: axum::http::Method) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &uri,
        &format!("Cannot {method} {}", uri.path()),
    )
}

/// The fake's routes, relative to where it is mounted; `api_key` is the key it accepts.
pub fn router(api_key: String) -> Router {
    let fake = Arc::new(Fake {
        api_key,
        contacts: Mutex::new((1..=30).map(contact).collect()),
        employees: (1..=12).map(employee).collect(),
    });
    Router::new()
        .route("/crm/contacts", get(list_contacts).post(create_contact))
        .route("/crm/contacts/{id}", get(get_contact))
        .route("/hris/employees", get(list_employees))
        .route("/hris/employees/{id}", get(get_employee))
        .fallback(not_found)
        .with_state(fake)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use tower::ServiceExt;

    async fn call(uri: &str, key: Option<&str>, token: &str) -> (StatusCode, Value) {
        let mut request = axum::http::Request::get(uri).header("x-connection-token", token);
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        let response = router("k".to_owned())
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    #[tokio::test]
    async fn keys_tokens_and_pages() {
        let crm = SANDBOX_PANORA_CRM_TOKEN;
        assert_eq!(
            call("/crm/contacts", None, crm).await.1["message"],
            "Unauthorized"
        );
        assert_eq!(
            call("/crm/contacts", Some("x"), crm).await.1["message"],
            "Invalid API Key"
        );
        assert_eq!(
            call("/crm/contacts", Some("k"), "nope").await.0,
            StatusCode::INTERNAL_SERVER_ERROR
        );
        let (status, first) = call("/crm/contacts?limit=12", Some("k"), crm).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(first["data"].as_array().unwrap().len(), 12);
        assert!(first["data"][0].get("remote_data").is_none());
        let cursor = first["next_cursor"].as_str().unwrap();
        let (_, second) = call(
            &format!("/crm/contacts?limit=12&cursor={cursor}"),
            Some("k"),
            crm,
        )
        .await;
        assert_eq!(second["data"][0]["id"], json!(seeded_id(1, 13)));
        assert_eq!(
            call("/crm/contacts?cursor=bm9wZQ==", Some("k"), crm)
                .await
                .0,
            StatusCode::BAD_REQUEST
        );
        let (_, hris) = call(
            "/hris/employees?limit=5",
            Some("k"),
            SANDBOX_PANORA_HRIS_TOKEN,
        )
        .await;
        assert_eq!(
            hris["next_cursor"],
            json!(seeded_id(2, 5)),
            "the raw id of the page's last row"
        );
    }
}

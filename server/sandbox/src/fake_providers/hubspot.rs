//! The fake HubSpot CRM: contacts listed with `after` cursors, read, created and searched.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, RawQuery},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use super::{
    json_body, param,
    seed::{SEEDED, company, person},
};

pub fn router() -> Router {
    Router::new()
        .route("/crm/v3/objects/contacts", get(list).post(create))
        // `search` is also a (non-numeric) contact id to a GET.
        .route(
            "/crm/v3/objects/contacts/search",
            post(search).get(|| read(Path("search".to_owned()))),
        )
        .route("/crm/v3/objects/contacts/{id}", get(read))
}

async fn list(RawQuery(query): RawQuery) -> Response {
    let query = query.as_deref();
    let limit: usize = param(query, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10)
        .clamp(1, 100);
    let after: usize = param(query, "after")
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    let results: Vec<Value> = (after + 1..=SEEDED).take(limit).map(contact).collect();
    let next = after + results.len();
    let mut reply = json!({ "results": results });
    if next < SEEDED {
        reply["paging"] =
            json!({ "next": { "after": next.to_string(), "link": format!("?after={next}") } });
    }
    Json(reply).into_response()
}

async fn read(Path(id): Path<String>) -> Response {
    match id.parse::<usize>() {
        Ok(n) if (1..=SEEDED).contains(&n) => Json(contact(n)).into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({"status": "error", "message": "resource not found", "category": "OBJECT_NOT_FOUND"})),
        )
            .into_response(),
    }
}

async fn create(body: Bytes) -> Response {
    let properties = json_body(&body)
        .get("properties")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if properties
        .get("email")
        .and_then(Value::as_str)
        .is_none_or(|e| !e.contains('@'))
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"status": "error", "message": "Property values were not valid: email", "category": "VALIDATION_ERROR"})),
        )
            .into_response();
    }
    (
        StatusCode::CREATED,
        Json(json!({
            "id": "1001", "properties": properties,
            "createdAt": "2026-11-22T00:00:00.000Z", "updatedAt": "2026-11-22T00:00:00.000Z", "archived": false
        })),
    )
        .into_response()
}

async fn search(body: Bytes) -> Response {
    let needle = json_body(&body)
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_lowercase();
    let results: Vec<Value> = (1..=SEEDED)
        .map(contact)
        .filter(|c| c["properties"].to_string().to_lowercase().contains(&needle))
        .collect();
    Json(json!({ "total": results.len(), "results": results })).into_response()
}

/// Seeded contact `i` as HubSpot's v3 object.
fn contact(i: usize) -> Value {
    let (first, last, email, phone) = person(i);
    json!({
        "id": i.to_string(),
        "properties": {
            "firstname": first, "lastname": last, "email": email, "phone": phone,
            "company": company(i),
            "createdate": "2026-01-01T00:00:00.000Z", "lastmodifieddate": "2026-11-01T00:00:00.000Z",
            "hs_object_id": i.to_string(),
        },
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-11-01T00:00:00.000Z",
        "archived": false,
    })
}

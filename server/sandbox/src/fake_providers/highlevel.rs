//! The fake GoHighLevel (`highlevel`): contacts listed with `startAfterId`, read and created.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, RawQuery},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

use super::{
    json_body, param,
    seed::{SEEDED, company, person},
};

pub fn router() -> Router {
    Router::new()
        .route("/contacts", get(list).post(create))
        .route("/contacts/{id}", get(read))
}

async fn list(RawQuery(query): RawQuery) -> Response {
    let query = query.as_deref();
    let limit: usize = param(query, "limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
        .clamp(1, 100);
    let after: usize = param(query, "startAfterId")
        .and_then(|v| v.trim_start_matches("ghl_").parse().ok())
        .unwrap_or(0);
    let contacts: Vec<Value> = (after + 1..=SEEDED).take(limit).map(contact).collect();
    let next = after + contacts.len();
    Json(json!({
        "contacts": contacts,
        "meta": { "total": SEEDED, "startAfterId": (next < SEEDED).then(|| format!("ghl_{next}")) }
    }))
    .into_response()
}

async fn read(Path(id): Path<String>) -> Response {
    match id
        .strip_prefix("ghl_")
        .and_then(|n| n.parse::<usize>().ok())
    {
        Some(n) if (1..=SEEDED).contains(&n) => {
            Json(json!({ "contact": contact(n) })).into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "statusCode": 400, "message": "Contact not found" })),
        )
            .into_response(),
    }
}

async fn create(body: Bytes) -> Response {
    let mut contact = json_body(&body);
    contact["id"] = json!("ghl_1001");
    (StatusCode::CREATED, Json(json!({ "contact": contact }))).into_response()
}

/// Seeded contact `i` as GoHighLevel's object.
fn contact(i: usize) -> Value {
    let (first, last, email, phone) = person(i);
    json!({
        "id": format!("ghl_{i}"), "firstName": first, "lastName": last, "email": email, "phone": phone,
        "companyName": company(i),
        "dateAdded": "2026-01-01T00:00:00.000Z", "dateUpdated": "2026-11-01T00:00:00.000Z",
    })
}

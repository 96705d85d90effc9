//! The fake Pipedrive: persons listed with `start`/`limit`, read and created.

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
        .route("/v1/persons", get(list).post(create))
        .route("/v1/persons/{id}", get(read))
}

async fn list(RawQuery(query): RawQuery) -> Response {
    let query = query.as_deref();
    let start: usize = param(query, "start")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let limit: usize = param(query, "limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
        .clamp(1, 500);
    let data: Vec<Value> = (start + 1..=SEEDED).take(limit).map(person_json).collect();
    let more = start + data.len() < SEEDED;
    Json(json!({
        "success": true, "data": data,
        "additional_data": { "pagination": { "start": start, "limit": limit, "more_items_in_collection": more, "next_start": start + limit } }
    }))
    .into_response()
}

async fn read(Path(id): Path<String>) -> Response {
    match id.parse::<usize>() {
        Ok(n) if (1..=SEEDED).contains(&n) => {
            Json(json!({ "success": true, "data": person_json(n) })).into_response()
        }
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({ "success": false, "error": "Person not found", "errorCode": 404 })),
        )
            .into_response(),
    }
}

async fn create(body: Bytes) -> Response {
    let json = json_body(&body);
    if json
        .get("name")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "success": false, "error": "Name must be given.", "errorCode": 400 })),
        )
            .into_response();
    }
    let mut person = json;
    person["id"] = json!(1001);
    (
        StatusCode::CREATED,
        Json(json!({ "success": true, "data": person })),
    )
        .into_response()
}

/// Seeded person `i` as Pipedrive's v1 object.
fn person_json(i: usize) -> Value {
    let (first, last, email, phone) = person(i);
    json!({
        "id": i, "name": format!("{first} {last}"), "first_name": first, "last_name": last,
        "email": [{ "value": email, "primary": true, "label": "work" }],
        "phone": [{ "value": phone, "primary": true, "label": "work" }],
        "org_name": company(i),
        "add_time": "2026-01-01 00:00:00", "update_time": "2026-11-01 00:00:00",
    })
}

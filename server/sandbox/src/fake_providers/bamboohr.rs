//! The fake BambooHR (both its OAuth and its basic-auth integration): the employee directory
//! and one employee.

use axum::{
    Json, Router,
    extract::Path,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

use super::seed::person;

/// How many employees the fake holds.
const EMPLOYEES: usize = 12;

pub fn router() -> Router {
    Router::new()
        .route("/v1/employees/directory", get(directory))
        .route("/v1/employees/{id}", get(read))
}

async fn directory() -> Response {
    let employees: Vec<Value> = (1..=EMPLOYEES).map(employee).collect();
    Json(json!({ "fields": [], "employees": employees })).into_response()
}

async fn read(Path(id): Path<String>) -> Response {
    match id.parse::<usize>() {
        Ok(n) if (1..=EMPLOYEES).contains(&n) => Json(employee(n)).into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Seeded employee `i`.
fn employee(i: usize) -> Value {
    let (first, last, email, phone) = person(i);
    json!({
        "id": i.to_string(), "displayName": format!("{first} {last}"), "firstName": first, "lastName": last,
        "workEmail": email, "mobilePhone": phone, "jobTitle": "Engineer", "department": "Research",
    })
}

//! The fake Salesforce: SOQL queries over contacts (`LIMIT`/`OFFSET`), one contact, creation.

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
        .route("/services/data/{version}/query", get(query))
        .route("/services/data/{version}/sobjects/Contact", post(create))
        .route("/services/data/{version}/sobjects/Contact/{id}", get(read))
}

async fn query(RawQuery(query): RawQuery) -> Response {
    let soql = param(query.as_deref(), "q").unwrap_or_default();
    let limit = soql_number(&soql, "LIMIT").unwrap_or(SEEDED);
    let offset = soql_number(&soql, "OFFSET").unwrap_or(0);
    let records: Vec<Value> = (offset + 1..=SEEDED).take(limit).map(contact).collect();
    Json(json!({ "totalSize": SEEDED, "done": true, "records": records })).into_response()
}

async fn read(Path((_version, id)): Path<(String, String)>) -> Response {
    match id
        .strip_prefix("003SANDBOX")
        .and_then(|n| n.parse::<usize>().ok())
    {
        Some(n) if (1..=SEEDED).contains(&n) => Json(contact(n)).into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!([{ "errorCode": "NOT_FOUND", "message": "The requested resource does not exist" }])),
        )
            .into_response(),
    }
}

async fn create(body: Bytes) -> Response {
    if json_body(&body)
        .get("LastName")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!([{ "errorCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]", "fields": ["LastName"] }])),
        )
            .into_response();
    }
    (
        StatusCode::CREATED,
        Json(json!({ "id": "003SANDBOX1001", "success": true, "errors": [] })),
    )
        .into_response()
}

/// The number after a SOQL keyword (`LIMIT 26`), if the query has one.
fn soql_number(soql: &str, keyword: &str) -> Option<usize> {
    let words: Vec<&str> = soql.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| w[0].eq_ignore_ascii_case(keyword))
        .and_then(|w| w[1].parse().ok())
}

/// Seeded contact `i` as a Salesforce record.
fn contact(i: usize) -> Value {
    let (first, last, email, phone) = person(i);
    json!({
        "attributes": { "type": "Contact", "url": format!("/services/data/v60.0/sobjects/Contact/003SANDBOX{i}") },
        "Id": format!("003SANDBOX{i}"), "FirstName": first, "LastName": last, "Email": email, "Phone": phone,
        "Account": { "Name": company(i) },
        "CreatedDate": "2026-01-01T00:00:00.000+0000", "LastModifiedDate": "2026-11-01T00:00:00.000+0000",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soql_limits_and_offsets_are_read() {
        let soql = "SELECT Id FROM Contact LIMIT 26 OFFSET 4";
        assert_eq!(soql_number(soql, "LIMIT"), Some(26));
        assert_eq!(soql_number(soql, "offset"), Some(4));
        assert_eq!(soql_number("SELECT Id FROM Contact", "LIMIT"), None);
    }
}

//! The fake Gmail (`google-mail`): the message list, one message, the profile, sending.

use axum::{
    Json, Router,
    extract::Path,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

pub fn router() -> Router {
    Router::new()
        .route("/gmail/v1/users/me/messages", get(list))
        // `send` is also a (foreign) message id to a GET.
        .route(
            "/gmail/v1/users/me/messages/send",
            post(send).get(|| read(Path("send".to_owned()))),
        )
        .route("/gmail/v1/users/me/messages/{id}", get(read))
        .route("/gmail/v1/users/me/profile", get(profile))
}

async fn list() -> Response {
    let messages: Vec<Value> = (1..=5)
        .map(|i| json!({ "id": format!("18c0sandbox000{i}"), "threadId": format!("18c0sandbox000{i}") }))
        .collect();
    Json(json!({ "messages": messages, "resultSizeEstimate": 5 })).into_response()
}

async fn read(Path(id): Path<String>) -> Response {
    if !id.starts_with("18c0sandbox") {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": { "code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND" } })),
        )
            .into_response();
    }
    Json(json!({ "id": id, "threadId": id, "labelIds": ["INBOX"], "snippet": "Hello from the Nango sandbox", "payload": { "headers": [{ "name": "Subject", "value": "Sandbox message" }] } })).into_response()
}

async fn profile() -> Response {
    Json(json!({"emailAddress": "sandbox@example.com", "messagesTotal": 42, "threadsTotal": 30, "historyId": "1000"})).into_response()
}

async fn send() -> Response {
    Json(json!({"id": "18c0sandbox0001", "threadId": "18c0sandbox0001", "labelIds": ["SENT"]}))
        .into_response()
}

//! The fake Slack: `chat.postMessage` with a JSON or form body.

use axum::{
    Json, Router,
    body::Bytes,
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::{Value, json};

use super::{form_value, json_body};

pub fn router() -> Router {
    Router::new().route("/api/chat.postMessage", post(post_message))
}

async fn post_message(body: Bytes) -> Response {
    let json = json_body(&body);
    let channel = json
        .get("channel")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| form_value(&body, "channel"));
    match channel {
        Some(channel) => Json(json!({"ok": true, "channel": channel, "ts": "1795305600.000100", "message": {"text": json.get("text").cloned().unwrap_or(Value::Null)}})).into_response(),
        None => Json(json!({"ok": false, "error": "channel_not_found"})).into_response(),
    }
}

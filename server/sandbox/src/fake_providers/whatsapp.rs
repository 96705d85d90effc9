//! The fake WhatsApp Business (Meta Graph API): sending a message from a phone number id.

use axum::{
    Json, Router,
    body::Bytes,
    extract::Path,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::{Value, json};

use super::json_body;

pub fn router() -> Router {
    Router::new().route("/{version}/{phone_number_id}/messages", post(send))
}

async fn send(Path((_version, phone_number_id)): Path<(String, String)>, body: Bytes) -> Response {
    let json = json_body(&body);
    if json.get("to").and_then(Value::as_str).is_none() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "(#100) The parameter to is required.", "type": "OAuthException", "code": 100}})),
        )
            .into_response();
    }
    Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": json["to"], "wa_id": json["to"]}],
        "messages": [{"id": format!("wamid.sandbox.{phone_number_id}.1")}]
    }))
    .into_response()
}

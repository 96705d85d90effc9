//! The fake Twilio: sending an SMS with a form body (`To`, `From`, `Body`).

use axum::{
    Json, Router,
    body::Bytes,
    extract::Path,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::json;

use super::form_value;

pub fn router() -> Router {
    Router::new().route("/2010-04-01/Accounts/{sid}/Messages.json", post(send))
}

async fn send(Path(sid): Path<String>, body: Bytes) -> Response {
    let field = |name: &str| form_value(&body, name);
    let (Some(to), Some(from), Some(text)) = (field("To"), field("From"), field("Body")) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"code": 21604, "message": "A 'To' phone number is required.", "status": 400})),
        )
            .into_response();
    };
    (
        StatusCode::CREATED,
        Json(json!({
            "sid": "SM00000000000000000000000000000001", "account_sid": sid, "to": to, "from": from,
            "body": text, "status": "queued", "num_segments": "1", "direction": "outbound-api"
        })),
    )
        .into_response()
}

//! Nango's OAuth popup flow, for `nango.auth()` with OAuth providers offline: the SDK opens a
//! WebSocket at the API's root and gets `connection_ack` with its `ws_client_id`; the popup
//! opens `/oauth/connect/{key}?connect_session_token=…&ws_client_id=…`; Nango sends it to the
//! provider, which comes back to `/oauth/callback`. The sandbox is its own provider and
//! consents at once: `/oauth/connect` redirects straight to the callback, which stores the
//! connection (sending the `auth` webhook), pushes `success` (or `error`) over the WebSocket,
//! and answers Nango's callback page, which posts to the opener and on the
//! `nango-oauth-callback` broadcast channel.

use std::sync::Arc;

use axum::{
    extract::{
        Path, RawQuery, State,
        ws::{Message, WebSocket, WebSocketUpgrade},
    },
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{
    connect_ui,
    state::{PendingOAuth, Shared, query_param},
};

/// The callback page; `{{…}}` are filled in (HTML-escaped), the script is fixed, so that its
/// hash in the sandbox's Content-Security-Policy holds.
pub const CALLBACK_PAGE: &str = include_str!("oauth_callback.html");

/// `GET /` with a WebSocket upgrade: acknowledges with a new `ws_client_id`, then relays what
/// the callback publishes for it.
pub async fn websocket(State(shared): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| relay(shared, socket))
}

async fn relay(shared: Arc<Shared>, mut socket: WebSocket) {
    let client_id = uuid::Uuid::new_v4().to_string();
    let ack = json!({ "message_type": "connection_ack", "ws_client_id": client_id });
    if socket
        .send(Message::Text(ack.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let (sender, mut published) = mpsc::unbounded_channel::<String>();
    shared.memory().ws_clients.insert(client_id.clone(), sender);
    loop {
        tokio::select! {
            message = published.recv() => {
                let Some(message) = message else { break };
                if socket.send(Message::Text(message.into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => {
                // The SDK sends nothing; a close or an error ends the relay.
                if !matches!(incoming, Some(Ok(Message::Text(_) | Message::Binary(_) | Message::Ping(_) | Message::Pong(_)))) {
                    break;
                }
            }
        }
    }
    shared.memory().ws_clients.remove(&client_id);
}

/// Sends `message` to the WebSocket client `client_id`, if it is still connected.
fn publish(shared: &Shared, client_id: Option<&str>, message: &Value) {
    let Some(client_id) = client_id else {
        return;
    };
    if let Some(sender) = shared.memory().ws_clients.get(client_id) {
        let _ = sender.send(message.to_string());
    }
}

/// `GET /oauth/connect/{key}`: checks the session and the integration, then "the provider"
/// consents and redirects to the callback.
pub async fn connect(
    State(shared): State<Arc<Shared>>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let ws_client_id = query_param(Some(&query), "ws_client_id");
    let refusal = match query_param(Some(&query), "connect_session_token") {
        None => Some((
            "missing_connect_session_token",
            "A connect session token is required.".to_owned(),
        )),
        Some(token) => match shared.session(&token) {
            Err(_) => Some((
                "unknown_connect_session_token",
                "The connect session token is unknown or expired.".to_owned(),
            )),
            Ok(_) if shared.integration(&key).is_none() => Some((
                "unknown_provider_config",
                format!("There is no integration {key}."),
            )),
            Ok(_) => None,
        },
    };
    if let Some((error_type, description)) = refusal {
        return fail(
            &shared,
            &key,
            ws_client_id.as_deref(),
            error_type,
            &description,
        );
    }
    let state = uuid::Uuid::new_v4().simple().to_string();
    shared.memory().oauth_pending.insert(
        state.clone(),
        PendingOAuth {
            provider_config_key: key,
            query,
            ws_client_id,
        },
    );
    Redirect::to(&format!(
        "{}/oauth/callback?code=sandbox_code&state={state}",
        shared.config.public_url
    ))
    .into_response()
}

/// `GET /oauth/callback?code=…&state=…`: stores the connection and reports the outcome.
pub async fn callback(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let state = query_param(query.as_deref(), "state").unwrap_or_default();
    let Some(pending) = shared.memory().oauth_pending.remove(&state) else {
        return callback_page(
            StatusCode::BAD_REQUEST,
            "error",
            "Unknown or used OAuth state.",
        );
    };
    let token = format!("sandbox_{}", uuid::Uuid::new_v4().simple());
    let credentials = json!({
        "type": "OAUTH2",
        "access_token": token,
        "expires_at": "2099-01-01T00:00:00.000Z",
        "raw": { "access_token": token, "token_type": "bearer", "scope": "sandbox" },
    });
    let key = pending.provider_config_key;
    match connect_ui::connect(&shared, &key, Some(&pending.query), credentials) {
        Ok(connection_id) => {
            publish(
                &shared,
                pending.ws_client_id.as_deref(),
                &json!({
                    "message_type": "success",
                    "provider_config_key": key,
                    "connection_id": connection_id,
                    "is_pending": false,
                }),
            );
            callback_page(
                StatusCode::OK,
                "success",
                "Authorized. You may close this window.",
            )
        }
        Err(_) => fail(
            &shared,
            &key,
            pending.ws_client_id.as_deref(),
            "connection_validation_failed",
            "The connect session does not allow this connection.",
        ),
    }
}

/// Publishes an `error` to the WebSocket client and answers the error page.
fn fail(
    shared: &Shared,
    key: &str,
    ws_client_id: Option<&str>,
    error_type: &str,
    description: &str,
) -> Response {
    publish(
        shared,
        ws_client_id,
        &json!({
            "message_type": "error",
            "provider_config_key": key,
            "connection_id": "",
            "error_type": error_type,
            "error_desc": description,
        }),
    );
    callback_page(StatusCode::BAD_REQUEST, "error", description)
}

fn callback_page(status: StatusCode, outcome: &str, text: &str) -> Response {
    let page = CALLBACK_PAGE
        .replace("{{outcome}}", outcome)
        .replace("{{message}}", &escape_html(text))
        .replace("{{text}}", &escape_html(text));
    (status, Html(page)).into_response()
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_in_the_page_is_escaped() {
        assert_eq!(
            escape_html(r#"<b a="x">'&'"#),
            "&lt;b a=&quot;x&quot;&gt;&#39;&amp;&#39;"
        );
        let page = callback_page(StatusCode::BAD_REQUEST, "error", "<script>");
        assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    }
}

//! The sandbox's Connect UI (docs/nango.md, Connect UI): a page that speaks Nango's postMessage protocol
//! (`ready` → `session_token` → `connect` / `error` / `close`), shows a consent screen for OAuth
//! providers and a form for API-key and basic ones, and the auth endpoints it calls.

use std::sync::Arc;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde_json::{Value, json};

use super::{
    api::upsert_connection,
    state::{Shared, nango_error, query_param},
    webhooks,
};

pub async fn redirect_to_page(RawQuery(query): RawQuery) -> Redirect {
    match query {
        Some(q) => Redirect::temporary(&format!("connect/?{q}")),
        None => Redirect::temporary("connect/"),
    }
}

pub async fn page() -> Html<&'static str> {
    Html(include_str!("connect_ui.html"))
}

pub async fn harness() -> Html<&'static str> {
    Html(include_str!("harness.html"))
}

/// Creates (or, for a reconnect session, overrides) the connection the session asks for and
/// answers as Nango's auth endpoints do.
fn complete(
    shared: &Arc<Shared>,
    key: &str,
    query: Option<&str>,
    credentials: Value,
) -> Result<Response, Response> {
    let connection_id = connect(shared, key, query, credentials)?;
    Ok(Json(json!({ "connectionId": connection_id, "providerConfigKey": key })).into_response())
}

/// Creates (or, for a reconnect session, overrides) the connection the session in `query`
/// asks for, sends the `auth` webhook; the connection's id.
pub fn connect(
    shared: &Arc<Shared>,
    key: &str,
    query: Option<&str>,
    credentials: Value,
) -> Result<String, Response> {
    let token = query_param(query, "connect_session_token").ok_or_else(|| {
        nango_error(
            StatusCode::UNAUTHORIZED,
            "missing_connect_session_token",
            None,
        )
    })?;
    let session = shared.session(&token)?;
    let integration = shared.integration(key).cloned().ok_or_else(|| {
        nango_error(
            StatusCode::BAD_REQUEST,
            "unknown_provider_config",
            Some("Provider does not exists"),
        )
    })?;
    if !session.allowed_integrations.is_empty()
        && !session.allowed_integrations.iter().any(|k| k == key)
    {
        return Err(nango_error(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            Some("This integration is not allowed by the session"),
        ));
    }
    let bound = session.reconnect.as_ref().map(|(id, _)| id.clone());
    let (connection, existed) = upsert_connection(
        shared,
        &integration,
        bound,
        session.end_user.clone(),
        session.tags.clone(),
        credentials,
    );
    webhooks::send_auth(
        shared,
        &connection,
        if existed { "override" } else { "creation" },
        None,
    );
    Ok(connection.connection_id)
}

fn object(body: &Bytes) -> serde_json::Map<String, Value> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

pub async fn api_key_auth(
    State(shared): State<Arc<Shared>>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, Response> {
    let map = object(&body);
    let api_key = map
        .get("apiKey")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_owned();
    if api_key.is_empty() {
        return Err(nango_error(
            StatusCode::BAD_REQUEST,
            "missing_credentials",
            Some("An API key is required."),
        ));
    }
    if api_key == "invalid" {
        return Err(nango_error(
            StatusCode::BAD_REQUEST,
            "connection_test_failed",
            Some("The provider refused this API key."),
        ));
    }
    complete(
        &shared,
        &key,
        query.as_deref(),
        json!({ "type": "API_KEY", "apiKey": api_key }),
    )
}

pub async fn basic_auth(
    State(shared): State<Arc<Shared>>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, Response> {
    let map = object(&body);
    let field = |k: &str| map.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let (username, password) = (field("username"), field("password"));
    if username.trim().is_empty() {
        return Err(nango_error(
            StatusCode::BAD_REQUEST,
            "missing_credentials",
            Some("A username is required."),
        ));
    }
    if password == "invalid" {
        return Err(nango_error(
            StatusCode::BAD_REQUEST,
            "connection_test_failed",
            Some("The provider refused these credentials."),
        ));
    }
    complete(
        &shared,
        &key,
        query.as_deref(),
        json!({ "type": "BASIC", "username": username, "password": password }),
    )
}

pub async fn oauth_approve(
    State(shared): State<Arc<Shared>>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Response> {
    let token = format!("sandbox_{}", uuid::Uuid::new_v4().simple());
    complete(
        &shared,
        &key,
        query.as_deref(),
        json!({
            "type": "OAUTH2",
            "access_token": token,
            "expires_at": "2099-01-01T00:00:00.000Z",
            "raw": { "access_token": token, "token_type": "bearer", "scope": "sandbox" },
        }),
    )
}

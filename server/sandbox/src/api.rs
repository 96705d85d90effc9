//! Nango's REST endpoints as the sandbox serves them: connect sessions, integrations,
//! providers and connections, with Nango's shapes, statuses and error codes (docs/nango.md).

use std::{collections::BTreeMap, sync::Arc, time::SystemTime};

use axum::{
    Json,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{
    state::{
        Connection, SESSION_TTL, SandboxIntegration, Session, Shared, bearer, invalid_body, iso,
        nango_error, new_session_token, query_param,
    },
    webhooks,
};

type Reply = Result<Response, Response>;

pub(crate) fn parse_body(body: &Bytes) -> Result<serde_json::Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid_body("the body must be a JSON object", &[])),
        Err(_) => Err(nango_error(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            Some("Invalid JSON"),
        )),
    }
}

pub(crate) fn refuse_unknown_keys(
    map: &serde_json::Map<String, Value>,
    allowed: &[&str],
) -> Result<(), Response> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(invalid_body(
            &format!("Unrecognized key: \"{key}\""),
            &[key],
        )),
        None => Ok(()),
    }
}

/// The tags a session gets: those built from the end user and organisation, under the
/// explicit ones, as Nango does. Keys are lower-cased.
fn session_tags(map: &serde_json::Map<String, Value>) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    if let Some(user) = map.get("end_user") {
        for (field, tag) in [
            ("id", "end_user_id"),
            ("email", "end_user_email"),
            ("display_name", "end_user_display_name"),
        ] {
            if let Some(v) = text(user, field) {
                tags.insert(tag.to_owned(), v);
            }
        }
    }
    if let Some(org) = map.get("organization") {
        for (field, tag) in [
            ("id", "organization_id"),
            ("display_name", "organization_display_name"),
        ] {
            if let Some(v) = text(org, field) {
                tags.insert(tag.to_owned(), v);
            }
        }
    }
    if let Some(Value::Object(explicit)) = map.get("tags") {
        for (k, v) in explicit {
            if let Some(v) = v.as_str() {
                tags.insert(k.to_lowercase(), v.to_owned());
            }
        }
    }
    tags
}

fn session_reply(shared: &Shared, session: &Session) -> Response {
    (
        StatusCode::CREATED,
        Json(json!({ "data": {
            "token": session.token,
            "connect_link": format!("{}/connect/?session_token={}", shared.config.public_url, session.token),
            "expires_at": iso(session.expires_at),
        }})),
    )
        .into_response()
}

fn store_session(shared: &Shared, session: Session) -> Response {
    let reply = session_reply(shared, &session);
    let mut memory = shared.memory();
    let now = SystemTime::now();
    memory.sessions.retain(|_, s| s.expires_at > now);
    memory.sessions.insert(session.token.clone(), session);
    reply
}

pub async fn create_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Reply {
    shared.check_secret_key(&headers)?;
    if query.is_some_and(|q| !q.is_empty()) {
        return Err(nango_error(
            StatusCode::BAD_REQUEST,
            "invalid_query_params",
            None,
        ));
    }
    let map = parse_body(&body)?;
    refuse_unknown_keys(
        &map,
        &[
            "end_user",
            "organization",
            "tags",
            "allowed_integrations",
            "integrations_config_defaults",
            "overrides",
            "webhook_url_override",
        ],
    )?;
    if !map.contains_key("end_user") && !map.contains_key("tags") {
        return Err(invalid_body("end_user or tags is required", &["end_user"]));
    }
    if let Some(user) = map.get("end_user")
        && user
            .get("id")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    {
        return Err(invalid_body("Required", &["end_user", "id"]));
    }
    let allowed: Vec<String> = match map.get("allowed_integrations") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(_) => return Err(invalid_body("Expected array", &["allowed_integrations"])),
    };
    if let Some(i) = allowed.iter().position(|k| shared.integration(k).is_none()) {
        let index = i.to_string();
        return Err(invalid_body(
            &format!("Integration does not exist: {}", allowed[i]),
            &["allowed_integrations", &index],
        ));
    }
    Ok(store_session(
        &shared,
        Session {
            token: new_session_token(),
            end_user: map.get("end_user").cloned(),
            organization: map.get("organization").cloned(),
            tags: session_tags(&map),
            allowed_integrations: allowed,
            reconnect: None,
            expires_at: SystemTime::now() + SESSION_TTL,
        },
    ))
}

pub async fn create_reconnect_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    shared.check_secret_key(&headers)?;
    let map = parse_body(&body)?;
    refuse_unknown_keys(
        &map,
        &[
            "connection_id",
            "integration_id",
            "end_user",
            "organization",
            "tags",
            "integrations_config_defaults",
            "overrides",
            "webhook_url_override",
        ],
    )?;
    let text = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_owned);
    let (Some(connection_id), Some(integration_id)) =
        (text("connection_id"), text("integration_id"))
    else {
        return Err(invalid_body("Required", &["connection_id"]));
    };
    let exists = shared
        .memory()
        .connections
        .iter()
        .any(|c| c.connection_id == connection_id && c.provider_config_key == integration_id);
    if !exists {
        return Err(nango_error(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            Some("ConnectionID or IntegrationId does not exists"),
        ));
    }
    Ok(store_session(
        &shared,
        Session {
            token: new_session_token(),
            end_user: map.get("end_user").cloned(),
            organization: map.get("organization").cloned(),
            tags: session_tags(&map),
            allowed_integrations: vec![integration_id.clone()],
            reconnect: Some((connection_id, integration_id)),
            expires_at: SystemTime::now() + SESSION_TTL,
        },
    ))
}

pub async fn get_session(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Reply {
    let session = shared.session(bearer(&headers)?)?;
    let end_user = session.end_user.as_ref().map(|u| {
        json!({
            "id": u.get("id"),
            "email": u.get("email"),
            "display_name": u.get("display_name"),
            "tags": u.get("tags"),
            "organization": session.organization,
        })
    });
    let mut data = json!({
        "endUser": end_user,
        "allowed_integrations": session.allowed_integrations,
        "integrations_config_defaults": {},
        "overrides": {},
        "connectUISettings": { "theme": {}, "defaultTheme": "system", "showWatermark": false },
    });
    if session.reconnect.is_some() {
        data["isReconnecting"] = json!(true);
    }
    Ok(Json(json!({ "data": data })).into_response())
}

pub async fn delete_session(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Reply {
    let token = bearer(&headers)?.to_owned();
    shared.session(&token)?;
    shared.memory().sessions.remove(&token);
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn integration_json(shared: &Shared, i: &SandboxIntegration) -> Value {
    json!({
        "unique_key": i.unique_key,
        "provider": i.provider,
        "display_name": i.display_name,
        "logo": format!("{}/images/template-logos/{}.svg", shared.config.public_url, i.provider),
        "forward_webhooks": true,
        "created_at": "2026-01-01T00:00:00.000Z",
        "updated_at": "2026-01-01T00:00:00.000Z",
    })
}

/// Secret key, or a session token (then limited to the session's integrations).
fn allowed_by(shared: &Shared, headers: &HeaderMap) -> Result<Option<Vec<String>>, Response> {
    let token = bearer(headers)?;
    if token.starts_with("nango_connect_session_") {
        let session = shared.session(token)?;
        Ok(Some(session.allowed_integrations))
    } else {
        shared.check_secret_key(headers)?;
        Ok(None)
    }
}

pub async fn list_integrations(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Reply {
    let allowed = allowed_by(&shared, &headers)?;
    let data: Vec<Value> = shared
        .config
        .integrations
        .iter()
        .filter(|i| {
            allowed
                .as_ref()
                .is_none_or(|a| a.is_empty() || a.contains(&i.unique_key))
        })
        .map(|i| integration_json(&shared, i))
        .collect();
    Ok(Json(json!({ "data": data })).into_response())
}

pub async fn get_integration(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Reply {
    shared.check_secret_key(&headers)?;
    let integration = shared.integration(&key).ok_or_else(|| {
        nango_error(
            StatusCode::NOT_FOUND,
            "not_found",
            Some("Integration does not exist"),
        )
    })?;
    Ok(Json(json!({ "data": integration_json(&shared, integration) })).into_response())
}

fn provider_json(shared: &Shared, i: &SandboxIntegration) -> Value {
    json!({
        "name": i.provider,
        "display_name": i.display_name,
        "auth_mode": i.auth_mode,
        "categories": [],
        "docs": format!("https://nango.dev/docs/integrations/all/{}", i.provider),
        "logo_url": format!("{}/images/template-logos/{}.svg", shared.config.public_url, i.provider),
    })
}

pub async fn list_providers(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Reply {
    allowed_by(&shared, &headers)?;
    let search = query_param(query.as_deref(), "search").map(|v| v.to_lowercase());
    let data: Vec<Value> = shared
        .config
        .integrations
        .iter()
        .filter(|i| {
            search.as_ref().is_none_or(|s| {
                i.provider.contains(s.as_str())
                    || i.display_name.to_lowercase().contains(s.as_str())
            })
        })
        .map(|i| provider_json(&shared, i))
        .collect();
    Ok(Json(json!({ "data": data })).into_response())
}

pub async fn get_provider(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(provider): Path<String>,
) -> Reply {
    allowed_by(&shared, &headers)?;
    let found = shared
        .config
        .integrations
        .iter()
        .find(|i| i.provider == provider)
        .ok_or_else(|| {
            nango_error(
                StatusCode::NOT_FOUND,
                "not_found",
                Some("Provider not found"),
            )
        })?;
    Ok(Json(json!({ "data": provider_json(&shared, found) })).into_response())
}

fn query_map(query: Option<&str>) -> Vec<(String, String)> {
    query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

fn list_item(c: &Connection) -> Value {
    json!({
        "id": c.id,
        "connection_id": c.connection_id,
        "provider_config_key": c.provider_config_key,
        "provider": c.provider,
        "errors": if c.invalid { json!([{"type": "auth", "log_id": "sandbox"}]) } else { json!([]) },
        "end_user": c.end_user,
        "tags": c.tags,
        "metadata": c.metadata,
        "created": c.created_at,
    })
}

pub(crate) fn full(c: &Connection) -> Value {
    let plus = |t: &str| t.replace('Z', "+00:00");
    json!({
        "id": c.id,
        "connection_id": c.connection_id,
        "provider_config_key": c.provider_config_key,
        "provider": c.provider,
        "errors": if c.invalid { json!([{"type": "auth", "log_id": "sandbox"}]) } else { json!([]) },
        "end_user": c.end_user,
        "tags": c.tags,
        "metadata": c.metadata,
        "connection_config": {},
        "webhook_url_override": c.webhook_url_override,
        "created_at": plus(&c.created_at),
        "updated_at": plus(&c.updated_at),
        "last_fetched_at": plus(&iso(SystemTime::now())),
        "credentials": c.credentials,
    })
}

pub async fn list_connections(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Reply {
    shared.check_secret_key(&headers)?;
    let pairs = query_map(query.as_deref());
    let mut limit = 10_000usize;
    let mut page = 0usize;
    for (k, v) in &pairs {
        let known = matches!(
            k.as_str(),
            "connectionId"
                | "search"
                | "endUserId"
                | "endUserOrganizationId"
                | "integrationId"
                | "limit"
                | "page"
        ) || (k.starts_with("tags[") && k.ends_with(']'));
        if !known {
            return Err(nango_error(
                StatusCode::BAD_REQUEST,
                "invalid_query_params",
                Some(&format!("Unrecognized key: {k}")),
            ));
        }
        if k == "limit" {
            limit = v
                .parse()
                .ok()
                .filter(|n| (1..=2000).contains(n))
                .ok_or_else(|| {
                    nango_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_query_params",
                        Some("limit must be 1..2000"),
                    )
                })?;
        }
        if k == "page" {
            page = v.parse().map_err(|_| {
                nango_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_query_params",
                    Some("page must be a number"),
                )
            })?;
        }
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let memory = shared.memory();
    let connections: Vec<Value> = memory
        .connections
        .iter()
        .filter(|c| get("connectionId").is_none_or(|id| c.connection_id == id))
        .filter(|c| {
            get("integrationId")
                .is_none_or(|ids| ids.split(',').any(|k| k == c.provider_config_key))
        })
        .filter(|c| {
            get("endUserId")
                .is_none_or(|id| c.tags.get("end_user_id").map(String::as_str) == Some(id))
        })
        .filter(|c| {
            get("endUserOrganizationId")
                .is_none_or(|id| c.tags.get("organization_id").map(String::as_str) == Some(id))
        })
        .filter(|c| get("search").is_none_or(|s| c.connection_id.contains(s)))
        .filter(|c| {
            pairs
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix("tags[")?.strip_suffix(']')?, v)))
                .all(|(k, v)| c.tags.get(&k.to_lowercase()) == Some(v))
        })
        .skip(page * limit)
        .take(limit)
        .map(list_item)
        .collect();
    Ok(Json(json!({ "connections": connections })).into_response())
}

/// The `provider_config_key` query parameter, required by the connection endpoints.
pub(crate) fn provider_config_key(
    shared: &Shared,
    query: Option<&str>,
) -> Result<String, Response> {
    let key = query_map(query)
        .into_iter()
        .find(|(k, _)| k == "provider_config_key")
        .map(|(_, v)| v)
        .ok_or_else(|| {
            nango_error(
                StatusCode::BAD_REQUEST,
                "invalid_query_params",
                Some("provider_config_key is required"),
            )
        })?;
    if shared.integration(&key).is_none() {
        return Err(nango_error(
            StatusCode::BAD_REQUEST,
            "unknown_provider_config",
            Some("Provider does not exists"),
        ));
    }
    Ok(key)
}

pub async fn get_connection(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Reply {
    shared.check_secret_key(&headers)?;
    let key = provider_config_key(&shared, query.as_deref())?;
    let memory = shared.memory();
    let connection = memory
        .connections
        .iter()
        .find(|c| c.connection_id == id && c.provider_config_key == key)
        .ok_or_else(|| {
            nango_error(
                StatusCode::NOT_FOUND,
                "not_found",
                Some("Failed to find connection"),
            )
        })?;
    if connection.invalid {
        let mut payload = full(connection);
        payload["credentials"] = json!({});
        return Err((
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": {
                "code": "invalid_credentials",
                "message": "The refresh token was rejected by the provider (invalid_grant).",
                "payload": { "connection": payload },
            }})),
        )
            .into_response());
    }
    Ok(Json(full(connection)).into_response())
}

pub async fn delete_connection(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Reply {
    shared.check_secret_key(&headers)?;
    let key = provider_config_key(&shared, query.as_deref())?;
    let mut memory = shared.memory();
    let before = memory.connections.len();
    memory
        .connections
        .retain(|c| !(c.connection_id == id && c.provider_config_key == key));
    if memory.connections.len() == before {
        return Err(nango_error(
            StatusCode::BAD_REQUEST,
            "unknown_connection",
            None,
        ));
    }
    Ok(Json(json!({ "success": true })).into_response())
}

/// Creates or overrides a connection; returns it and whether it existed.
pub fn upsert_connection(
    shared: &Shared,
    integration: &SandboxIntegration,
    connection_id: Option<String>,
    end_user: Option<Value>,
    tags: BTreeMap<String, String>,
    credentials: Value,
) -> (Connection, bool) {
    let now = iso(SystemTime::now());
    let mut memory = shared.memory();
    let id = connection_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    if let Some(existing) = memory
        .connections
        .iter_mut()
        .find(|c| c.connection_id == id && c.provider_config_key == integration.unique_key)
    {
        existing.credentials = credentials;
        existing.updated_at = now;
        existing.invalid = false;
        if !tags.is_empty() {
            existing.tags = tags;
        }
        if end_user.is_some() {
            existing.end_user = end_user;
        }
        return (existing.clone(), true);
    }
    let connection = Connection {
        id: memory.next_id,
        connection_id: id,
        provider_config_key: integration.unique_key.clone(),
        provider: integration.provider.clone(),
        auth_mode: integration.auth_mode.clone(),
        end_user,
        tags,
        metadata: None,
        webhook_url_override: None,
        credentials,
        created_at: now.clone(),
        updated_at: now,
        invalid: false,
    };
    memory.next_id += 1;
    memory.connections.push(connection.clone());
    (connection, false)
}

pub async fn import_connection(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    shared.check_secret_key(&headers)?;
    let map = parse_body(&body)?;
    refuse_unknown_keys(
        &map,
        &[
            "provider_config_key",
            "connection_id",
            "metadata",
            "connection_config",
            "webhook_url_override",
            "end_user",
            "tags",
            "credentials",
        ],
    )?;
    let key = map
        .get("provider_config_key")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_body("Required", &["provider_config_key"]))?;
    let integration = shared.integration(key).cloned().ok_or_else(|| {
        nango_error(
            StatusCode::NOT_FOUND,
            "not_found",
            Some("Integration does not exist"),
        )
    })?;
    let credentials = map
        .get("credentials")
        .cloned()
        .ok_or_else(|| invalid_body("Required", &["credentials"]))?;
    let kind = credentials
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind != integration.auth_mode {
        return Err(invalid_body(
            &format!(
                "Provider {} does not support {kind} auth",
                integration.provider
            ),
            &["credentials", "type"],
        ));
    }
    let tags = map
        .get("tags")
        .and_then(Value::as_object)
        .map(|t| {
            t.iter()
                .filter_map(|(k, v)| Some((k.to_lowercase(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let (mut connection, existed) = upsert_connection(
        &shared,
        &integration,
        map.get("connection_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
        map.get("end_user").cloned(),
        tags,
        credentials,
    );
    let metadata = map.get("metadata").cloned();
    let webhook_url_override = map
        .get("webhook_url_override")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if metadata.is_some() || webhook_url_override.is_some() {
        let mut memory = shared.memory();
        if let Some(stored) = memory
            .connections
            .iter_mut()
            .find(|c| c.id == connection.id)
        {
            if metadata.is_some() {
                stored.metadata.clone_from(&metadata);
            }
            if webhook_url_override.is_some() {
                stored
                    .webhook_url_override
                    .clone_from(&webhook_url_override);
            }
            connection = stored.clone();
        }
    }
    webhooks::send_auth(
        &shared,
        &connection,
        if existed { "override" } else { "creation" },
        None,
    );
    Ok((StatusCode::CREATED, Json(full(&connection))).into_response())
}

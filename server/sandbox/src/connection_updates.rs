//! Changing a connection after the fact, as Nango's node SDK does: `setMetadata` /
//! `updateMetadata` (`POST` / `PATCH /connections/metadata`, replace / shallow merge, all or
//! nothing across the listed connections) and `patchConnection` (`PATCH /connections/{id}`:
//! end user, tags, webhook URL override).

use std::{collections::BTreeMap, sync::Arc, time::SystemTime};

use axum::{
    Json,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use super::{
    api::{parse_body, provider_config_key, refuse_unknown_keys},
    state::{Shared, invalid_body, iso, nango_error},
};

type Reply = Result<Response, Response>;

/// How new metadata meets the old.
#[derive(Clone, Copy)]
enum Write {
    /// `POST`: the new object replaces the old one.
    Replace,
    /// `PATCH`: the new object's keys are set over the old ones.
    Merge,
}

/// `POST /connections/metadata`: replaces the metadata; 201 echoing the body.
pub async fn set_metadata(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    write_metadata(&shared, &headers, &body, Write::Replace)?;
    Ok((StatusCode::CREATED, Json(json_echo(&body))).into_response())
}

/// `PATCH /connections/metadata`: merges the metadata; 200 echoing the body.
pub async fn update_metadata(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    write_metadata(&shared, &headers, &body, Write::Merge)?;
    Ok(Json(json_echo(&body)).into_response())
}

fn json_echo(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

fn write_metadata(shared: &Shared, headers: &HeaderMap, body: &Bytes, write: Write) -> Reply {
    shared.check_secret_key(headers)?;
    let map = parse_body(body)?;
    refuse_unknown_keys(&map, &["connection_id", "provider_config_key", "metadata"])?;
    let ids: Vec<String> = match map.get("connection_id") {
        Some(Value::String(id)) => vec![id.clone()],
        Some(Value::Array(ids)) if !ids.is_empty() => ids
            .iter()
            .map(|id| id.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| invalid_body("Expected string", &["connection_id"]))?,
        _ => return Err(invalid_body("Required", &["connection_id"])),
    };
    let key = map
        .get("provider_config_key")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_body("Required", &["provider_config_key"]))?;
    let metadata = map
        .get("metadata")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid_body("Expected object", &["metadata"]))?;

    let mut memory = shared.memory();
    if let Some(missing) = ids.iter().find(|id| {
        !memory
            .connections
            .iter()
            .any(|c| &c.connection_id == *id && c.provider_config_key == key)
    }) {
        return Err(nango_error(
            StatusCode::NOT_FOUND,
            "unknown_connection",
            Some(&format!(
                "Connection with connection id {missing} and provider config key {key} not found. \
                 Please make sure the connection exists in the Nango dashboard"
            )),
        ));
    }
    let now = iso(SystemTime::now());
    for connection in memory
        .connections
        .iter_mut()
        .filter(|c| c.provider_config_key == key && ids.contains(&c.connection_id))
    {
        let merged = match (write, connection.metadata.take()) {
            (Write::Merge, Some(Value::Object(mut old))) => {
                old.extend(metadata.clone());
                old
            }
            _ => metadata.clone(),
        };
        connection.metadata = Some(Value::Object(merged));
        connection.updated_at.clone_from(&now);
    }
    Ok(StatusCode::OK.into_response())
}

/// `PATCH /connections/{id}?provider_config_key=`: sets the end user, the tags and the webhook
/// URL override; `{"success": true}`.
pub async fn patch_connection(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Reply {
    shared.check_secret_key(&headers)?;
    let key = provider_config_key(&shared, query.as_deref())?;
    let map = parse_body(&body)?;
    refuse_unknown_keys(&map, &["end_user", "tags", "webhook_url_override"])?;
    let end_user = match map.get("end_user") {
        None => None,
        Some(user) => Some(checked_end_user(user)?),
    };
    let tags = match map.get("tags") {
        None => None,
        Some(tags) => Some(checked_tags(tags)?),
    };
    let webhook_url_override = match map.get("webhook_url_override") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(url)) if url::Url::parse(url).is_ok() => Some(Some(url.clone())),
        Some(_) => return Err(invalid_body("Invalid url", &["webhook_url_override"])),
    };

    let mut memory = shared.memory();
    let connection = memory
        .connections
        .iter_mut()
        .find(|c| c.connection_id == id && c.provider_config_key == key)
        .ok_or_else(|| {
            nango_error(
                StatusCode::NOT_FOUND,
                "not_found",
                Some("Failed to find connection"),
            )
        })?;
    if let Some(end_user) = end_user {
        connection.end_user = Some(end_user);
    }
    if let Some(tags) = tags {
        connection.tags = tags;
    }
    if let Some(url) = webhook_url_override {
        connection.webhook_url_override = url;
    }
    connection.updated_at = iso(SystemTime::now());
    Ok(Json(json!({ "success": true })).into_response())
}

/// An end user needs a string `id`; `email` and `display_name` are optional strings.
fn checked_end_user(user: &Value) -> Result<Value, Response> {
    let Some(fields) = user.as_object() else {
        return Err(invalid_body("Expected object", &["end_user"]));
    };
    if fields
        .get("id")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(invalid_body("Required", &["end_user", "id"]));
    }
    for optional in ["email", "display_name"] {
        if fields
            .get(optional)
            .is_some_and(|v| !v.is_string() && !v.is_null())
        {
            return Err(invalid_body("Expected string", &["end_user", optional]));
        }
    }
    Ok(Value::Object(fields.clone()))
}

/// Tags are string values; keys are lower-cased, as at creation.
fn checked_tags(tags: &Value) -> Result<BTreeMap<String, String>, Response> {
    let fields: &Map<String, Value> = tags
        .as_object()
        .ok_or_else(|| invalid_body("Expected object", &["tags"]))?;
    fields
        .iter()
        .map(|(k, v)| match v.as_str() {
            Some(v) => Ok((k.to_lowercase(), v.to_owned())),
            None => Err(invalid_body("Expected string", &["tags", k])),
        })
        .collect()
}

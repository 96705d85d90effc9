//! `GET/POST /api/v1/api-keys` and `DELETE /api/v1/api-keys/{id}`: the organisation's API keys
//! for admins signed in as themselves. The key itself appears once, in the creation answer.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use patchbay::api_keys::{self, ApiKey};
use serde::{Deserialize, Serialize};

use crate::{api_error::ApiError, auth::Authenticated, routes::rfc3339, state::AppState};

#[derive(Debug, Serialize)]
pub struct ApiKeyJson {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_by: Option<String>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<ApiKey> for ApiKeyJson {
    fn from(key: ApiKey) -> Self {
        Self {
            id: key.id,
            name: key.name,
            prefix: key.prefix,
            created_by: key.created_by,
            created_at: rfc3339(key.created_at),
            last_used_at: key.last_used_at.map(rfc3339),
            revoked_at: key.revoked_at.map(rfc3339),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ApiKeysJson {
    pub api_keys: Vec<ApiKeyJson>,
}

#[derive(Debug, Serialize)]
pub struct CreatedKeyJson {
    #[serde(flatten)]
    pub api_key: ApiKeyJson,
    /// The key itself, shown this once.
    pub key: String,
}

#[derive(Debug, Deserialize)]
pub struct CreateKey {
    pub name: String,
}

pub async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<ApiKeysJson>, ApiError> {
    let keys = api_keys::list(&state.hub, &auth.caller).await?;
    Ok(Json(ApiKeysJson {
        api_keys: keys.into_iter().map(ApiKeyJson::from).collect(),
    }))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let request: CreateKey = serde_json::from_slice(&body).map_err(|e| {
        patchbay::Error::validation("name", format!("send a JSON body {{\"name\": \"…\"}}: {e}"))
    })?;
    let created =
        api_keys::create(&state.hub, &auth.caller, &request.name, auth.ip.as_deref()).await?;
    let body = CreatedKeyJson {
        api_key: created.key.into(),
        key: created.secret,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    api_keys::revoke(&state.hub, &auth.caller, &id, auth.ip.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

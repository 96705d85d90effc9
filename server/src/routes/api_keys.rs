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
use utoipa::ToSchema;

use crate::{
    api_error::{ApiError, BadRequest, Forbidden, NotFound, Unauthorized},
    auth::Authenticated,
    routes::rfc3339,
    state::AppState,
};

/// An API key, without its secret.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ApiKey)]
pub struct ApiKeyJson {
    pub id: String,
    #[schema(max_length = 60, examples("CRM sync worker"))]
    pub name: String,
    /// The key's first 12 characters, to recognise it.
    #[schema(examples("pbk_3kq9ZtW1"))]
    pub prefix: String,
    /// The admin who created it.
    pub created_by: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    /// Set once revoked; a revoked key authenticates nothing.
    #[schema(format = DateTime)]
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

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ApiKeyList)]
pub struct ApiKeysJson {
    pub api_keys: Vec<ApiKeyJson>,
}

/// A new key: its record plus the secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CreatedApiKey)]
pub struct CreatedKeyJson {
    #[serde(flatten)]
    pub api_key: ApiKeyJson,
    /// The full key. Store it now: Patchbay keeps only its hash.
    #[schema(examples("pbk_3kq9ZtW1…"))]
    pub key: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = CreateApiKey)]
pub struct CreateKey {
    /// A label to recognise the key by (trimmed).
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
}

/// List API keys
///
/// The organisation's API keys, newest first, revoked ones included; never their secrets.
/// Admins signed in as themselves only: an API key cannot list keys.
#[utoipa::path(
    get,
    path = "/api/v1/api-keys",
    operation_id = "listApiKeys",
    tag = "api-keys",
    security(("session" = [])),
    responses(
        (status = 200, description = "The keys.", body = ApiKeysJson),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<ApiKeysJson>, ApiError> {
    let keys = api_keys::list(&state.hub, &auth.caller).await?;
    Ok(Json(ApiKeysJson {
        api_keys: keys.into_iter().map(ApiKeyJson::from).collect(),
    }))
}

/// Create an API key
///
/// Creates a key for the organisation and audits it. The answer carries the full key in
/// `key`, this once: Patchbay stores only its hash. Admins signed in as themselves only.
#[utoipa::path(
    post,
    path = "/api/v1/api-keys",
    operation_id = "createApiKey",
    tag = "api-keys",
    security(("session" = [])),
    request_body(content = CreateKey, example = json!({"name": "CRM sync worker"})),
    responses(
        (status = 201, description = "The new key, with its secret.", body = CreatedKeyJson),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
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

/// Revoke an API key
///
/// Revokes the key at once: it authenticates nothing afterwards. Revoking a revoked key
/// changes nothing. Admins signed in as themselves only.
#[utoipa::path(
    delete,
    path = "/api/v1/api-keys/{id}",
    operation_id = "revokeApiKey",
    tag = "api-keys",
    security(("session" = [])),
    params(("id" = String, Path, description = "The key's `id`.")),
    responses(
        (status = 204, description = "Revoked."),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    api_keys::revoke(&state.hub, &auth.caller, &id, auth.ip.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! `GET /api/v1/connections`: the caller's organisation's connections, for backends that want
//! to know which `connectionId` to name in a unified call.

use axum::{Json, extract::State};
use patchbay::connections::{self, ConnectionQuery, ConnectionStatus};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    api_error::{ApiError, Unauthorized},
    auth::Authenticated,
    routes::rfc3339,
    state::AppState,
};

/// One of the organisation's connected accounts.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Connection)]
pub struct ConnectionJson {
    /// Patchbay's id of the connection.
    pub id: String,
    #[schema(examples("hubspot"))]
    pub connector_slug: String,
    /// Nango's integration key; `providerConfigKey` in unified calls.
    pub provider_config_key: String,
    /// Nango's connection id; `connectionId` in unified calls.
    pub connection_id: String,
    pub status: ConnectionStatus,
    /// Why the status is what it is (the last error, for example).
    pub status_detail: Option<String>,
    /// The user who connected it.
    pub connected_by: Option<String>,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub connected_at: String,
    /// RFC 3339, UTC; `null` until the first check.
    #[schema(format = DateTime)]
    pub last_checked_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ConnectionList)]
pub struct ConnectionsJson {
    pub connections: Vec<ConnectionJson>,
}

/// List the organisation's connections
///
/// The caller's organisation's connected accounts, to know which `connectionId` and
/// `providerConfigKey` to name in a unified or proxy call.
#[utoipa::path(
    get,
    path = "/api/v1/connections",
    operation_id = "listConnections",
    tag = "connections",
    responses(
        (status = 200, description = "The connections.", body = ConnectionsJson,
            example = json!({"connections": [{"id": "c_01JD8ZQ4", "connector_slug": "hubspot", "provider_config_key": "hubspot", "connection_id": "3f2c9a1e-acme", "status": "active", "status_detail": null, "connected_by": "u_01JD8Y2K", "connected_at": "2026-11-02T08:15:00.000Z", "last_checked_at": "2026-11-22T10:04:05.123Z"}]})),
        (status = 401, response = Unauthorized),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<ConnectionsJson>, ApiError> {
    let rows = connections::list_for_org(
        &state.hub.db,
        &auth.caller.org_id,
        &ConnectionQuery::default(),
    )
    .await?;
    Ok(Json(ConnectionsJson {
        connections: rows
            .into_iter()
            .map(|c| ConnectionJson {
                id: c.id,
                connector_slug: c.connector_slug,
                provider_config_key: c.provider_config_key,
                connection_id: c.nango_connection_id,
                status: c.status,
                status_detail: c.status_detail,
                connected_by: c.connected_by,
                connected_at: rfc3339(c.connected_at),
                last_checked_at: c.last_checked_at.map(rfc3339),
            })
            .collect(),
    }))
}

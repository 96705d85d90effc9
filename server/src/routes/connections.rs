//! `GET /api/v1/connections`: the caller's organisation's connections, for backends that want
//! to know which `connectionId` to name in a unified call.

use axum::{Json, extract::State};
use patchbay::connections::{self, ConnectionQuery, ConnectionStatus};
use serde::Serialize;

use crate::{api_error::ApiError, auth::Authenticated, routes::rfc3339, state::AppState};

#[derive(Debug, Serialize)]
pub struct ConnectionJson {
    pub id: String,
    pub connector_slug: String,
    pub provider_config_key: String,
    pub connection_id: String,
    pub status: ConnectionStatus,
    pub status_detail: Option<String>,
    pub connected_by: Option<String>,
    pub connected_at: String,
    pub last_checked_at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ConnectionsJson {
    pub connections: Vec<ConnectionJson>,
}

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

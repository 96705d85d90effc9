//! Managing connections after they exist (docs/flows.md, "Check, reconnect, disconnect"): health
//! checks, reconnect sessions, disconnects, and the reconciliation that keeps Patchbay's records
//! true to Nango when a webhook never came. Members act on their own connections, admins on all of
//! them.

use std::collections::HashSet;

use serde::Serialize;
use sqlx::Row;

use crate::{
    Error, Hub, Result,
    accounts::Viewer,
    audit,
    connect::ConnectStart,
    connections::{ConnectionStatus, Recorded, record_if_owned},
    nango::{
        NangoError,
        types::{ConnectionFilter, GetConnectionOptions, ReconnectSession},
    },
    orgs::Role,
    time::now_ms,
};

/// A connection row, scoped to the viewer's organisation.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Owned {
    id: String,
    provider_config_key: String,
    nango_connection_id: String,
    connected_by: Option<String>,
    status: String,
}

async fn load_owned(hub: &Hub, viewer: &Viewer, id: &str) -> Result<Owned> {
    let org = viewer.require_org()?;
    let owned: Owned = sqlx::query_as(
        "SELECT id, provider_config_key, nango_connection_id, connected_by, status
         FROM connections WHERE id = $1 AND org_id = $2",
    )
    .bind(id)
    .bind(&org.org_id)
    .fetch_optional(hub.db.pool())
    .await?
    // Another organisation's connection is indistinguishable from a missing one.
    .ok_or(Error::NotFound("connection"))?;
    if org.role != Role::Admin && owned.connected_by.as_deref() != Some(viewer.user.id.as_str()) {
        return Err(Error::Forbidden(
            "only the person who connected this account, or an admin, can do this".to_owned(),
        ));
    }
    Ok(owned)
}

async fn set_status(
    hub: &Hub,
    viewer: &Viewer,
    owned: &Owned,
    status: ConnectionStatus,
    detail: Option<&str>,
    action: &str,
    ip: Option<&str>,
) -> Result<()> {
    let mut tx = hub.db.begin_write().await?;
    sqlx::query(
        "UPDATE connections SET status = $1, status_detail = $2, last_checked_at = $3, updated_at = $3
         WHERE id = $4",
    )
    .bind(status.as_str())
    .bind(detail)
    .bind(now_ms())
    .bind(&owned.id)
    .execute(&mut *tx)
    .await?;
    let org_id = viewer.require_org()?.org_id.clone();
    audit::record_in(
        &mut tx,
        audit::Entry {
            org_id: Some(&org_id),
            actor_user_id: Some(&viewer.user.id),
            action,
            target: Some(&owned.id),
            detail: serde_json::json!({ "status": status.as_str(), "from": owned.status, "detail": detail }),
            ip,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reads the connection from Nango: working credentials mean `active`, `invalid_credentials`
/// means `needs_reconnect`, a connection Nango no longer has is `disconnected`.
pub async fn check(
    hub: &Hub,
    viewer: &Viewer,
    id: &str,
    ip: Option<&str>,
) -> Result<ConnectionStatus> {
    let owned = load_owned(hub, viewer, id).await?;
    let nango = hub.nango()?;
    let (status, detail) = match nango
        .client
        .get_connection(
            &owned.nango_connection_id,
            &owned.provider_config_key,
            GetConnectionOptions::default(),
        )
        .await
    {
        Ok(_) => (ConnectionStatus::Active, None),
        Err(NangoError::InvalidCredentials { message, .. }) => {
            (ConnectionStatus::NeedsReconnect, Some(message))
        }
        Err(NangoError::Api { status: 404, .. }) => (
            ConnectionStatus::Disconnected,
            Some("the connection no longer exists in Nango".to_owned()),
        ),
        Err(other) => return Err(other.into()),
    };
    set_status(
        hub,
        viewer,
        &owned,
        status,
        detail.as_deref(),
        "connection.checked",
        ip,
    )
    .await?;
    Ok(status)
}

/// A reconnect session: Connect UI re-authorises the same connection in place.
pub async fn reconnect(hub: &Hub, viewer: &Viewer, id: &str) -> Result<ConnectStart> {
    let owned = load_owned(hub, viewer, id).await?;
    let identity = crate::connect::session_identity(viewer)?;
    let session = hub
        .nango()?
        .client
        .create_reconnect_session(&ReconnectSession {
            connection_id: owned.nango_connection_id.clone(),
            integration_id: owned.provider_config_key.clone(),
            end_user: Some(identity.end_user),
            organization: Some(identity.organization),
            tags: identity.tags,
        })
        .await?;
    Ok(ConnectStart {
        session_token: session.token,
        expires_at: session.expires_at,
        provider_config_key: owned.provider_config_key,
    })
}

/// Deletes the connection in Nango and keeps the row, marked disconnected.
pub async fn disconnect(hub: &Hub, viewer: &Viewer, id: &str, ip: Option<&str>) -> Result<()> {
    let owned = load_owned(hub, viewer, id).await?;
    match hub
        .nango()?
        .client
        .delete_connection(&owned.nango_connection_id, &owned.provider_config_key)
        .await
    {
        Ok(()) => {}
        // Already gone in Nango: the record still has to say so.
        Err(NangoError::Api { code, .. })
            if code == "unknown_connection" || code == "not_found" => {}
        Err(other) => return Err(other.into()),
    }
    set_status(
        hub,
        viewer,
        &owned,
        ConnectionStatus::Disconnected,
        None,
        "connection.disconnected",
        ip,
    )
    .await
}

/// What a reconciliation pass changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reconciled {
    /// Connections Nango has, tagged with one of our organisations, that Patchbay had missed.
    pub picked_up: u32,
    /// Connections Patchbay had that Nango no longer has.
    pub disconnected: u32,
}

/// Lists Nango's connections and brings Patchbay's records in line with them.
pub async fn reconcile(hub: &Hub) -> Result<Reconciled> {
    let nango = hub.nango()?;
    let remote = nango
        .client
        .list_connections(&ConnectionFilter::default())
        .await?;
    let mut report = Reconciled::default();
    let present: HashSet<(String, String)> = remote
        .iter()
        .map(|c| (c.provider_config_key.clone(), c.connection_id.clone()))
        .collect();
    let mut tx = hub.db.begin_write().await?;
    for connection in &remote {
        let Some(org_id) = connection
            .tags
            .as_ref()
            .and_then(|t| t.get("organization_id"))
        else {
            continue;
        };
        let known: Option<String> = sqlx::query_scalar(
            "SELECT id FROM connections WHERE provider_config_key = $1 AND nango_connection_id = $2",
        )
        .bind(&connection.provider_config_key)
        .bind(&connection.connection_id)
        .fetch_optional(&mut *tx)
        .await?;
        let org_exists: Option<String> =
            sqlx::query_scalar("SELECT id FROM organizations WHERE id = $1")
                .bind(org_id)
                .fetch_optional(&mut *tx)
                .await?;
        if known.is_some() || org_exists.is_none() {
            continue;
        }
        let recorded = record_if_owned(
            &mut tx,
            &hub.catalog,
            Recorded {
                org_id,
                provider_config_key: &connection.provider_config_key,
                provider: Some(&connection.provider),
                nango_connection_id: &connection.connection_id,
                connected_by: connection
                    .tags
                    .as_ref()
                    .and_then(|t| t.get("end_user_id"))
                    .map(String::as_str),
                auth_mode: None,
                via: "reconciliation",
                ip: None,
            },
        )
        .await?;
        if recorded.is_some() {
            report.picked_up += 1;
        }
    }
    let rows = sqlx::query(
        "SELECT id, org_id, provider_config_key, nango_connection_id FROM connections
         WHERE status <> 'disconnected'",
    )
    .fetch_all(&mut *tx)
    .await?;
    let now = now_ms();
    for row in rows {
        let key: String = row.try_get("provider_config_key")?;
        let connection_id: String = row.try_get("nango_connection_id")?;
        if present.contains(&(key, connection_id)) {
            continue;
        }
        let id: String = row.try_get("id")?;
        let org_id: String = row.try_get("org_id")?;
        sqlx::query(
            "UPDATE connections SET status = 'disconnected',
                 status_detail = 'deleted in Nango', updated_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        audit::record_in(
            &mut tx,
            audit::Entry {
                org_id: Some(&org_id),
                actor_user_id: None,
                action: "connection.disconnected",
                target: Some(&id),
                detail: serde_json::json!({ "via": "reconciliation" }),
                ip: None,
            },
        )
        .await?;
        report.disconnected += 1;
    }
    tx.commit().await?;
    Ok(report)
}

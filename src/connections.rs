//! Connections an organisation holds to connectors (accounts linked through Nango): what the
//! catalog shows beside each connector and what the detail view lists.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::{Db, Error, Result, audit, catalog::Catalog, time::now_ms};

/// A connection's lifecycle state, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ConnectionStatus {
    Active,
    Syncing,
    Error,
    NeedsReconnect,
    Disconnected,
}

impl ConnectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Syncing => "syncing",
            Self::Error => "error",
            Self::NeedsReconnect => "needs_reconnect",
            Self::Disconnected => "disconnected",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "active" => Self::Active,
            "syncing" => Self::Syncing,
            "error" => Self::Error,
            "needs_reconnect" => Self::NeedsReconnect,
            "disconnected" => Self::Disconnected,
            _ => return None,
        })
    }
}

/// A stored status as the lists read it: a value this version does not know reads as `Error`,
/// so a row written by a newer Patchbay still lists.
impl From<String> for ConnectionStatus {
    fn from(stored: String) -> Self {
        Self::parse(&stored).unwrap_or(Self::Error)
    }
}

/// How an organisation stands with one connector: its live (not disconnected) accounts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConnectorUsage {
    /// Accounts that are not disconnected.
    pub accounts: u32,
    /// Of those, accounts that need attention (error or needs reconnect).
    pub needing_attention: u32,
}

/// One connection as the connector detail view lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ConnectionSummary {
    pub id: String,
    pub nango_connection_id: String,
    pub account_label: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: ConnectionStatus,
    pub connected_by: Option<String>,
    pub connected_at: i64,
}

/// Per connector slug, the organisation's live accounts.
pub async fn usage_by_connector(db: &Db, org_id: &str) -> Result<HashMap<String, ConnectorUsage>> {
    let rows = sqlx::query(
        "SELECT connector_slug, status, COUNT(*) AS n FROM connections
         WHERE org_id = $1 AND status <> 'disconnected'
         GROUP BY connector_slug, status",
    )
    .bind(org_id)
    .fetch_all(db.pool())
    .await?;
    let mut usage: HashMap<String, ConnectorUsage> = HashMap::new();
    for row in rows {
        let slug: String = row.try_get("connector_slug")?;
        let status: String = row.try_get("status")?;
        let n = u32::try_from(row.try_get::<i64, _>("n")?).unwrap_or(u32::MAX);
        let entry = usage.entry(slug).or_default();
        entry.accounts += n;
        if matches!(status.as_str(), "error" | "needs_reconnect") {
            entry.needing_attention += n;
        }
    }
    Ok(usage)
}

/// The organisation's connections of one connector, newest first.
pub async fn list_for_connector(
    db: &Db,
    org_id: &str,
    connector_slug: &str,
) -> Result<Vec<ConnectionSummary>> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.nango_connection_id, c.account_label, c.status,
                u.display_name AS connected_by, c.connected_at
         FROM connections c LEFT JOIN users u ON u.id = c.connected_by
         WHERE c.org_id = $1 AND c.connector_slug = $2
         ORDER BY c.connected_at DESC",
    )
    .bind(org_id)
    .bind(connector_slug)
    .fetch_all(db.pool())
    .await?)
}

/// A connection Nango vouches for, to record as active.
#[derive(Debug, Clone, Copy)]
pub struct Recorded<'a> {
    pub org_id: &'a str,
    pub provider_config_key: &'a str,
    /// Nango's provider name, when known (a second way to find the connector).
    pub provider: Option<&'a str>,
    pub nango_connection_id: &'a str,
    /// Who connected it; kept only when they belong to the organisation.
    pub connected_by: Option<&'a str>,
    pub auth_mode: Option<&'a str>,
    /// What told us (`nango_webhook`, `connect_confirmation`, `reconciliation`), for the audit log.
    pub via: &'a str,
    pub ip: Option<&'a str>,
}

/// Records a connection as active for its organisation, inside the caller's transaction:
/// inserted when new, re-activated when it was in another state, audited when either happened.
/// The webhook and the browser's confirmation may both report one connection, even at the same
/// moment: the insert is `ON CONFLICT DO NOTHING`, so the second report (which on PostgreSQL
/// waits for the first to commit) finds the row and changes nothing but the timestamps, and
/// exactly one `connection.created` entry is written. A connection belongs to the organisation
/// that first recorded it: a report naming another organisation is refused (`Forbidden`).
pub async fn record_active(
    tx: &mut Transaction<'_, Any>,
    catalog: &Catalog,
    c: Recorded<'_>,
) -> Result<String> {
    record_if_owned(tx, catalog, c).await?.ok_or_else(|| {
        Error::Forbidden("this connection belongs to another organisation".to_owned())
    })
}

/// Like [`record_active`], but `None` (and nothing written) when the connection is already
/// recorded for another organisation.
pub async fn record_if_owned(
    tx: &mut Transaction<'_, Any>,
    catalog: &Catalog,
    c: Recorded<'_>,
) -> Result<Option<String>> {
    let connector_slug = catalog
        .find_by_nango_key(c.provider_config_key)
        .or_else(|| c.provider.and_then(|p| catalog.find_by_nango_key(p)))
        .map_or_else(
            || c.provider_config_key.to_owned(),
            |found| found.slug.clone(),
        );
    let connected_by: Option<String> = match c.connected_by {
        Some(user_id) => {
            sqlx::query_scalar("SELECT user_id FROM memberships WHERE org_id = $1 AND user_id = $2")
                .bind(c.org_id)
                .bind(user_id)
                .fetch_optional(&mut **tx)
                .await?
        }
        None => None,
    };
    let now = now_ms();
    let inserted: Option<String> = sqlx::query_scalar(
        "INSERT INTO connections (id, org_id, connector_slug, provider_config_key,
             nango_connection_id, connected_by, status, auth_mode, connected_at,
             last_checked_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $8, $8)
         ON CONFLICT (provider_config_key, nango_connection_id) DO NOTHING
         RETURNING id",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(c.org_id)
    .bind(&connector_slug)
    .bind(c.provider_config_key)
    .bind(c.nango_connection_id)
    .bind(connected_by.as_deref())
    .bind(c.auth_mode)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    let (id, action) = match inserted {
        Some(id) => (id, Some("connection.created")),
        None => {
            let row = sqlx::query(
                "SELECT id, org_id FROM connections
                 WHERE provider_config_key = $1 AND nango_connection_id = $2",
            )
            .bind(c.provider_config_key)
            .bind(c.nango_connection_id)
            .fetch_one(&mut **tx)
            .await?;
            let id: String = row.try_get("id")?;
            let owner: String = row.try_get("org_id")?;
            if owner != c.org_id {
                tracing::warn!(
                    connection.id = %id,
                    via = c.via,
                    "refused to record a connection for an organisation that does not own it"
                );
                return Ok(None);
            }
            // Only one of two concurrent reports re-activates (PostgreSQL re-checks the
            // condition after the other commits), so `reauthorized` is audited once.
            let reactivated: Option<String> = sqlx::query_scalar(
                "UPDATE connections SET status = 'active', status_detail = NULL,
                     auth_mode = COALESCE($1, auth_mode), last_checked_at = $2, updated_at = $2
                 WHERE id = $3 AND status <> 'active'
                 RETURNING id",
            )
            .bind(c.auth_mode)
            .bind(now)
            .bind(&id)
            .fetch_optional(&mut **tx)
            .await?;
            if reactivated.is_none() {
                sqlx::query(
                    "UPDATE connections SET auth_mode = COALESCE($1, auth_mode),
                         last_checked_at = $2, updated_at = $2
                     WHERE id = $3",
                )
                .bind(c.auth_mode)
                .bind(now)
                .bind(&id)
                .execute(&mut **tx)
                .await?;
            }
            (
                id,
                reactivated.is_some().then_some("connection.reauthorized"),
            )
        }
    };
    if let Some(action) = action {
        audit::record_in(
            tx,
            audit::Entry {
                org_id: Some(c.org_id),
                actor_user_id: connected_by.as_deref(),
                action,
                target: Some(&id),
                detail: serde_json::json!({
                    "provider_config_key": c.provider_config_key,
                    "nango_connection_id": c.nango_connection_id,
                    "via": c.via,
                }),
                ip: c.ip,
            },
        )
        .await?;
    }
    Ok(Some(id))
}

/// One connection as the connections page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OrgConnection {
    pub id: String,
    pub connector_slug: String,
    pub provider_config_key: String,
    pub nango_connection_id: String,
    #[sqlx(try_from = "String")]
    pub status: ConnectionStatus,
    pub status_detail: Option<String>,
    pub connected_by_id: Option<String>,
    pub connected_by: Option<String>,
    pub connected_at: i64,
    pub last_checked_at: Option<i64>,
}

/// Filters of the connections page; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct ConnectionQuery {
    pub connector_slug: Option<String>,
    pub status: Option<ConnectionStatus>,
    pub connected_by: Option<String>,
}

/// The organisation's connections, newest first, filtered.
pub async fn list_for_org(
    db: &Db,
    org_id: &str,
    query: &ConnectionQuery,
) -> Result<Vec<OrgConnection>> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.connector_slug, c.provider_config_key, c.nango_connection_id, c.status,
                c.status_detail, c.connected_by AS connected_by_id, u.display_name AS connected_by,
                c.connected_at, c.last_checked_at
         FROM connections c LEFT JOIN users u ON u.id = c.connected_by
         WHERE c.org_id = $1
           AND ($2 = '' OR c.connector_slug = $2)
           AND ($3 = '' OR c.status = $3)
           AND ($4 = '' OR c.connected_by = $4)
         ORDER BY c.connected_at DESC",
    )
    .bind(org_id)
    .bind(query.connector_slug.as_deref().unwrap_or(""))
    .bind(query.status.map_or("", ConnectionStatus::as_str))
    .bind(query.connected_by.as_deref().unwrap_or(""))
    .fetch_all(db.pool())
    .await?)
}

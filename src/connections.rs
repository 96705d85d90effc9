//! Connections an organisation holds to connectors (accounts linked through Nango): what the
//! catalog shows beside each connector and what the detail view lists.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::Row;

use crate::{Db, Result};

/// A connection's lifecycle state, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
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

/// How an organisation stands with one connector: its live (not disconnected) accounts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConnectorUsage {
    /// Accounts that are not disconnected.
    pub accounts: u32,
    /// Of those, accounts that need attention (error or needs reconnect).
    pub needing_attention: u32,
}

/// One connection as the connector detail view lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionSummary {
    pub id: String,
    pub nango_connection_id: String,
    pub account_label: Option<String>,
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
    let rows = sqlx::query(
        "SELECT c.id, c.nango_connection_id, c.account_label, c.status, u.display_name,
                c.connected_at
         FROM connections c LEFT JOIN users u ON u.id = c.connected_by
         WHERE c.org_id = $1 AND c.connector_slug = $2
         ORDER BY c.connected_at DESC",
    )
    .bind(org_id)
    .bind(connector_slug)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ConnectionSummary {
                id: row.try_get("id")?,
                nango_connection_id: row.try_get("nango_connection_id")?,
                account_label: row.try_get("account_label")?,
                status: ConnectionStatus::parse(row.try_get::<&str, _>("status")?)
                    .unwrap_or(ConnectionStatus::Error),
                connected_by: row.try_get("display_name")?,
                connected_at: row.try_get("connected_at")?,
            })
        })
        .collect()
}

//! The audit log: who changed what, when, from which IP. Writes happen inside the transaction of
//! the change they describe, so a change and its record land together or not at all.

use serde::Serialize;
use sqlx::{Any, Transaction};

use crate::{Hub, Result, accounts::Viewer, time::now_ms};

/// One entry to record.
#[derive(Debug)]
pub struct Entry<'a> {
    pub org_id: Option<&'a str>,
    pub actor_user_id: Option<&'a str>,
    /// Dotted verb, e.g. `member.role_changed`.
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub detail: serde_json::Value,
    pub ip: Option<&'a str>,
}

/// An entry as the admin console lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Record {
    pub id: String,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub detail: String,
    pub ip: Option<String>,
    pub created_at: i64,
}

/// Records `entry` inside the caller's transaction.
pub async fn record_in(tx: &mut Transaction<'_, Any>, entry: Entry<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, org_id, actor_user_id, action, target, detail, ip, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(entry.org_id)
    .bind(entry.actor_user_id)
    .bind(entry.action)
    .bind(entry.target)
    .bind(entry.detail.to_string())
    .bind(entry.ip)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The newest entries of the viewer's organisation (admins only).
pub async fn recent(hub: &Hub, viewer: &Viewer, limit: i64) -> Result<Vec<Record>> {
    let org = viewer.require_admin()?;
    Ok(sqlx::query_as(
        "SELECT a.id, u.email AS actor, a.action, a.target, a.detail, a.ip, a.created_at
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
         WHERE a.org_id = $1 ORDER BY a.created_at DESC LIMIT $2",
    )
    .bind(&org.org_id)
    .bind(limit.clamp(1, 500))
    .fetch_all(hub.db.pool())
    .await?)
}

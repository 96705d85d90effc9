//! API keys: how backends and AI agents call the REST API for one organisation. A key is shown
//! once when it is created; only its keyed digest is stored, beside a short visible prefix that
//! lets an admin tell keys apart. Revoked keys stop working at once.

use rand::RngCore;
use serde::Serialize;
use sqlx::Row;

use crate::{
    Error, Hub, Result, audit,
    caller::{Actor, Caller},
    time::now_ms,
};

/// Every key starts with this, so a leaked key is recognisable (secret scanners, logs).
pub const KEY_PREFIX: &str = "pbk_";
/// How many characters of the key are kept visible (`pbk_` and 8 more).
const VISIBLE_CHARS: usize = 12;
/// `last_used_at` is rewritten at most this often per key, so hot keys cost no write per call.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;
const MAX_NAME_CHARS: usize = 60;

/// A key as the settings page lists it (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The first characters of the key, e.g. `pbk_3f9a1c0b`.
    pub prefix: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A key just created: `secret` is the whole key, returned this once and never stored.
#[derive(Debug)]
pub struct CreatedKey {
    pub key: ApiKey,
    pub secret: String,
}

/// A new random key: the prefix and 48 hex characters (192 bits).
fn generate() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("{KEY_PREFIX}{}", hex::encode(bytes))
}

fn validate_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Error::validation(
            "name",
            "give the key a name, e.g. the service that will use it",
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::validation(
            "name",
            format!("the name can be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(name.to_owned())
}

/// Creates a key for the caller's organisation (admins only) and audits it.
pub async fn create(
    hub: &Hub,
    caller: &Caller,
    name: &str,
    ip: Option<&str>,
) -> Result<CreatedKey> {
    let user_id = caller.require_admin_person()?;
    let name = validate_name(name)?;
    let secret = generate();
    let key = ApiKey {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        prefix: secret.chars().take(VISIBLE_CHARS).collect(),
        created_by: None,
        created_at: now_ms(),
        last_used_at: None,
        revoked_at: None,
    };
    let mut tx = hub.db.begin_write().await?;
    sqlx::query(
        "INSERT INTO api_keys (id, org_id, name, prefix, key_digest, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&key.id)
    .bind(&caller.org_id)
    .bind(&key.name)
    .bind(&key.prefix)
    .bind(hub.session_digest(&secret))
    .bind(user_id)
    .bind(key.created_at)
    .execute(&mut *tx)
    .await?;
    audit::record_in(
        &mut tx,
        audit::Entry {
            org_id: Some(&caller.org_id),
            actor_user_id: Some(user_id),
            action: "api_key.created",
            target: Some(&key.id),
            detail: serde_json::json!({ "name": key.name, "prefix": key.prefix }),
            ip,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedKey { key, secret })
}

/// The organisation's keys, newest first, revoked ones included (admins only).
pub async fn list(hub: &Hub, caller: &Caller) -> Result<Vec<ApiKey>> {
    caller.require_admin_person()?;
    Ok(sqlx::query_as(
        "SELECT k.id, k.name, k.prefix, u.display_name AS created_by, k.created_at,
                k.last_used_at, k.revoked_at
         FROM api_keys k LEFT JOIN users u ON u.id = k.created_by
         WHERE k.org_id = $1 ORDER BY k.created_at DESC, k.id",
    )
    .bind(&caller.org_id)
    .fetch_all(hub.db.pool())
    .await?)
}

/// Revokes one of the organisation's keys (admins only). Revoking twice changes nothing.
pub async fn revoke(hub: &Hub, caller: &Caller, key_id: &str, ip: Option<&str>) -> Result<()> {
    let user_id = caller.require_admin_person()?;
    let mut tx = hub.db.begin_write().await?;
    let row = sqlx::query("SELECT name, revoked_at FROM api_keys WHERE id = $1 AND org_id = $2")
        .bind(key_id)
        .bind(&caller.org_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound("API key"))?;
    if row.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
        return Ok(());
    }
    let name: String = row.try_get("name")?;
    sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(key_id)
        .execute(&mut *tx)
        .await?;
    audit::record_in(
        &mut tx,
        audit::Entry {
            org_id: Some(&caller.org_id),
            actor_user_id: Some(user_id),
            action: "api_key.revoked",
            target: Some(key_id),
            detail: serde_json::json!({ "name": name }),
            ip,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The caller a presented key stands for, or `InvalidApiKey`. Notes the time of use.
pub async fn authenticate(hub: &Hub, presented: &str) -> Result<Caller> {
    let presented = presented.trim();
    if !presented.starts_with(KEY_PREFIX) {
        return Err(Error::InvalidApiKey);
    }
    let row = sqlx::query(
        "SELECT id, org_id, last_used_at FROM api_keys
         WHERE key_digest = $1 AND revoked_at IS NULL",
    )
    .bind(hub.session_digest(presented))
    .fetch_optional(hub.db.pool())
    .await?
    .ok_or(Error::InvalidApiKey)?;
    let key_id: String = row.try_get("id")?;
    let now = now_ms();
    let last_used: Option<i64> = row.try_get("last_used_at")?;
    if last_used.is_none_or(|t| now - t >= LAST_USED_RESOLUTION_MS) {
        sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&key_id)
            .execute(hub.db.pool())
            .await?;
    }
    Ok(Caller {
        org_id: row.try_get("org_id")?,
        actor: Actor::ApiKey { key_id },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_prefixed_random_and_long() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX));
        assert_eq!(a.len(), KEY_PREFIX.len() + 48);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(validate_name("  billing sync ").unwrap(), "billing sync");
        assert_eq!(validate_name(" ").unwrap_err().field(), Some("name"));
        assert!(validate_name(&"x".repeat(61)).is_err());
    }
}

//! Each organisation's Panora connection token (`x-connection-token`), set by an admin in
//! Settings. It is a credential: it is never sent back to the browser, only its last four
//! characters, never logged, and stored encrypted (`crate::crypto`, bound to the organisation).
//! Rows written before encryption hold plaintext: they are read as such and sealed on that
//! first read (migrate on read), so the database soon holds no token text at all.

use serde::Serialize;
use sqlx::Row;

use crate::{Error, Hub, Result, audit, caller::Caller, crypto::SecretBox, time::now_ms};

/// What the settings page shows about the stored token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PanoraLink {
    pub label: Option<String>,
    /// `…3b01`: enough to recognise the token, not to use it.
    pub token_hint: String,
    pub updated_by: Option<String>,
    pub updated_at: i64,
}

/// The associated data that binds a sealed token to its organisation's row.
fn aad(org_id: &str) -> Vec<u8> {
    format!("panora_links/connection_token/{org_id}").into_bytes()
}

/// The organisation's token, for calls.
pub async fn token(hub: &Hub, org_id: &str) -> Result<Option<String>> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT connection_token FROM panora_links WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(hub.db.pool())
            .await?;
    let Some(stored) = stored else {
        return Ok(None);
    };
    if SecretBox::is_sealed(&stored) {
        return hub
            .secrets()
            .open_string(&stored, &aad(org_id))
            .map(Some)
            .map_err(|_| {
                tracing::warn!(org.id = %org_id, "the stored Panora token cannot be decrypted");
                Error::NoConnection(
                    "the stored Panora connection token cannot be read (was PATCHBAY_SECRET \
                     changed?); an admin must enter it again in Settings"
                        .to_owned(),
                )
            });
    }
    // A row from before encryption: seal it now, unless another request just did.
    let sealed = hub.secrets().seal(stored.as_bytes(), &aad(org_id))?;
    sqlx::query(
        "UPDATE panora_links SET connection_token = $1
         WHERE org_id = $2 AND connection_token = $3",
    )
    .bind(&sealed)
    .bind(org_id)
    .bind(&stored)
    .execute(hub.db.pool())
    .await?;
    Ok(Some(stored))
}

/// The stored link as the settings page shows it (admins only).
pub async fn show(hub: &Hub, caller: &Caller) -> Result<Option<PanoraLink>> {
    caller.require_admin_person()?;
    let row = sqlx::query(
        "SELECT p.connection_token, p.label, u.display_name, p.updated_at
         FROM panora_links p LEFT JOIN users u ON u.id = p.updated_by WHERE p.org_id = $1",
    )
    .bind(&caller.org_id)
    .fetch_optional(hub.db.pool())
    .await?;
    row.map(|r| {
        let stored: String = r.try_get("connection_token")?;
        let token_hint = if SecretBox::is_sealed(&stored) {
            match hub.secrets().open_string(&stored, &aad(&caller.org_id)) {
                Ok(token) => hint(&token),
                Err(_) => "unreadable: enter it again".to_owned(),
            }
        } else {
            hint(&stored)
        };
        Ok(PanoraLink {
            label: r.try_get("label")?,
            token_hint,
            updated_by: r.try_get("display_name")?,
            updated_at: r.try_get("updated_at")?,
        })
    })
    .transpose()
}

fn hint(token: &str) -> String {
    let tail: String = token
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{tail}")
}

/// Stores (or replaces) the organisation's token (admins only), audited without the token.
pub async fn save(
    hub: &Hub,
    caller: &Caller,
    token: &str,
    label: &str,
    ip: Option<&str>,
) -> Result<()> {
    let user_id = caller.require_admin_person()?;
    let token = token.trim();
    if uuid::Uuid::parse_str(token).is_err() {
        return Err(Error::validation(
            "connection_token",
            "a Panora connection token is a UUID, e.g. 801f9ede-c698-4e66-a7fc-48d19eebaa4f",
        ));
    }
    let label = label.trim();
    if label.chars().count() > 60 {
        return Err(Error::validation(
            "label",
            "the label can be at most 60 characters",
        ));
    }
    let label = (!label.is_empty()).then_some(label);
    let sealed = hub.secrets().seal(token.as_bytes(), &aad(&caller.org_id))?;
    let mut tx = hub.db.begin_write().await?;
    sqlx::query("DELETE FROM panora_links WHERE org_id = $1")
        .bind(&caller.org_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO panora_links (org_id, connection_token, label, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&caller.org_id)
    .bind(&sealed)
    .bind(label)
    .bind(user_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    audit::record_in(
        &mut tx,
        audit::Entry {
            org_id: Some(&caller.org_id),
            actor_user_id: Some(user_id),
            action: "panora.token_saved",
            target: None,
            detail: serde_json::json!({ "label": label, "token": hint(token) }),
            ip,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Forgets the organisation's token (admins only).
pub async fn remove(hub: &Hub, caller: &Caller, ip: Option<&str>) -> Result<()> {
    let user_id = caller.require_admin_person()?;
    let mut tx = hub.db.begin_write().await?;
    let removed = sqlx::query("DELETE FROM panora_links WHERE org_id = $1")
        .bind(&caller.org_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed > 0 {
        audit::record_in(
            &mut tx,
            audit::Entry {
                org_id: Some(&caller.org_id),
                actor_user_id: Some(user_id),
                action: "panora.token_removed",
                target: None,
                detail: serde_json::json!({}),
                ip,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn hints_show_only_the_tail() {
        assert_eq!(super::hint("7f0c7a52-8b4e-4d2a-9d55-0a4f6c1e3b01"), "…3b01");
    }
}

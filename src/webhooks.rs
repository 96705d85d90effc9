//! Webhooks from Nango (docs/nango.md, "Webhooks"): verify the signature on the raw bytes, store
//! each delivery, and apply it to Patchbay's records in the same transaction, so an event and its
//! effect land together or not at all (then Nango retries, because the answer is a 5xx).
//! Deduplication: Nango retries a delivery it did not see acknowledged, with the same bytes, within
//! minutes. A body whose SHA-256 was stored less than [`DEDUPE_WINDOW_MS`] ago is a `duplicate` and
//! changes nothing; after the window the same bytes are a new event (a second, genuine refresh
//! failure days later must mark the connection again). The window is enforced by a unique
//! `dedupe_key` column (the body hash, released when its window has passed): the delivery claims it
//! first with `INSERT … ON CONFLICT DO NOTHING`, so of concurrent copies exactly one is applied and
//! the others (on PostgreSQL after waiting for it) are duplicates.  A bad body is never a 5xx
//! (Nango would retry it forever): a body that is not JSON is stored as received; NUL characters
//! (which PostgreSQL's TEXT cannot hold) are replaced by U+FFFD in the stored payload and in every
//! decoded string, and an event whose connection, integration or organisation names held a NUL is
//! stored but not applied.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use crate::{
    Error, Hub, Result,
    connections::ConnectionStatus,
    nango::signature::{self, Refused, Verified},
    time::now_ms,
};

/// What happened to a delivery, for the answer and the webhook log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WebhookReceipt))]
pub struct Receipt {
    pub event_id: String,
    pub outcome: Outcome,
    pub detail: Option<String>,
}

/// What a delivery did, as the answer and the `webhook_events.outcome` column spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WebhookOutcome))]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The event changed Patchbay's records (a connection recorded or its status set).
    Applied,
    /// The event was stored but could not be applied (unknown connection or organisation,
    /// another organisation's connection, a failed operation, a NUL in a name).
    Ignored,
    /// The event was stored and needs no action (not an `auth` event, or not JSON).
    Stored,
    /// A redelivery within [`DEDUPE_WINDOW_MS`]: nothing stored, nothing changed.
    Duplicate,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Ignored => "ignored",
            Self::Stored => "stored",
            Self::Duplicate => "duplicate",
        }
    }
}

/// The effect of one stored delivery: its outcome, a sentence for the log, and the organisation
/// it concerns (which makes it visible in that organisation's webhook log).
#[derive(Debug, PartialEq, Eq)]
struct Effect {
    outcome: Outcome,
    detail: Option<String>,
    org_id: Option<String>,
}

impl Effect {
    fn applied(detail: impl Into<String>, org_id: String) -> Self {
        Self {
            outcome: Outcome::Applied,
            detail: Some(detail.into()),
            org_id: Some(org_id),
        }
    }

    fn ignored(detail: impl Into<String>, org_id: Option<String>) -> Self {
        Self {
            outcome: Outcome::Ignored,
            detail: Some(detail.into()),
            org_id,
        }
    }

    fn stored(detail: Option<&str>, org_id: Option<String>) -> Self {
        Self {
            outcome: Outcome::Stored,
            detail: detail.map(str::to_owned),
            org_id,
        }
    }
}

/// The fields of Nango's webhook bodies that Patchbay acts on (docs/nango.md, "Webhooks").
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    #[serde(rename = "type")]
    kind: Option<String>,
    operation: Option<String>,
    success: Option<bool>,
    connection_id: Option<String>,
    provider_config_key: Option<String>,
    provider: Option<String>,
    auth_mode: Option<String>,
    tags: Option<std::collections::BTreeMap<String, String>>,
    end_user: Option<EndUser>,
    error: Option<EventError>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EndUser {
    end_user_id: Option<String>,
    organization_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct EventError {
    #[serde(rename = "type")]
    kind: Option<String>,
    description: Option<String>,
}

impl Event {
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags.as_ref()?.get(key).map(String::as_str)
    }

    /// The organisation the connection belongs to: the `organization_id` tag Patchbay sets on
    /// every connect session, or the end user's organisation.
    fn org_id(&self) -> Option<&str> {
        self.tag("organization_id")
            .or_else(|| self.end_user.as_ref()?.organization_id.as_deref())
    }

    fn user_id(&self) -> Option<&str> {
        self.tag("end_user_id")
            .or_else(|| self.end_user.as_ref()?.end_user_id.as_deref())
    }

    /// True when a name the event is applied by holds a NUL character.
    fn names_nul(&self) -> bool {
        [
            self.connection_id.as_deref(),
            self.provider_config_key.as_deref(),
            self.provider.as_deref(),
            self.org_id(),
            self.user_id(),
        ]
        .into_iter()
        .flatten()
        .any(|name| name.contains('\0'))
    }

    fn error_text(&self) -> String {
        let Some(error) = &self.error else {
            return "Nango reported a failure without details".to_owned();
        };
        match (&error.kind, &error.description) {
            (Some(kind), Some(description)) => format!("{kind}: {description}"),
            (Some(one), None) | (None, Some(one)) => one.clone(),
            (None, None) => "Nango reported a failure without details".to_owned(),
        }
    }
}

/// How long a delivery's body marks identical bodies as Nango's retries of it: 10 minutes.
pub const DEDUPE_WINDOW_MS: i64 = 10 * 60 * 1000;

/// Verifies and applies one delivery. `hmac` and `legacy` are the signature headers' values.
pub async fn receive(
    hub: &Hub,
    body: &[u8],
    hmac: Option<&str>,
    legacy: Option<&str>,
) -> Result<Receipt> {
    let key = &hub.nango()?.webhook_signing_key;
    let verified = signature::verify(key, body, hmac, legacy).map_err(|refused| {
        Error::InvalidSignature(match refused {
            Refused::Missing => "missing",
            Refused::Mismatch => "not valid",
        })
    })?;
    let body_sha256 = hex::encode(Sha256::digest(body));
    let value: Option<Value> = serde_json::from_slice(body).ok();
    let names_nul = value
        .as_ref()
        .and_then(|v| serde_json::from_value::<Event>(v.clone()).ok())
        .is_some_and(|raw| raw.names_nul());
    let value = value.map(|mut v| {
        scrub_nul(&mut v);
        v
    });
    let event: Event = value
        .as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let payload = without_nul(&String::from_utf8_lossy(body)).into_owned();
    let now = now_ms();

    let mut tx = hub.db.begin_write().await?;
    // A claim older than the window is released: the same bytes now are a new event.
    sqlx::query(
        "UPDATE webhook_events SET dedupe_key = NULL WHERE dedupe_key = $1 AND received_at <= $2",
    )
    .bind(&body_sha256)
    .bind(now - DEDUPE_WINDOW_MS)
    .execute(&mut *tx)
    .await?;
    let event_id = uuid::Uuid::new_v4().to_string();
    let claimed: Option<String> = sqlx::query_scalar(
        "INSERT INTO webhook_events (id, body_sha256, dedupe_key, received_at, event_type,
             operation, success, provider_config_key, nango_connection_id, signature, outcome,
             payload)
         VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, 'received', $10)
         ON CONFLICT (dedupe_key) DO NOTHING
         RETURNING id",
    )
    .bind(&event_id)
    .bind(&body_sha256)
    .bind(now)
    .bind(event.kind.as_deref().unwrap_or(if value.is_some() {
        "unknown"
    } else {
        "unparsed"
    }))
    .bind(event.operation.as_deref())
    .bind(event.success.map(i64::from))
    .bind(event.provider_config_key.as_deref())
    .bind(event.connection_id.as_deref())
    .bind(match verified {
        Verified::Hmac => "hmac",
        Verified::Legacy => "legacy",
    })
    .bind(&payload)
    .fetch_optional(&mut *tx)
    .await?;
    if claimed.is_none() {
        // A redelivery within the window: the first delivery's effects stand.
        tx.rollback().await?;
        let first: Option<String> =
            sqlx::query_scalar("SELECT id FROM webhook_events WHERE dedupe_key = $1")
                .bind(&body_sha256)
                .fetch_optional(hub.db.pool())
                .await?;
        return Ok(Receipt {
            event_id: first.unwrap_or_default(),
            outcome: Outcome::Duplicate,
            detail: None,
        });
    }
    let effect = if names_nul {
        Effect::ignored(
            "the event names its connection or organisation with a NUL character",
            None,
        )
    } else {
        apply(hub, &mut tx, &event, value.is_some()).await?
    };
    sqlx::query(
        "UPDATE webhook_events SET outcome = $1, outcome_detail = $2, org_id = $3 WHERE id = $4",
    )
    .bind(effect.outcome.as_str())
    .bind(effect.detail.as_deref())
    .bind(effect.org_id.as_deref())
    .bind(&event_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Receipt {
        event_id,
        outcome: effect.outcome,
        detail: effect.detail,
    })
}

/// `text` with each NUL character replaced by U+FFFD (PostgreSQL's TEXT cannot hold NUL).
fn without_nul(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\0') {
        std::borrow::Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Replaces NUL in every string and key of a JSON value.
fn scrub_nul(value: &mut Value) {
    match value {
        Value::String(s) => {
            if s.contains('\0') {
                *s = s.replace('\0', "\u{FFFD}");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_nul),
        Value::Object(map) => {
            if map.keys().any(|k| k.contains('\0')) {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (without_nul(&k).into_owned(), v))
                    .collect();
            }
            map.values_mut().for_each(scrub_nul);
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Applies the event's effect inside the delivery's transaction.
async fn apply(
    hub: &Hub,
    tx: &mut Transaction<'_, Any>,
    event: &Event,
    parsed: bool,
) -> Result<Effect> {
    if !parsed {
        return Ok(Effect::stored(Some("the body is not JSON"), None));
    }
    if event.kind.as_deref() != Some("auth") {
        return Ok(Effect::stored(None, None));
    }
    let (Some(connection_id), Some(key)) = (&event.connection_id, &event.provider_config_key)
    else {
        return Ok(Effect::ignored("the auth event names no connection", None));
    };
    match (event.operation.as_deref(), event.success) {
        (Some("creation" | "override"), Some(true)) => {
            let Some(org_id) = known_org(tx, event.org_id()).await? else {
                return Ok(Effect::ignored(
                    "no organisation of this Patchbay is tagged on the connection",
                    None,
                ));
            };
            let recorded = crate::connections::record_if_owned(
                tx,
                &hub.catalog,
                crate::connections::Recorded {
                    org_id: &org_id,
                    provider_config_key: key,
                    provider: event.provider.as_deref(),
                    nango_connection_id: connection_id,
                    connected_by: event.user_id(),
                    auth_mode: event.auth_mode.as_deref(),
                    via: "nango_webhook",
                    ip: None,
                },
            )
            .await?;
            Ok(match recorded {
                Some(_) => Effect::applied("connection recorded as active", org_id),
                None => Effect::ignored("the connection belongs to another organisation", None),
            })
        }
        (Some("refresh"), Some(false)) => {
            let detail = event.error_text();
            let org = set_status(
                tx,
                key,
                connection_id,
                ConnectionStatus::NeedsReconnect,
                Some(&detail),
                None,
            )
            .await?;
            Ok(match org {
                Some(org) => Effect::applied(format!("needs reconnect: {detail}"), org),
                None => Effect::ignored("unknown connection", None),
            })
        }
        (Some("refresh"), Some(true)) => {
            let org = set_status(
                tx,
                key,
                connection_id,
                ConnectionStatus::Active,
                None,
                Some(&["needs_reconnect", "error"]),
            )
            .await?;
            Ok(match org {
                Some(org) => Effect::applied("credentials work again", org),
                None => Effect::ignored("no connection in error to recover", None),
            })
        }
        (Some(operation), Some(false)) => {
            let org = known_org(tx, event.org_id()).await?;
            Ok(Effect::ignored(
                format!("{operation} failed: {}", event.error_text()),
                org,
            ))
        }
        _ => Ok(Effect::stored(None, known_org(tx, event.org_id()).await?)),
    }
}

/// The organisation id, if it names an organisation of this Patchbay.
async fn known_org(tx: &mut Transaction<'_, Any>, org_id: Option<&str>) -> Result<Option<String>> {
    let Some(org_id) = org_id else {
        return Ok(None);
    };
    let found: Option<String> = sqlx::query_scalar("SELECT id FROM organizations WHERE id = $1")
        .bind(org_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(found)
}

/// Sets a connection's status (only from one of `only_from`, when given); returns its
/// organisation when a row changed.
async fn set_status(
    tx: &mut Transaction<'_, Any>,
    key: &str,
    connection_id: &str,
    status: ConnectionStatus,
    detail: Option<&str>,
    only_from: Option<&[&str]>,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT org_id, status FROM connections
         WHERE provider_config_key = $1 AND nango_connection_id = $2",
    )
    .bind(key)
    .bind(connection_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let current: String = row.try_get("status")?;
    if current == "disconnected" || only_from.is_some_and(|from| !from.contains(&current.as_str()))
    {
        return Ok(None);
    }
    sqlx::query(
        "UPDATE connections SET status = $1, status_detail = $2, last_checked_at = $3,
             updated_at = $3
         WHERE provider_config_key = $4 AND nango_connection_id = $5",
    )
    .bind(status.as_str())
    .bind(detail)
    .bind(now_ms())
    .bind(key)
    .bind(connection_id)
    .execute(&mut **tx)
    .await?;
    Ok(Some(row.try_get("org_id")?))
}

/// A webhook as the admin's webhook log shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LoggedWebhook {
    pub id: String,
    pub received_at: i64,
    pub event_type: String,
    pub operation: Option<String>,
    pub provider_config_key: Option<String>,
    pub nango_connection_id: Option<String>,
    /// `hmac` or `legacy`: every stored event passed one of them.
    pub signature: String,
    pub outcome: String,
    pub outcome_detail: Option<String>,
}

/// The newest webhooks that concern the viewer's organisation (admins only).
pub async fn recent(
    hub: &Hub,
    viewer: &crate::accounts::Viewer,
    limit: i64,
) -> Result<Vec<LoggedWebhook>> {
    let org = viewer.require_admin()?;
    Ok(sqlx::query_as(
        "SELECT id, received_at, event_type, operation, provider_config_key, nango_connection_id,
                signature, outcome, outcome_detail
         FROM webhook_events WHERE org_id = $1 ORDER BY received_at DESC LIMIT $2",
    )
    .bind(&org.org_id)
    .bind(limit.clamp(1, 500))
    .fetch_all(hub.db.pool())
    .await?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn nul_is_replaced_in_text_and_in_every_json_string() {
        assert_eq!(without_nul("a\0b"), "a\u{FFFD}b");
        assert!(matches!(
            without_nul("ab"),
            std::borrow::Cow::Borrowed("ab")
        ));
        let mut value = serde_json::json!({"k\0": ["x\0", {"y": "\0"}], "n": 1});
        scrub_nul(&mut value);
        assert!(!value.to_string().contains("\\u0000"), "{value}");
        assert_eq!(value["k\u{FFFD}"][1]["y"], "\u{FFFD}");
    }

    #[test]
    fn outcomes_are_spelled_the_same_on_the_wire_and_in_the_log() {
        for outcome in [
            Outcome::Applied,
            Outcome::Ignored,
            Outcome::Stored,
            Outcome::Duplicate,
        ] {
            assert_eq!(
                serde_json::to_value(outcome).unwrap(),
                serde_json::Value::String(outcome.as_str().to_owned())
            );
        }
        assert_eq!(Outcome::Duplicate.as_str(), "duplicate");
    }

    #[test]
    fn an_event_naming_a_connection_with_nul_is_recognised() {
        let raw: Event =
            serde_json::from_value(serde_json::json!({"connectionId": "a\0b"})).unwrap();
        assert!(raw.names_nul());
        let fine: Event = serde_json::from_value(
            serde_json::json!({"connectionId": "ab", "error": {"description": "\0"}}),
        )
        .unwrap();
        assert!(!fine.names_nul());
    }
}

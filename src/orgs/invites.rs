//! Invitations: an admin invites an email with a role; the link carries a one-time token whose
//! keyed hash is stored, valid for seven days. Accepting adds the membership and moves the
//! person's session into the organisation.

use serde::Serialize;
use sqlx::Row;

use super::{OrgMembership, Role};
use crate::{
    Error, Hub, Result,
    accounts::{Viewer, sessions, validate},
    audit,
    time::{DAY_MS, now_ms},
};

/// Invites are valid for a week.
pub const INVITE_TTL_MS: i64 = 7 * DAY_MS;

/// A new invite: the token is shown to the admin once, as part of the link.
#[derive(Debug, Clone)]
pub struct CreatedInvite {
    pub id: String,
    pub token: String,
    pub email: String,
    pub role: Role,
    pub expires_at: i64,
}

/// An invite waiting to be accepted, as the members page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct PendingInvite {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub expires_at: i64,
}

/// What the invite page shows before the person accepts.
#[derive(Debug, Clone, Serialize)]
pub struct InvitePreview {
    pub org_name: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub expires_at: i64,
    /// Why the invite can no longer be used, if it cannot.
    pub unusable: Option<String>,
}

/// Creates an invite to the viewer's organisation (admins only).
pub async fn create(
    hub: &Hub,
    viewer: &Viewer,
    email: &str,
    role: Role,
    ip: Option<&str>,
) -> Result<CreatedInvite> {
    let org = viewer.require_admin()?;
    let email = validate::email(email)?;
    let already: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.org_id = $1 AND u.email = $2",
    )
    .bind(&org.org_id)
    .bind(&email)
    .fetch_one(hub.db.pool())
    .await?;
    if already > 0 {
        return Err(Error::conflict(
            "email",
            format!("{email} is already a member of {}", org.org_name),
        ));
    }
    let token = sessions::random_token();
    let now = now_ms();
    let invite = CreatedInvite {
        id: uuid::Uuid::new_v4().to_string(),
        token,
        email,
        role,
        expires_at: now + INVITE_TTL_MS,
    };
    let mut tx = hub.db.begin_write().await?;
    sqlx::query(
        "INSERT INTO invites (id, org_id, email, role, token_hash, invited_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&invite.id)
    .bind(&org.org_id)
    .bind(&invite.email)
    .bind(role.as_str())
    .bind(hub.session_digest(&invite.token))
    .bind(&viewer.user.id)
    .bind(now)
    .bind(invite.expires_at)
    .execute(&mut *tx)
    .await?;
    audit::record_in(
        &mut tx,
        audit::Entry {
            org_id: Some(&org.org_id),
            actor_user_id: Some(&viewer.user.id),
            action: "invite.created",
            target: Some(&invite.id),
            detail: serde_json::json!({ "email": invite.email, "role": role.as_str() }),
            ip,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(invite)
}

/// Invites of the viewer's organisation that are neither accepted nor expired (admins only).
pub async fn pending(hub: &Hub, viewer: &Viewer) -> Result<Vec<PendingInvite>> {
    let org = viewer.require_admin()?;
    let rows = sqlx::query(
        "SELECT id, email, role, expires_at FROM invites
         WHERE org_id = $1 AND accepted_at IS NULL AND expires_at > $2 ORDER BY created_at DESC",
    )
    .bind(&org.org_id)
    .bind(now_ms())
    .fetch_all(hub.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(PendingInvite {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                role: Role::parse(row.try_get::<&str, _>("role")?)?,
                expires_at: row.try_get("expires_at")?,
            })
        })
        .collect()
}

/// Withdraws a pending invite (admins only).
pub async fn revoke(hub: &Hub, viewer: &Viewer, invite_id: &str, ip: Option<&str>) -> Result<()> {
    let org = viewer.require_admin()?;
    let mut tx = hub.db.begin_write().await?;
    let deleted =
        sqlx::query("DELETE FROM invites WHERE id = $1 AND org_id = $2 AND accepted_at IS NULL")
            .bind(invite_id)
            .bind(&org.org_id)
            .execute(&mut *tx)
            .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::NotFound("invite"));
    }
    audit::record_in(
        &mut tx,
        audit::Entry {
            org_id: Some(&org.org_id),
            actor_user_id: Some(&viewer.user.id),
            action: "invite.revoked",
            target: Some(invite_id),
            detail: serde_json::json!({}),
            ip,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

struct InviteRow {
    id: String,
    org_id: String,
    org_name: String,
    email: String,
    role: Role,
    invited_by: String,
    expires_at: i64,
    accepted: bool,
}

async fn find(hub: &Hub, token: &str) -> Result<InviteRow> {
    let row = sqlx::query(
        "SELECT i.id, i.org_id, o.name AS org_name, i.email, i.role, u.display_name AS invited_by,
                i.expires_at, i.accepted_at
         FROM invites i
         JOIN organizations o ON o.id = i.org_id
         JOIN users u ON u.id = i.invited_by
         WHERE i.token_hash = $1",
    )
    .bind(hub.session_digest(token.trim()))
    .fetch_optional(hub.db.pool())
    .await?
    .ok_or(Error::NotFound("invite"))?;
    Ok(InviteRow {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        org_name: row.try_get("org_name")?,
        email: row.try_get("email")?,
        role: Role::parse(row.try_get::<&str, _>("role")?)?,
        invited_by: row.try_get("invited_by")?,
        expires_at: row.try_get("expires_at")?,
        accepted: row.try_get::<Option<i64>, _>("accepted_at")?.is_some(),
    })
}

impl InviteRow {
    fn unusable(&self, now: i64) -> Option<String> {
        if self.accepted {
            Some("this invite has already been used; ask an admin for a new one".to_owned())
        } else if self.expires_at <= now {
            Some(format!(
                "this invite has expired; ask an admin of {} for a new one",
                self.org_name
            ))
        } else {
            None
        }
    }
}

/// What the invite link offers, without using it.
pub async fn preview(hub: &Hub, token: &str) -> Result<InvitePreview> {
    let invite = find(hub, token).await?;
    let unusable = invite.unusable(now_ms());
    Ok(InvitePreview {
        org_name: invite.org_name,
        email: invite.email,
        role: invite.role,
        invited_by: invite.invited_by,
        expires_at: invite.expires_at,
        unusable,
    })
}

/// Accepts the invite for the signed-in viewer, whose email must be the invited one, and makes
/// the organisation the session's active one.
pub async fn accept(
    hub: &Hub,
    viewer: &Viewer,
    token: &str,
    ip: Option<&str>,
) -> Result<OrgMembership> {
    let invite = find(hub, token).await?;
    let now = now_ms();
    if let Some(reason) = invite.unusable(now) {
        return Err(Error::Expired(reason));
    }
    if invite.email != viewer.user.email {
        return Err(Error::Forbidden(format!(
            "this invite is for {}; sign in with that address to accept it",
            invite.email
        )));
    }
    let membership = OrgMembership {
        org_id: invite.org_id.clone(),
        org_name: invite.org_name.clone(),
        role: invite.role,
    };
    let mut tx = hub.db.begin_write().await?;
    let claimed = sqlx::query(
        "UPDATE invites SET accepted_at = $1, accepted_by = $2
         WHERE id = $3 AND accepted_at IS NULL",
    )
    .bind(now)
    .bind(&viewer.user.id)
    .bind(&invite.id)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() == 0 {
        return Err(Error::Expired(
            "this invite has already been used; ask an admin for a new one".to_owned(),
        ));
    }
    if !viewer.orgs.iter().any(|m| m.org_id == invite.org_id) {
        super::add_member_in(&mut tx, &invite.org_id, &viewer.user.id, invite.role, now).await?;
    }
    audit::record_in(
        &mut tx,
        audit::Entry {
            org_id: Some(&invite.org_id),
            actor_user_id: Some(&viewer.user.id),
            action: "invite.accepted",
            target: Some(&invite.id),
            detail: serde_json::json!({ "role": invite.role.as_str() }),
            ip,
        },
    )
    .await?;
    tx.commit().await?;
    sessions::set_active_org(hub, &viewer.session_id, &invite.org_id).await?;
    Ok(membership)
}

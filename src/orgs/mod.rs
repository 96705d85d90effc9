//! Organisations and memberships: who belongs where, with which role. Every change here is
//! admin-only, keeps at least one admin in each organisation, and lands in the audit log.

pub mod invites;

use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::{Db, Error, Hub, Result, accounts::Viewer, audit};

/// A member's role in one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    pub fn parse(raw: &str) -> Result<Self> {
        match raw.trim() {
            "admin" => Ok(Self::Admin),
            "member" => Ok(Self::Member),
            _ => Err(Error::validation("role", "choose admin or member")),
        }
    }
}

/// One organisation a person belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgMembership {
    pub org_id: String,
    pub org_name: String,
    pub role: Role,
}

/// A member as the members page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub joined_at: i64,
}

/// Creates an organisation with `admin_user_id` as its admin, inside a transaction.
pub(crate) async fn create_in(
    tx: &mut Transaction<'_, Any>,
    name: &str,
    admin_user_id: &str,
    now: i64,
) -> Result<String> {
    let org_id = uuid::Uuid::new_v4().to_string();
    sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(&org_id)
        .bind(name)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    add_member_in(tx, &org_id, admin_user_id, Role::Admin, now).await?;
    Ok(org_id)
}

pub(crate) async fn add_member_in(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
    user_id: &str,
    role: Role,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(org_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every organisation `user_id` belongs to, oldest membership first.
pub async fn memberships_of(db: &Db, user_id: &str) -> Result<Vec<OrgMembership>> {
    let rows = sqlx::query(
        "SELECT o.id, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id
         WHERE m.user_id = $1 ORDER BY m.created_at, o.name",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OrgMembership {
                org_id: row.try_get("id")?,
                org_name: row.try_get("name")?,
                role: Role::parse(row.try_get::<&str, _>("role")?)?,
            })
        })
        .collect()
}

/// The members of the viewer's organisation, admins first.
pub async fn members(hub: &Hub, viewer: &Viewer) -> Result<Vec<Member>> {
    let org = viewer.require_org()?;
    let rows = sqlx::query(
        "SELECT u.id, u.email, u.display_name, m.role, m.created_at
         FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.org_id = $1 ORDER BY m.role, u.display_name",
    )
    .bind(&org.org_id)
    .fetch_all(hub.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Member {
                user_id: row.try_get("id")?,
                email: row.try_get("email")?,
                display_name: row.try_get("display_name")?,
                role: Role::parse(row.try_get::<&str, _>("role")?)?,
                joined_at: row.try_get("created_at")?,
            })
        })
        .collect()
}

/// Gives a member of the viewer's organisation another role (admins only).
pub async fn change_role(
    hub: &Hub,
    viewer: &Viewer,
    user_id: &str,
    role: Role,
    ip: Option<&str>,
) -> Result<()> {
    let org = viewer.require_admin()?;
    let mut tx = hub.db.begin_write().await?;
    let current = role_in(&mut tx, &org.org_id, user_id).await?;
    if current == role {
        return Ok(());
    }
    if current == Role::Admin && admin_count(&mut tx, &org.org_id).await? <= 1 {
        return Err(Error::validation(
            "role",
            "an organisation needs at least one admin; make someone else admin first",
        ));
    }
    sqlx::query("UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3")
        .bind(role.as_str())
        .bind(&org.org_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    audit::record_in(
        &mut tx,
        audit::Entry {
            org_id: Some(&org.org_id),
            actor_user_id: Some(&viewer.user.id),
            action: "member.role_changed",
            target: Some(user_id),
            detail: serde_json::json!({ "from": current.as_str(), "to": role.as_str() }),
            ip,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a member from the viewer's organisation (admins only; never the last admin).
pub async fn remove_member(
    hub: &Hub,
    viewer: &Viewer,
    user_id: &str,
    ip: Option<&str>,
) -> Result<()> {
    let org = viewer.require_admin()?;
    let mut tx = hub.db.begin_write().await?;
    let current = role_in(&mut tx, &org.org_id, user_id).await?;
    if current == Role::Admin && admin_count(&mut tx, &org.org_id).await? <= 1 {
        return Err(Error::validation(
            "member",
            "the last admin cannot be removed; make someone else admin first",
        ));
    }
    sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(&org.org_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    audit::record_in(
        &mut tx,
        audit::Entry {
            org_id: Some(&org.org_id),
            actor_user_id: Some(&viewer.user.id),
            action: "member.removed",
            target: Some(user_id),
            detail: serde_json::json!({ "role": current.as_str() }),
            ip,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn role_in(tx: &mut Transaction<'_, Any>, org_id: &str, user_id: &str) -> Result<Role> {
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(org_id)
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
    Role::parse(&role.ok_or(Error::NotFound("member"))?)
}

async fn admin_count(tx: &mut Transaction<'_, Any>, org_id: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = 'admin'")
            .bind(org_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

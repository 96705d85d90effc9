//! Login sessions: a random token lives in the browser's cookie, and only its keyed hash is
//! stored, so a copy of the database cannot be replayed as a session. A session also remembers
//! which organisation the person is working in.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::person::User;
use crate::{
    Error, Hub, Result,
    orgs::{self, OrgMembership, Role},
    time::{DAY_MS, now_ms},
};

/// Sessions last thirty days from sign-in.
pub const SESSION_TTL_MS: i64 = 30 * DAY_MS;

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "patchbay_session";

/// A live session's row: its person and the organisation they last worked in.
#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: User,
    active_org_id: Option<String>,
}

/// A session just created: the token goes into the cookie, never into a log.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub expires_at: i64,
}

/// The signed-in person as every request sees them.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub session_id: String,
    pub user: User,
    /// The organisation the person is working in, if they belong to any.
    pub org: Option<OrgMembership>,
    /// Every organisation they belong to, for the switcher.
    pub orgs: Vec<OrgMembership>,
}

impl Viewer {
    /// The active organisation, or a clear refusal when there is none.
    pub fn require_org(&self) -> Result<&OrgMembership> {
        self.org
            .as_ref()
            .ok_or_else(|| Error::Forbidden("you do not belong to an organisation yet".to_owned()))
    }

    /// The active organisation when the person administers it.
    pub fn require_admin(&self) -> Result<&OrgMembership> {
        let org = self.require_org()?;
        if org.role == Role::Admin {
            Ok(org)
        } else {
            Err(Error::Forbidden(format!(
                "only an admin of {} can do this",
                org.org_name
            )))
        }
    }
}

/// The session token in one `Cookie` header value, if it carries a non-empty one.
pub fn token_in_cookie_header(value: &str) -> Option<&str> {
    value
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, token)| token)
        .filter(|token| !token.is_empty())
}

/// A fresh random token: 32 bytes from the OS generator, hex-encoded.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The keyed hash that turns a token into its stored form, built once from the server secret.
pub type TokenMac = Hmac<Sha256>;

/// Builds the token MAC from the server's secret.
pub fn token_mac(key: &[u8]) -> Result<TokenMac> {
    <TokenMac as Mac>::new_from_slice(key).map_err(|e| Error::internal("unusable session key", e))
}

/// The stored form of a token: HMAC-SHA256 under the server's secret.
pub fn token_digest(mac: &TokenMac, token: &str) -> String {
    let mut mac = mac.clone();
    mac.update(token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Starts a session for `user_id` working in `org_id`.
pub async fn create(hub: &Hub, user_id: &str, org_id: Option<&str>) -> Result<NewSession> {
    let token = random_token();
    let now = now_ms();
    let expires_at = now + SESSION_TTL_MS;
    sqlx::query(
        "INSERT INTO login_sessions (id, user_id, active_org_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hub.session_digest(&token))
    .bind(user_id)
    .bind(org_id)
    .bind(now)
    .bind(expires_at)
    .execute(hub.db.pool())
    .await?;
    Ok(NewSession { token, expires_at })
}

/// Ends the session behind `token` (nothing happens for an unknown token).
pub async fn destroy(hub: &Hub, token: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_sessions WHERE id = $1")
        .bind(hub.session_digest(token))
        .execute(hub.db.pool())
        .await?;
    Ok(())
}

/// The person behind a session token, or `None` when the token is unknown or expired.
pub async fn load(hub: &Hub, token: &str) -> Result<Option<Viewer>> {
    let session_id = hub.session_digest(token);
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT u.id, u.email, u.display_name, u.created_at, s.active_org_id
         FROM login_sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id = $1 AND s.expires_at > $2",
    )
    .bind(&session_id)
    .bind(now_ms())
    .fetch_optional(hub.db.pool())
    .await?;
    let Some(SessionRow {
        user,
        active_org_id: active,
    }) = row
    else {
        return Ok(None);
    };
    let orgs = orgs::memberships_of(&hub.db, &user.id).await?;
    let org = active
        .and_then(|id| orgs.iter().find(|m| m.org_id == id).cloned())
        .or_else(|| orgs.first().cloned());
    Ok(Some(Viewer {
        session_id,
        user,
        org,
        orgs,
    }))
}

/// Points the session at another organisation the person belongs to.
pub async fn switch_org(hub: &Hub, viewer: &Viewer, org_id: &str) -> Result<()> {
    if !viewer.orgs.iter().any(|m| m.org_id == org_id) {
        return Err(Error::Forbidden(
            "you are not a member of that organisation".to_owned(),
        ));
    }
    set_active_org(hub, &viewer.session_id, org_id).await
}

pub(crate) async fn set_active_org(hub: &Hub, session_id: &str, org_id: &str) -> Result<()> {
    sqlx::query("UPDATE login_sessions SET active_org_id = $1 WHERE id = $2")
        .bind(org_id)
        .bind(session_id)
        .execute(hub.db.pool())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_digests_keyed() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        let (k1, k2) = (token_mac(b"k1").unwrap(), token_mac(b"k2").unwrap());
        assert_eq!(token_digest(&k1, &a), token_digest(&k1, &a));
        assert_ne!(token_digest(&k1, &a), token_digest(&k2, &a));
    }
}

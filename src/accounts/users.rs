//! Sign-up and sign-in. Sign-up creates the person, their organisation and their admin
//! membership in one transaction; for an email that already has an account it does the same
//! work (the password is hashed either way) and answers [`SignedUp::AlreadyRegistered`], which
//! callers answer with the same status and body as a new account; only the missing session (and
//! where the browser goes next) differ, since sign-up signs a new person in at once and there is
//! no email to confirm through. Sign-up is rate-limited per IP. Sign-in answers the same way for
//! a wrong email and a wrong password, and is rate-limited per IP and per (IP, email) pair.

use super::{limiter::ip_email_key, password, person::User, sessions, validate};
use crate::{Error, Hub, Result, audit, error::is_unique_violation, orgs, time::now_ms};

/// A user's row with the hash sign-in checks the password against.
#[derive(sqlx::FromRow)]
struct UserWithHash {
    #[sqlx(flatten)]
    user: User,
    password_hash: String,
}

/// What the sign-up form sends.
#[derive(Debug, Clone, Default)]
pub struct SignUp {
    pub email: String,
    pub display_name: String,
    pub password: String,
    /// The new organisation's name; defaults to "<display name>'s organisation".
    pub org_name: Option<String>,
}

/// What a valid sign-up did. Callers must answer both the same way (status and body); only
/// a new account gets a session.
#[derive(Debug)]
pub enum SignedUp {
    /// A new account, its organisation and a session.
    Created(User, sessions::NewSession),
    /// The email already has an account; nothing changed.
    AlreadyRegistered,
}

/// Creates the account, its organisation (with the person as admin) and a session; for a known
/// email, changes nothing and says so only to the caller. Counts against the IP's sign-up limit
/// once the input is valid.
pub async fn sign_up(hub: &Hub, input: SignUp, ip: Option<&str>) -> Result<SignedUp> {
    let now = now_ms();
    let ip_key = ip.unwrap_or("unknown");
    hub.limiter.sign_ups_per_ip.check(ip_key, now)?;
    let display_name = validate::name("display_name", &input.display_name)?;
    let email = validate::email(&input.email)?;
    let password = validate::new_password(&input.password)?.to_owned();
    let org_name = match input.org_name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => validate::name("org_name", name)?,
        _ => format!("{display_name}'s organisation"),
    };
    hub.limiter.sign_ups_per_ip.record(ip_key, now);
    // Hashed before the email is looked at, so a known email costs the same time.
    let password_hash = password::hash(password).await?;
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        email,
        display_name,
        created_at: now,
    };

    let mut tx = hub.db.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&user.id)
    .bind(&user.email)
    .bind(&user.display_name)
    .bind(&password_hash)
    .bind(now)
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            tracing::info!("sign-up for an email that already has an account; nothing changed");
            return Ok(SignedUp::AlreadyRegistered);
        }
        other => other?,
    };
    let org_id = orgs::create_in(&mut tx, &org_name, &user.id, now).await?;
    audit::record_in(
        &mut tx,
        audit::Entry {
            org_id: Some(&org_id),
            actor_user_id: Some(&user.id),
            action: "org.created",
            target: Some(&org_id),
            detail: serde_json::json!({ "name": org_name }),
            ip,
        },
    )
    .await?;
    tx.commit().await?;

    let session = sessions::create(hub, &user.id, Some(&org_id)).await?;
    tracing::info!(user.id = %user.id, org.id = %org_id, "account created");
    Ok(SignedUp::Created(user, session))
}

/// Checks the credentials and starts a session in the person's first organisation.
pub async fn sign_in(
    hub: &Hub,
    email: &str,
    password: &str,
    ip: Option<&str>,
) -> Result<(User, sessions::NewSession)> {
    let now = now_ms();
    let ip_key = ip.unwrap_or("unknown");
    hub.limiter.per_ip.check(ip_key, now)?;
    hub.limiter.per_ip.record(ip_key, now);

    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(Error::validation("email", "enter your email address"));
    }
    if password.is_empty() {
        return Err(Error::validation("password", "enter your password"));
    }
    let pair = ip_email_key(ip_key, &email);
    hub.limiter.per_ip_email.check(&pair, now)?;

    let row: Option<UserWithHash> = sqlx::query_as(
        "SELECT id, email, display_name, password_hash, created_at FROM users WHERE email = $1",
    )
    .bind(&email)
    .fetch_optional(hub.db.pool())
    .await?;
    let (user, stored_hash) = match row {
        Some(row) => (Some(row.user), row.password_hash),
        None => (None, password::dummy_hash().await.to_owned()),
    };
    let matches = password::verify(password.to_owned(), stored_hash).await?;
    let Some(user) = user.filter(|_| matches) else {
        hub.limiter.per_ip_email.record(&pair, now);
        return Err(Error::InvalidCredentials);
    };
    hub.limiter.per_ip_email.clear(&pair);

    let first_org = orgs::memberships_of(&hub.db, &user.id)
        .await?
        .into_iter()
        .next()
        .map(|m| m.org_id);
    let session = sessions::create(hub, &user.id, first_org.as_deref()).await?;
    Ok((user, session))
}

//! Password hashing with argon2id (the crate's defaults, OWASP's recommended parameters), run
//! off the async threads because a hash costs tens of milliseconds on purpose.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

use crate::{Error, Result};

/// Hashes a password into a PHC string (`$argon2id$v=19$...`).
pub async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::internal("password hashing failed", e))
    })
    .await
    .map_err(|e| Error::internal("password hashing task failed", e))?
}

/// True when `password` matches the stored PHC string.
pub async fn verify(password: String, stored: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| Error::internal("stored password hash is malformed", e))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| Error::internal("password check task failed", e))?
}

/// A hash to verify against when the email is unknown, so both paths cost the same time and
/// the response time does not reveal which accounts exist.
pub async fn dummy_hash() -> &'static str {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            hash("patchbay-timing-equaliser".to_owned())
                .await
                .unwrap_or_default()
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let stored = hash("correct horse battery".to_owned()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(
            verify("correct horse battery".to_owned(), stored.clone())
                .await
                .unwrap()
        );
        assert!(
            !verify("wrong horse battery".to_owned(), stored)
                .await
                .unwrap()
        );
    }
}

//! The person behind an account, as sessions and sign-in both read it. It lives apart from
//! `users` (sign-up, sign-in) and `sessions` (cookies, the viewer) so that each of those imports
//! it without importing the other.

use serde::Serialize;

/// A person with an account. The password hash never leaves the database layer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub created_at: i64,
}

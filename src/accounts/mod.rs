//! Accounts: who a person is (users), how they prove it (passwords, login sessions) and the
//! guard against guessing (sign-in and sign-up rate limits).

pub mod limiter;
pub mod password;
pub mod person;
pub mod sessions;
pub mod users;
pub mod validate;

pub use person::User;
pub use sessions::{NewSession, Viewer};
pub use users::{SignUp, SignedUp, sign_in, sign_up};

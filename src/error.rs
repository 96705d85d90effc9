//! The core's one error type. Callers map it to HTTP (server) or to the wire error of the
//! server functions (app) in exactly one place each; nothing here knows about status codes.

/// Result alias for every fallible core function.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is wrong; `field` names the form field or JSON key at fault.
    #[error("{message}")]
    Validation {
        field: &'static str,
        message: String,
    },
    /// A value outside a closed set; `allowed` lists what would have been accepted.
    #[error("{field} {value:?} is not one of: {}", .allowed.join(", "))]
    InvalidChoice {
        field: &'static str,
        value: String,
        allowed: Vec<String>,
    },
    /// The input collides with something that exists (e.g. an email already registered).
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    /// Email or password wrong; deliberately does not say which.
    #[error("the email or password is not correct")]
    InvalidCredentials,
    /// No valid session (or API key) came with the request.
    #[error("sign in to continue")]
    Unauthenticated,
    /// A webhook whose signature is missing or wrong.
    #[error("the webhook signature is {0}")]
    InvalidSignature(&'static str),
    /// Signed in, but the role or organisation does not allow this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// An invite or token whose time has passed.
    #[error("{0}")]
    Expired(String),
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    /// Nango (or the sandbox) failed or refused.
    #[error("{0}")]
    Nango(#[from] crate::nango::NangoError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn validation(field: &'static str, message: impl Into<String>) -> Self {
        Self::Validation {
            field,
            message: message.into(),
        }
    }

    pub fn conflict(field: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            field,
            message: message.into(),
        }
    }

    /// A stable, machine-readable code for the error envelope.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "validation_failed",
            Self::InvalidChoice { .. } => "invalid_choice",
            Self::Conflict { .. } => "conflict",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidSignature(_) => "invalid_signature",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Expired(_) => "expired",
            Self::RateLimited { .. } => "rate_limited",
            Self::Nango(crate::nango::NangoError::Timeout) => "nango_timeout",
            Self::Nango(_) => "nango_error",
            Self::Database(_) | Self::Migration(_) | Self::Internal(_) => "internal_error",
        }
    }

    /// The field the error belongs to, for a message next to it in a form.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Validation { field, .. }
            | Self::InvalidChoice { field, .. }
            | Self::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The HTTP status this error means. The one mapping shared by the REST routes and the
    /// server functions, so both answer the same way.
    pub fn status(&self) -> u16 {
        match self {
            Self::Validation { .. } | Self::InvalidChoice { .. } => 400,
            Self::InvalidCredentials | Self::Unauthenticated | Self::InvalidSignature(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict { .. } => 409,
            Self::Expired(_) => 410,
            Self::RateLimited { .. } => 429,
            Self::Nango(crate::nango::NangoError::Timeout) => 504,
            Self::Nango(_) => 502,
            Self::Database(_) | Self::Migration(_) | Self::Internal(_) => 500,
        }
    }

    /// True when the message must not be shown to a user (it may hold internals).
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Self::Database(_) | Self::Migration(_) | Self::Internal(_)
        )
    }

    /// The message a user may read: internals are replaced by a generic sentence.
    pub fn public_message(&self) -> String {
        if self.is_internal() {
            "something went wrong on our side; try again, and tell your admin if it persists"
                .to_owned()
        } else {
            self.to_string()
        }
    }
}

/// True when a database error is a unique-constraint violation (portable across backends).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes_match() {
        let cases = [
            (Error::validation("email", "x"), 400, "validation_failed"),
            (Error::InvalidCredentials, 401, "invalid_credentials"),
            (Error::Forbidden("x".into()), 403, "forbidden"),
            (Error::NotFound("invite"), 404, "not_found"),
            (Error::conflict("email", "x"), 409, "conflict"),
            (Error::Expired("x".into()), 410, "expired"),
            (
                Error::RateLimited {
                    retry_after_secs: 3,
                },
                429,
                "rate_limited",
            ),
            (
                Error::Internal("secret detail".into()),
                500,
                "internal_error",
            ),
        ];
        for (err, status, code) in cases {
            assert_eq!((err.status(), err.code()), (status, code), "{err:?}");
        }
    }

    #[test]
    fn internal_details_are_not_public() {
        let err = Error::Internal("connection string postgres://user:pw@db".into());
        assert!(!err.public_message().contains("postgres"));
        let choice = Error::InvalidChoice {
            field: "category",
            value: "gardening".into(),
            allowed: vec!["crm".into(), "hr".into()],
        };
        assert_eq!(
            choice.public_message(),
            "category \"gardening\" is not one of: crm, hr"
        );
    }
}

//! The core's one error type. Callers map it to HTTP (server) or to the wire error of the
//! server functions (app) in exactly one place each; nothing here knows about status codes.

/// A connection as an error lists it: enough to name it in the next request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionRef {
    pub provider_config_key: String,
    pub connection_id: String,
}

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
    #[error("too many attempts; try again in {}", wait_in_words(*.retry_after_secs))]
    RateLimited { retry_after_secs: u64 },
    /// A request body field is wrong; unlike `Validation`, the field is named at run time
    /// (`params.page_size`, `data.to`). `allowed` lists the accepted values when there are few.
    #[error("{message}")]
    InvalidField {
        field: String,
        message: String,
        allowed: Vec<String>,
    },
    /// An upstream path (or an id that becomes part of one) refused before anything was sent:
    /// a dot segment in any encoding, a backslash, a control character, or a URL that would
    /// leave the API it is meant for.
    #[error("{0}")]
    InvalidPath(crate::upstream_path::PathError),
    /// An API key that is unknown or revoked.
    #[error("the API key is not valid or has been revoked; create a new one in Settings")]
    InvalidApiKey,
    /// Several connections could serve the request and the body named none of them.
    #[error("{message}")]
    AmbiguousConnection {
        message: String,
        candidates: Vec<ConnectionRef>,
    },
    /// No connection of the organisation can serve the request.
    #[error("{0}")]
    NoConnection(String),
    /// The provider's API refused the call (4xx): its status and message, passed on.
    #[error("{provider} refused the request ({status}): {message}")]
    UpstreamRejected {
        provider: String,
        status: u16,
        message: String,
    },
    /// The provider's API failed (5xx or unreachable) after retries.
    #[error("{provider} is unavailable: {message}")]
    UpstreamUnavailable {
        provider: String,
        status: Option<u16>,
        message: String,
    },
    /// The provider's API did not answer in time after retries.
    #[error("{provider} did not answer in time; try again later")]
    UpstreamTimeout { provider: String },
    /// Nango (or the sandbox) failed or refused.
    #[error("{0}")]
    Nango(#[from] crate::nango::NangoError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A failure on our side with nothing underneath it (a broken invariant, a missing piece of
    /// set-up). Logged, never shown to the caller.
    #[error("internal error: {0}")]
    Internal(String),
    /// A failure on our side caused by another error, which it keeps as its source so the log
    /// shows the whole chain ([`Error::report`]); `context` says what was being done. Never
    /// shown to the caller. Build it with [`Error::internal`].
    /// A queue worker no longer holds the job it was working on (its lease expired and the
    /// job went back on the queue): it must stop. Only workers see it.
    #[error("the lease on job {job} was lost")]
    LeaseLost { job: String },
    #[error("internal error: {context}")]
    InternalSource {
        context: String,
        #[source]
        source: BoxError,
    },
}

/// Any error, boxed: the cause an [`Error::InternalSource`] keeps.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

impl Error {
    /// An internal error that keeps `source` as its cause.
    pub fn internal(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::InternalSource {
            context: context.into(),
            source: source.into(),
        }
    }

    /// The message followed by every cause in its source chain (`a: b: c`), for the log; a cause
    /// whose text the message already ends with is not repeated.
    pub fn report(&self) -> String {
        let mut report = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !report.ends_with(&text) {
                report.push_str(": ");
                report.push_str(&text);
            }
            source = cause.source();
        }
        report
    }

    pub fn validation(field: &'static str, message: impl Into<String>) -> Self {
        Self::Validation {
            field,
            message: message.into(),
        }
    }

    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidField {
            field: field.into(),
            message: message.into(),
            allowed: Vec::new(),
        }
    }

    /// The accepted values, for errors about a closed set.
    pub fn allowed(&self) -> Option<&[String]> {
        match self {
            Self::InvalidChoice { allowed, .. } => Some(allowed),
            Self::InvalidField { allowed, .. } if !allowed.is_empty() => Some(allowed),
            _ => None,
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
            Self::InvalidField { .. } => "validation_failed",
            Self::InvalidPath(_) | Self::Nango(crate::nango::NangoError::InvalidPath(_)) => {
                "invalid_path"
            }
            Self::InvalidApiKey => "invalid_api_key",
            Self::AmbiguousConnection { .. } => "connection_ambiguous",
            Self::NoConnection(_) => "connection_not_found",
            Self::UpstreamRejected { .. } => "upstream_rejected",
            Self::UpstreamUnavailable { .. } => "upstream_unavailable",
            Self::UpstreamTimeout { .. } => "upstream_timeout",
            Self::Nango(crate::nango::NangoError::Timeout) => "nango_timeout",
            Self::Nango(_) => "nango_error",
            Self::Database(_)
            | Self::Migration(_)
            | Self::Internal(_)
            | Self::InternalSource { .. }
            | Self::LeaseLost { .. } => "internal_error",
        }
    }

    /// The field the error belongs to, for a message next to it in a form.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Validation { field, .. }
            | Self::InvalidChoice { field, .. }
            | Self::Conflict { field, .. } => Some(field),
            Self::InvalidField { field, .. } => Some(field),
            Self::InvalidPath(e) | Self::Nango(crate::nango::NangoError::InvalidPath(e)) => {
                Some(&e.field)
            }
            Self::AmbiguousConnection { .. } | Self::NoConnection(_) => Some("connectionId"),
            _ => None,
        }
    }

    /// The HTTP status this error means. The one mapping shared by the REST routes and the
    /// server functions, so both answer the same way.
    pub fn status(&self) -> u16 {
        match self {
            Self::Validation { .. }
            | Self::InvalidChoice { .. }
            | Self::InvalidField { .. }
            | Self::InvalidPath(_)
            | Self::Nango(crate::nango::NangoError::InvalidPath(_))
            | Self::AmbiguousConnection { .. } => 400,
            Self::InvalidCredentials
            | Self::Unauthenticated
            | Self::InvalidSignature(_)
            | Self::InvalidApiKey => 401,
            Self::NoConnection(_) => 404,
            // A 4xx of the provider stays a 4xx: the caller's request is what needs fixing.
            Self::UpstreamRejected { status, .. } if (400..500).contains(status) => *status,
            Self::UpstreamRejected { .. } | Self::UpstreamUnavailable { .. } => 502,
            Self::UpstreamTimeout { .. } => 504,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict { .. } => 409,
            Self::Expired(_) => 410,
            Self::RateLimited { .. } => 429,
            Self::Nango(crate::nango::NangoError::Timeout) => 504,
            Self::Nango(_) => 502,
            Self::Database(_)
            | Self::Migration(_)
            | Self::Internal(_)
            | Self::InternalSource { .. }
            | Self::LeaseLost { .. } => 500,
        }
    }

    /// True when the message must not be shown to a user (it may hold internals).
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Self::Database(_)
                | Self::Migration(_)
                | Self::Internal(_)
                | Self::InternalSource { .. }
                | Self::LeaseLost { .. }
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

impl From<crate::upstream_path::PathError> for Error {
    fn from(err: crate::upstream_path::PathError) -> Self {
        Self::InvalidPath(err)
    }
}

/// A wait as a person reads it: seconds under two minutes, else whole minutes (rounded up).
fn wait_in_words(secs: u64) -> String {
    match secs {
        1 => "1 second".to_owned(),
        0..120 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs.div_ceil(60)),
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
    fn an_internal_error_keeps_its_source_for_the_log_only() {
        let io = std::io::Error::other("disk full at /var/lib/patchbay");
        let err = Error::internal("cannot create the database folder", io);
        assert_eq!((err.status(), err.code()), (500, "internal_error"));
        assert!(err.is_internal());
        let source = std::error::Error::source(&err).expect("the cause is kept");
        assert_eq!(source.to_string(), "disk full at /var/lib/patchbay");
        assert_eq!(
            err.report(),
            "internal error: cannot create the database folder: disk full at /var/lib/patchbay"
        );
        assert!(!err.public_message().contains("disk full"));
    }

    #[test]
    fn a_report_does_not_repeat_a_cause_the_message_already_names() {
        let err = Error::Database(sqlx::Error::PoolTimedOut);
        assert_eq!(err.report(), err.to_string());
        assert_eq!(
            Error::Internal("no context".into()).report(),
            "internal error: no context"
        );
    }

    #[test]
    fn rate_limit_messages_say_when_to_try_again() {
        let says = |secs| {
            Error::RateLimited {
                retry_after_secs: secs,
            }
            .to_string()
        };
        assert_eq!(says(1), "too many attempts; try again in 1 second");
        assert_eq!(says(90), "too many attempts; try again in 90 seconds");
        assert_eq!(says(3599), "too many attempts; try again in 60 minutes");
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

//! The REST error envelope: every failure of a `/api` route answers
//! `{"error": {"code", "message", "field"?, "allowed"?}}` with the status the core's error means.
//! Its OpenAPI schema and the shared error responses live here too, next to the code that
//! writes them; unknown `/api/*` paths and wrong methods answer it as well.

use axum::{
    Json,
    http::{HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use serde_json::json;
use utoipa::{
    ToResponse, ToSchema,
    openapi::{
        ContentBuilder, HeaderBuilder, Ref, RefOr, ResponseBuilder,
        response::Response as ResponseDoc, schema::Type,
    },
};

/// A core error on its way out of a REST route.
#[derive(Debug)]
pub struct ApiError(pub patchbay::Error);

impl From<patchbay::Error> for ApiError {
    fn from(err: patchbay::Error) -> Self {
        Self(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = self.0;
        if err.is_internal() {
            tracing::error!(error = %err.report(), "request failed");
        }
        let status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = json!({ "code": err.code(), "message": err.public_message() });
        if let Some(field) = err.field() {
            body["field"] = json!(field);
        }
        if let Some(allowed) = err.allowed() {
            body["allowed"] = json!(allowed);
        }
        match &err {
            patchbay::Error::AmbiguousConnection { candidates, .. } => {
                body["connections"] = json!(candidates);
            }
            patchbay::Error::UpstreamRejected { status, .. }
            | patchbay::Error::UpstreamUnavailable {
                status: Some(status),
                ..
            } => body["upstream_status"] = json!(status),
            _ => {}
        }
        let mut response = (status, Json(json!({ "error": body }))).into_response();
        if let patchbay::Error::RateLimited { retry_after_secs } = err
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// An envelope for failures that happen before a core function runs (routing, origin checks).
pub fn envelope(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

/// `ANY /api/*` that no route serves: the envelope with 404 `not_found`, never the HTML page.
pub async fn unknown_api_path() -> Response {
    envelope(
        StatusCode::NOT_FOUND,
        "not_found",
        "no API route has this path; see /api/docs",
    )
}

/// A known REST path called with a method it does not answer: 405 in the envelope, with the
/// `Allow` header listing the methods it does answer.
pub fn method_not_allowed(allowed: &[Method]) -> Response {
    let allow = allowed
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let mut response = envelope(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        &format!("this path answers {allow} only"),
    );
    if let Ok(value) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

// ---------------------------------------------------------------------------------------------
// The envelope in the OpenAPI document

/// The error envelope every failing call answers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(
    as = Error,
    example = json!({"error": {"code": "invalid_choice", "message": "resource must be one of: crm.contact, hr.employee, whatsapp.message, twilio.sms (got crm.contacts)", "field": "resource", "allowed": ["crm.contact", "hr.employee", "whatsapp.message", "twilio.sms"]}})
)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// What went wrong (`ApiError` and `envelope` write it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable: `validation_failed`, `invalid_choice`, `unauthenticated`,
    /// `invalid_api_key`, `forbidden`, `not_found`, `method_not_allowed`, `conflict`,
    /// `rate_limited`, `connection_not_found`, `connection_ambiguous`, `upstream_rejected`,
    /// `upstream_unavailable`, `upstream_timeout`, `nango_error`, `nango_timeout`,
    /// `invalid_signature`, `invalid_body`, `invalid_path` (a `.`/`..` segment in any encoding,
    /// a backslash or a control character in a path or id; `field` names it), `invalid_input`
    /// (a NUL character in any caller text, or a server function's arguments that do not
    /// decode), `payload_too_large`, `internal_error`.
    pub code: String,
    /// A sentence for a human; internal failures never leak details.
    pub message: String,
    /// The request field the error is about (`connectionId` for connection errors).
    #[schema(nullable = false)]
    pub field: Option<String>,
    /// For a closed set: the values that would have been accepted.
    #[schema(nullable = false)]
    pub allowed: Option<Vec<String>>,
    /// The provider's HTTP status, when the provider refused or failed.
    #[schema(nullable = false)]
    pub upstream_status: Option<u16>,
    /// For `connection_ambiguous`: the connections that could serve the call; name one with
    /// `connectionId`.
    #[schema(nullable = false)]
    pub connections: Option<Vec<patchbay::error::ConnectionRef>>,
}

/// One shared error response of the document: `#/components/responses/<name>`.
fn error_response(description: &str, example: serde_json::Value) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Error")))
            .example(Some(example))
            .build(),
    )
}

/// Declares the shared error responses, each a [`ToResponse`] the handlers' annotations name.
macro_rules! error_responses {
    ($($name:ident: $description:expr, $example:expr;)*) => {$(
        #[doc = $description]
        pub struct $name;

        impl<'s> ToResponse<'s> for $name {
            fn response() -> (&'s str, RefOr<ResponseDoc>) {
                (stringify!($name), error_response($description, $example).build().into())
            }
        }
    )*};
}

error_responses! {
    BadRequest: "The request is invalid: `field` names what to fix and, for a closed set, `allowed` lists the accepted values.",
        json!({"error": {"code": "validation_failed", "message": "name must not be empty", "field": "name"}});
    Unauthorized: "No API key or session, or the key is unknown or revoked (`unauthenticated`, `invalid_api_key`).",
        json!({"error": {"code": "unauthenticated", "message": "send an API key as `Authorization: Bearer <key>` or sign in"}});
    Forbidden: "Authenticated, but not allowed (`forbidden`), or a cross-site browser request.",
        json!({"error": {"code": "forbidden", "message": "API keys cannot manage API keys; sign in as an admin"}});
    NotFound: "Nothing of the organisation matches (`not_found`, `connection_not_found`).",
        json!({"error": {"code": "not_found", "message": "API key not found"}});
    PayloadTooLarge: "The body is larger than the route accepts (`payload_too_large`).",
        json!({"error": {"code": "payload_too_large", "message": "the request body is too large"}});
    BadGateway: "The provider or Nango failed, after retries (`upstream_unavailable`, `nango_error`).",
        json!({"error": {"code": "upstream_unavailable", "message": "hubspot is unavailable (503); try again later", "upstream_status": 503}});
    GatewayTimeout: "The provider or Nango did not answer in time (`upstream_timeout`, `nango_timeout`).",
        json!({"error": {"code": "upstream_timeout", "message": "hubspot did not answer in time"}});
}

/// Too many requests, with the `Retry-After` header.
pub struct TooManyRequests;

impl<'s> ToResponse<'s> for TooManyRequests {
    fn response() -> (&'s str, RefOr<ResponseDoc>) {
        let retry_after = HeaderBuilder::new()
            .schema(utoipa::openapi::ObjectBuilder::new().schema_type(Type::Integer))
            .description(Some("Seconds to wait."))
            .build();
        let response = error_response(
            "Too many requests; `Retry-After` says when to try again. From the unified API: the provider's own 429 after retries (`upstream_rejected`, `upstream_status`).",
            json!({"error": {"code": "upstream_rejected", "message": "hubspot refused the request (429): rate limit exceeded", "upstream_status": 429}}),
        )
        .header("Retry-After", retry_after);
        ("TooManyRequests", response.build().into())
    }
}

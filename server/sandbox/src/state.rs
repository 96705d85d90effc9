//! The sandbox's memory: its configuration, integrations, connect sessions, connections, the
//! request log, injected faults and the webhooks it sent. Also the two things every handler
//! needs: Nango's error envelope and its key checks.

use std::{
    collections::{BTreeMap, VecDeque},
    sync::{Mutex, MutexGuard},
    time::{Duration, SystemTime},
};

use axum::{
    Json,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use serde_json::{Value, json};

pub use crate::fault::Fault;

/// An integration configured in the sandbox's Nango environment.
#[derive(Debug, Clone)]
pub struct SandboxIntegration {
    pub unique_key: String,
    pub provider: String,
    pub display_name: String,
    /// `OAUTH2`, `API_KEY`, `BASIC`, ...
    pub auth_mode: String,
}

/// How the sandbox is set up.
#[derive(Clone)]
pub struct SandboxConfig {
    /// The Bearer key it accepts (a UUID v4, like Nango's).
    pub secret_key: String,
    /// Absolute URL of its mount, without trailing slash.
    pub public_url: String,
    /// Where signed webhooks go.
    pub webhook_url: Option<String>,
    pub webhook_signing_key: String,
    pub environment: String,
    pub integrations: Vec<SandboxIntegration>,
}

/// Connect sessions live 30 minutes, as in Nango.
pub const SESSION_TTL: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub end_user: Option<Value>,
    pub organization: Option<Value>,
    pub tags: BTreeMap<String, String>,
    pub allowed_integrations: Vec<String>,
    pub reconnect: Option<(String, String)>,
    pub expires_at: SystemTime,
}

#[derive(Debug, Clone)]
pub struct Connection {
    pub id: i64,
    pub connection_id: String,
    pub provider_config_key: String,
    pub provider: String,
    pub auth_mode: String,
    pub end_user: Option<Value>,
    pub tags: BTreeMap<String, String>,
    pub metadata: Option<Value>,
    /// Where this connection's webhooks go instead of the environment's URL.
    pub webhook_url_override: Option<String>,
    pub credentials: Value,
    pub created_at: String,
    pub updated_at: String,
    /// Set by the test controls: the credentials no longer work.
    pub invalid: bool,
}

/// An API request the sandbox received, as its log keeps it (the `Authorization` header is left
/// out, and bodies that may hold credentials are redacted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceivedRequest {
    pub method: String,
    /// The path relative to the sandbox's mount (`/proxy/crm/v3/objects/contacts`).
    pub path: String,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    /// Header names are lower-case.
    pub headers: BTreeMap<String, String>,
    /// The body as text, cut at 16 KiB.
    pub body: String,
    /// When it arrived (RFC 3339, UTC).
    pub at: String,
}

impl ReceivedRequest {
    /// A header's value, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The body parsed as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// A webhook the sandbox sent (or tried to send).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentWebhook {
    pub body: Value,
    pub signature: String,
    /// The HTTP status the receiver answered, or `None` if it could not be reached.
    pub status: Option<u16>,
    pub error: Option<String>,
}

#[derive(Default)]
pub struct Memory {
    pub sessions: BTreeMap<String, Session>,
    pub connections: Vec<Connection>,
    pub next_id: i64,
    /// The last [`LOG_CAPACITY`] API requests, oldest first.
    pub requests: VecDeque<ReceivedRequest>,
    pub faults: Vec<Fault>,
    /// The last [`LOG_CAPACITY`] webhooks sent, oldest first.
    pub webhooks: VecDeque<SentWebhook>,
    /// The OAuth popup flows between `/oauth/connect` and `/oauth/callback`, by `state`.
    pub oauth_pending: BTreeMap<String, PendingOAuth>,
    /// The SDKs' open WebSockets, by `ws_client_id`: where the callback publishes its outcome.
    pub ws_clients: BTreeMap<String, tokio::sync::mpsc::UnboundedSender<String>>,
}

/// An OAuth popup flow on its way from `/oauth/connect/{key}` to the callback.
#[derive(Debug, Clone)]
pub struct PendingOAuth {
    pub provider_config_key: String,
    /// The query `/oauth/connect` was called with (it carries the connect session token).
    pub query: String,
    pub ws_client_id: Option<String>,
}

/// How many requests and webhooks the sandbox remembers: a ring, so a long-running sandbox
/// does not grow without bound.
pub const LOG_CAPACITY: usize = 1000;

/// Appends to a bounded log, dropping the oldest entries beyond [`LOG_CAPACITY`].
fn push_bounded<T>(log: &mut VecDeque<T>, item: T) {
    while log.len() >= LOG_CAPACITY {
        log.pop_front();
    }
    log.push_back(item);
}

impl Memory {
    pub fn log_request(&mut self, request: ReceivedRequest) {
        push_bounded(&mut self.requests, request);
    }

    pub fn log_webhook(&mut self, webhook: SentWebhook) {
        push_bounded(&mut self.webhooks, webhook);
    }
}

pub struct Shared {
    pub config: SandboxConfig,
    pub http: reqwest::Client,
    memory: Mutex<Memory>,
}

impl Shared {
    pub fn new(config: SandboxConfig) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("the sandbox's HTTP client: {e}"))?;
        Ok(Self {
            config,
            http,
            memory: Mutex::new(Memory {
                next_id: 1,
                ..Memory::default()
            }),
        })
    }

    pub fn memory(&self) -> MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a fault for the next matching requests.
    pub fn add_fault(&self, fault: Fault) {
        self.memory().faults.push(fault);
    }

    pub fn clear_faults(&self) {
        self.memory().faults.clear();
    }

    /// The request log, oldest first.
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.memory().requests.iter().cloned().collect()
    }

    pub fn clear_received(&self) {
        self.memory().requests.clear();
    }

    /// The webhooks sent, oldest first.
    pub fn webhooks(&self) -> Vec<SentWebhook> {
        self.memory().webhooks.iter().cloned().collect()
    }

    /// Forgets everything but the configuration.
    pub fn reset(&self) {
        let mut memory = self.memory();
        memory.sessions.clear();
        memory.connections.clear();
        memory.requests.clear();
        memory.faults.clear();
        memory.webhooks.clear();
        memory.oauth_pending.clear();
    }

    pub fn integration(&self, key: &str) -> Option<&SandboxIntegration> {
        self.config
            .integrations
            .iter()
            .find(|i| i.unique_key == key)
    }

    /// Checks `Authorization: Bearer <secret key>` as Nango does.
    pub fn check_secret_key(&self, headers: &HeaderMap) -> Result<(), Response> {
        let token = bearer(headers)?;
        if !is_uuid(token) {
            return Err(nango_error(
                StatusCode::UNAUTHORIZED,
                "invalid_secret_key_format",
                None,
            ));
        }
        if token != self.config.secret_key {
            return Err(nango_error(
                StatusCode::UNAUTHORIZED,
                "unknown_account",
                None,
            ));
        }
        Ok(())
    }

    /// Resolves a connect session token (from a Bearer header or a query value).
    pub fn session(&self, token: &str) -> Result<Session, Response> {
        if !is_session_token(token) {
            return Err(nango_error(
                StatusCode::UNAUTHORIZED,
                "invalid_connect_session_token_format",
                None,
            ));
        }
        let memory = self.memory();
        match memory.sessions.get(token) {
            Some(s) if s.expires_at > SystemTime::now() => Ok(s.clone()),
            _ => Err(nango_error(
                StatusCode::UNAUTHORIZED,
                "unknown_connect_session_token",
                None,
            )),
        }
    }
}

/// The Bearer token of a request, or Nango's 401.
pub fn bearer(headers: &HeaderMap) -> Result<&str, Response> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| nango_error(StatusCode::UNAUTHORIZED, "missing_auth_header", None))?;
    value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .ok_or_else(|| nango_error(StatusCode::UNAUTHORIZED, "malformed_auth_header", None))
}

/// The value of `name` in a raw query string.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Nango's error envelope.
pub fn nango_error(status: StatusCode, code: &str, message: Option<&str>) -> Response {
    let mut error = json!({ "code": code });
    if let Some(message) = message {
        error["message"] = json!(message);
    }
    (status, Json(json!({ "error": error }))).into_response()
}

/// Nango's `invalid_body` with zod-like issues.
pub fn invalid_body(message: &str, path: &[&str]) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": {
            "code": "invalid_body",
            "message": message,
            "errors": [{ "code": "custom", "message": message, "path": path }],
        }})),
    )
        .into_response()
}

pub fn is_uuid(raw: &str) -> bool {
    uuid::Uuid::parse_str(raw).is_ok_and(|u| u.get_version_num() == 4) && raw.len() == 36
}

pub fn is_session_token(raw: &str) -> bool {
    raw.strip_prefix("nango_connect_session_")
        .is_some_and(|hex| {
            hex.len() == 64
                && hex
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        })
}

/// A new session token: 32 random bytes as lower-case hex behind Nango's prefix.
pub fn new_session_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("nango_connect_session_{}", hex::encode(bytes))
}

/// ISO-8601 UTC with milliseconds, `Z` suffix.
pub fn iso(at: SystemTime) -> String {
    let ms = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    format_rfc3339_millis(ms)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since the Unix epoch (proleptic Gregorian, UTC),
/// the form Nango's API uses for timestamps.
pub fn format_rfc3339_millis(epoch_ms: i64) -> String {
    let secs = epoch_ms.div_euclid(1000);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        epoch_ms.rem_euclid(1000),
    )
}

/// The calendar date of a day number since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_and_key_formats() {
        let token = new_session_token();
        assert!(is_session_token(&token));
        assert!(!is_session_token("nango_connect_session_ABC"));
        assert!(is_uuid("8f4c5a5e-2a47-4c39-9a7e-0c5f1d0b7e21"));
        assert!(!is_uuid("not-a-uuid"));
    }

    #[test]
    fn the_logs_keep_only_the_newest_entries() {
        let mut log = VecDeque::new();
        for i in 0..LOG_CAPACITY + 100 {
            push_bounded(&mut log, i);
        }
        assert_eq!(log.len(), LOG_CAPACITY);
        assert_eq!(log.front(), Some(&100));
        assert_eq!(log.back(), Some(&(LOG_CAPACITY + 99)));
    }

    #[test]
    fn timestamps_are_iso_utc() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_305_600_123);
        assert_eq!(iso(at), "2026-11-22T00:00:00.123Z");
    }

    #[test]
    fn dates_cross_leap_days_and_centuries() {
        assert_eq!(format_rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        // 2000-02-29T23:59:59.999Z and the millisecond after it.
        assert_eq!(
            format_rfc3339_millis(951_868_799_999),
            "2000-02-29T23:59:59.999Z"
        );
        assert_eq!(
            format_rfc3339_millis(951_868_800_000),
            "2000-03-01T00:00:00.000Z"
        );
        assert_eq!(
            format_rfc3339_millis(4_107_542_400_000),
            "2100-03-01T00:00:00.000Z"
        );
        assert_eq!(format_rfc3339_millis(-1), "1969-12-31T23:59:59.999Z");
    }
}

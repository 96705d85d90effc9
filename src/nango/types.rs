//! The shapes of Nango's API that Patchbay reads and writes (docs/nango.md, "Endpoints used").
//! Unknown fields are ignored so newer Nango versions keep working; credentials never print.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The end user a connect session is for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndUser {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// The (deprecated, still honoured) organisation of a connect session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// `POST /connect/sessions`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CreateConnectSession {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_user: Option<EndUser>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_integrations: Vec<String>,
}

/// `POST /connect/sessions/reconnect`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReconnectSession {
    pub connection_id: String,
    pub integration_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_user: Option<EndUser>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// A connect session token for Connect UI (valid 30 minutes).
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct ConnectSession {
    pub token: String,
    #[serde(default)]
    pub connect_link: Option<String>,
    pub expires_at: String,
}

impl std::fmt::Debug for ConnectSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectSession")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// An error Nango recorded on a connection (`auth` or `sync`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionProblem {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub log_id: Option<String>,
}

/// The end user Nango stored on a connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEndUser {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub organization: Option<Organization>,
}

/// One item of `GET /connections`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ConnectionListItem {
    pub id: i64,
    pub connection_id: String,
    pub provider_config_key: String,
    pub provider: String,
    #[serde(default)]
    pub errors: Vec<ConnectionProblem>,
    #[serde(default)]
    pub end_user: Option<StoredEndUser>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub created: Option<String>,
}

/// Credentials as Nango returns them. Kept opaque and never printed.
#[derive(Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Credentials(pub Value);

impl Credentials {
    /// The credential type (`OAUTH2`, `API_KEY`, ...), which is safe to show.
    pub fn kind(&self) -> Option<&str> {
        self.0.get("type").and_then(Value::as_str)
    }

    /// When OAuth credentials expire, if they do.
    pub fn expires_at(&self) -> Option<&str> {
        self.0.get("expires_at").and_then(Value::as_str)
    }

    /// A field of the credentials (e.g. `access_token`), for the few callers that must use it.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({:?}, <redacted>)", self.kind())
    }
}

/// `GET /connections/{id}` (and the answer of `POST /connections`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Connection {
    pub id: i64,
    pub connection_id: String,
    pub provider_config_key: String,
    pub provider: String,
    #[serde(default)]
    pub errors: Vec<ConnectionProblem>,
    #[serde(default)]
    pub end_user: Option<StoredEndUser>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub connection_config: Option<Value>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub last_fetched_at: Option<String>,
    #[serde(default)]
    pub credentials: Credentials,
}

impl Connection {
    /// A tag of the connection (tags are lower-cased by Nango).
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.as_ref()?.get(key).map(String::as_str)
    }
}

/// Filters of `GET /connections`.
#[derive(Debug, Clone, Default)]
pub struct ConnectionFilter {
    pub connection_id: Option<String>,
    pub search: Option<String>,
    pub end_user_id: Option<String>,
    pub end_user_organization_id: Option<String>,
    /// Integration unique keys (sent comma-separated).
    pub integration_ids: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub limit: Option<u32>,
    pub page: Option<u32>,
}

impl ConnectionFilter {
    /// The query string pairs, in Nango's parameter names.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let mut push = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                pairs.push((k.to_owned(), v.clone()));
            }
        };
        push("connectionId", &self.connection_id);
        push("search", &self.search);
        push("endUserId", &self.end_user_id);
        push("endUserOrganizationId", &self.end_user_organization_id);
        if !self.integration_ids.is_empty() {
            pairs.push(("integrationId".to_owned(), self.integration_ids.join(",")));
        }
        for (k, v) in &self.tags {
            pairs.push((format!("tags[{k}]"), v.clone()));
        }
        if let Some(limit) = self.limit {
            pairs.push(("limit".to_owned(), limit.to_string()));
        }
        if let Some(page) = self.page {
            pairs.push(("page".to_owned(), page.to_string()));
        }
        pairs
    }
}

/// Options of `GET /connections/{id}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GetConnectionOptions {
    pub force_refresh: bool,
    pub refresh_token: bool,
}

/// `POST /connections`: import a connection whose credentials Patchbay already has.
#[derive(Clone, Serialize)]
pub struct ImportConnection {
    pub provider_config_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_user: Option<EndUser>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// `{"type": "API_KEY", "apiKey": "..."}` and the like (docs/nango.md, "Connections and
    /// credentials").
    pub credentials: Credentials,
}

impl std::fmt::Debug for ImportConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportConnection")
            .field("provider_config_key", &self.provider_config_key)
            .field("connection_id", &self.connection_id)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// An integration (provider config) of the Nango environment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Integration {
    pub unique_key: String,
    pub provider: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub logo: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// A provider of Nango's catalogue (providers.yaml entry plus `name` and `logo_url`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Provider {
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub auth_mode: Option<String>,
    #[serde(default)]
    pub logo_url: Option<String>,
    #[serde(flatten)]
    pub rest: BTreeMap<String, Value>,
}

/// `{"data": T}`, the wrapper of most Nango answers.
#[derive(Debug, Deserialize)]
pub(crate) struct Data<T> {
    pub data: T,
}

/// `{"connections": [...]}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ConnectionList {
    pub connections: Vec<ConnectionListItem>,
}

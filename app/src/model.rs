//! The shapes that cross the wire between the server functions and the browser. Both sides
//! compile this module, so each type is defined once.

use serde::{Deserialize, Serialize};

/// The signed-in person, as the header and pages need them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewerInfo {
    pub user_id: String,
    pub display_name: String,
    pub email: String,
    pub org: Option<OrgInfo>,
    pub orgs: Vec<OrgInfo>,
}

impl ViewerInfo {
    pub fn is_admin(&self) -> bool {
        self.org.as_ref().is_some_and(|o| o.is_admin)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgInfo {
    pub id: String,
    pub name: String,
    pub role: String,
    pub is_admin: bool,
}

/// What the browser may know about how Patchbay reaches Nango (public URLs only, never keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicConfig {
    /// False when Nango is switched off on this Patchbay.
    pub nango_enabled: bool,
    /// True when the built-in Nango sandbox stands in for Nango.
    pub sandbox: bool,
    /// Connect UI's `baseURL`.
    pub connect_ui_url: Option<String>,
    /// Connect UI's `apiURL`.
    pub nango_api_url: Option<String>,
}

/// A connector as a catalog card shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorCard {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub category_slug: String,
    pub category_label: String,
    pub nango_enabled: bool,
    pub auth_mode: String,
    pub beta: bool,
    pub version: String,
    pub logo_url: String,
    /// The organisation's live accounts of this connector (0 when signed out).
    pub accounts: u32,
    /// Of those, accounts in error or needing a reconnect.
    pub needing_attention: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryChip {
    pub slug: String,
    pub label: String,
    pub count: usize,
}

/// One page of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogView {
    pub connectors: Vec<ConnectorCard>,
    pub categories: Vec<CategoryChip>,
    /// The selected category, when one is.
    pub category: Option<CategoryChip>,
    /// Set when the URL named a category that does not exist (the page then shows all).
    pub unknown_category: Option<String>,
    pub total_in_catalog: usize,
}

/// The connector detail page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorDetail {
    pub card: ConnectorCard,
    pub nango_provider_key: Option<String>,
    pub docs_url: String,
    pub signed_in: bool,
    pub connections: Vec<ConnectionItem>,
    /// Where Connect UI is, when this person can connect this connector.
    pub connect: Option<ConnectTarget>,
}

/// Connect UI's `baseURL` and `apiURL` (public URLs, no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectTarget {
    pub connect_ui_url: String,
    pub api_url: String,
}

/// One row of the connections page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionRow {
    pub id: String,
    pub connector_slug: String,
    pub connector_name: String,
    pub logo_url: String,
    pub account: String,
    pub status: String,
    pub status_detail: Option<String>,
    pub connected_by: Option<String>,
    pub connected_at: i64,
    pub last_checked_at: Option<i64>,
    /// The viewer may check, reconnect and disconnect it (their own, or they are admin).
    pub can_manage: bool,
}

/// The connections page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionsView {
    pub rows: Vec<ConnectionRow>,
    pub connect: Option<ConnectTarget>,
}

/// A connect session for the browser: the token Connect UI needs, for one integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectStart {
    pub session_token: String,
    pub provider_config_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionItem {
    pub id: String,
    pub account: String,
    pub status: String,
    pub connected_by: Option<String>,
    pub connected_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberItem {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub joined_at: i64,
    pub is_self: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteItem {
    pub id: String,
    pub email: String,
    pub role: String,
    pub expires_at: i64,
}

/// The members page of the active organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersView {
    pub org_name: String,
    pub can_manage: bool,
    pub members: Vec<MemberItem>,
    pub invites: Vec<InviteItem>,
}

/// A just-created invite: the link is shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedInvite {
    pub email: String,
    pub role: String,
    pub link: String,
    pub expires_at: i64,
}

/// What an invite link offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteInfo {
    pub org_name: String,
    pub email: String,
    pub role: String,
    pub invited_by: String,
    pub expires_at: i64,
    pub unusable: Option<String>,
    /// The email of the signed-in person, if anyone is signed in.
    pub signed_in_as: Option<String>,
}

/// `YYYY-MM-DD` (UTC) for epoch milliseconds; identical on server and browser, so hydration
/// never disagrees with the server's HTML.
pub fn format_date(epoch_ms: i64) -> String {
    let days = epoch_ms.div_euclid(86_400_000);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// A `next=` target is followed only when it stays on this site and is plain visible ASCII
/// (it becomes a `Location` header).
pub fn safe_next(next: &str) -> &str {
    let visible_ascii = next.bytes().all(|b| b.is_ascii_graphic());
    if visible_ascii && next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_in_utc() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(951_782_400_000), "2000-02-29");
        assert_eq!(format_date(1_795_305_600_000), "2026-11-22");
        assert_eq!(format_date(-86_400_000), "1969-12-31");
    }

    #[test]
    fn only_local_next_targets_are_followed() {
        assert_eq!(safe_next("/connectors/hubspot"), "/connectors/hubspot");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("/caf\u{e9}"), "/");
        assert_eq!(safe_next("/a\r\nSet-Cookie: x"), "/");
    }
}

/// The catalog URL for a search text and category, so filters can be shared and bookmarked.
pub fn catalog_href(q: &str, category: Option<&str>) -> String {
    let mut params = Vec::new();
    if let Some(category) = category.filter(|c| !c.is_empty()) {
        params.push(format!("category={}", encode_query_value(category)));
    }
    let q = q.trim();
    if !q.is_empty() {
        params.push(format!("q={}", encode_query_value(q)));
    }
    if params.is_empty() {
        "/".to_owned()
    } else {
        format!("/?{}", params.join("&"))
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters (spaces become `+`).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod href_tests {
    use super::*;

    #[test]
    fn catalog_links_carry_the_filter() {
        assert_eq!(catalog_href("", None), "/");
        assert_eq!(catalog_href("  ", Some("")), "/");
        assert_eq!(catalog_href("hub", Some("crm")), "/?category=crm&q=hub");
        assert_eq!(catalog_href("a b&c", None), "/?q=a+b%26c");
        assert_eq!(catalog_href("é", None), "/?q=%C3%A9");
    }
}

/// `YYYY-MM-DD HH:MM UTC` for epoch milliseconds (same on server and browser).
/// Epoch milliseconds as RFC 3339 UTC (`2026-11-22T10:04:05.123Z`), the API's time format.
pub fn format_rfc3339(epoch_ms: i64) -> String {
    let secs = epoch_ms.div_euclid(1000);
    let rem = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}Z",
        format_date(epoch_ms),
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        epoch_ms.rem_euclid(1000)
    )
}

pub fn format_datetime(epoch_ms: i64) -> String {
    let minutes = epoch_ms.div_euclid(60_000).rem_euclid(24 * 60);
    format!(
        "{} {:02}:{:02} UTC",
        format_date(epoch_ms),
        minutes / 60,
        minutes % 60
    )
}

/// A choice of a filter select.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterOption {
    pub value: String,
    pub label: String,
}

/// A connection in the admin view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminConnection {
    pub connector_name: String,
    pub account: String,
    pub status: String,
    pub connected_by: Option<String>,
    pub connected_at: i64,
}

/// A webhook of the webhook log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookItem {
    pub received_at: i64,
    pub event_type: String,
    pub operation: Option<String>,
    pub connection: Option<String>,
    pub signature: String,
    pub outcome: String,
    pub detail: Option<String>,
}

/// An entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditItem {
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub ip: Option<String>,
}

/// The admin view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminView {
    pub connections: Vec<AdminConnection>,
    pub connectors: Vec<FilterOption>,
    pub users: Vec<FilterOption>,
    pub webhooks: Vec<WebhookItem>,
    pub audit: Vec<AuditItem>,
}

/// An API key as the settings page lists it (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyItem {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A key just created: `secret` is shown once and never again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub name: String,
    pub secret: String,
}

/// The organisation's Panora connection token, as far as the browser may know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanoraLinkInfo {
    pub label: Option<String>,
    pub token_hint: String,
    pub updated_by: Option<String>,
    pub updated_at: i64,
}

/// The settings page (admins only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub org_name: String,
    pub api_keys: Vec<ApiKeyItem>,
    pub panora: Option<PanoraLinkInfo>,
    /// Whether Panora is configured on this server at all.
    pub panora_enabled: bool,
    /// Where the REST API's reference lives.
    pub api_docs_url: String,
}

//! `/api/proxy/{connection}/{*path}`: a call to a provider's own API through Nango's proxy, for
//! a connection of the caller's organisation. The path is checked segment by segment (no dot
//! segments in any encoding, see [`crate::upstream_path`]); only safe headers cross in either
//! direction; the answer's body is left unread so the route can stream it.

use bytes::Bytes;
use reqwest::Method;
use sqlx::Row;

use crate::{
    Error, Hub, Result, caller::Caller, error::ConnectionRef, nango::ProxyRequest,
    unified::upstream::transport_error, upstream_path::Endpoint,
};

/// Request headers passed on to the provider as they are.
const FORWARDED_REQUEST_HEADERS: [&str; 10] = [
    "accept",
    "accept-language",
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
    "prefer",
    "idempotency-key",
    "range",
    "user-agent",
];

/// A caller can send any other header to the provider by prefixing its name with this.
pub const UPSTREAM_HEADER_PREFIX: &str = "upstream-";

/// Response headers passed back to the caller.
const FORWARDED_RESPONSE_HEADERS: [&str; 12] = [
    "content-type",
    "content-disposition",
    "content-language",
    "content-range",
    "accept-ranges",
    "etag",
    "last-modified",
    "cache-control",
    "link",
    "location",
    "retry-after",
    "x-request-id",
];

/// Header names that never cross, not even as `Upstream-<Name>`: credentials (Nango injects the
/// connection's own), cookies, hop-by-hop and framing headers, and anything Nango would read as
/// one of its own control headers (docs/nango.md, "Proxy").
const BLOCKED_UPSTREAM_HEADERS: [&str; 25] = [
    "authorization",
    "cookie",
    "cookie2",
    "set-cookie",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "expect",
    "forwarded",
    "connection-id",
    "provider-config-key",
    "base-url-override",
    "retries",
    "retry-on",
    "decompress",
    "forward-headers-on-redirect",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-real-ip",
];

/// Prefixes of header names that never cross (`Proxy-Authorization`, `Nango-Proxy-…`, …).
const BLOCKED_UPSTREAM_PREFIXES: [&str; 3] = ["proxy-", "nango-", "x-forwarded-"];

/// True for a header name the provider may receive.
fn may_cross(name: &str) -> bool {
    !name.is_empty()
        && !BLOCKED_UPSTREAM_HEADERS.contains(&name)
        && !BLOCKED_UPSTREAM_PREFIXES
            .iter()
            .any(|p| name.starts_with(p))
        && !name.starts_with(UPSTREAM_HEADER_PREFIX)
}

/// The request headers to send upstream, as `(name, value)`: the allow-listed ones as they are
/// and `Upstream-<Name>` ones without the prefix, unless `<Name>` is blocked (credentials,
/// cookies, hop-by-hop headers, Nango's control headers). Nothing else crosses.
pub fn upstream_headers<'a>(
    headers: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<(String, String)> {
    headers
        .filter_map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            if FORWARDED_REQUEST_HEADERS.contains(&lower.as_str()) {
                return Some((lower, value.to_owned()));
            }
            let rest = lower.strip_prefix(UPSTREAM_HEADER_PREFIX)?;
            may_cross(rest).then(|| (rest.to_owned(), value.to_owned()))
        })
        .collect()
}

/// Headers on every answer of the proxy route (success or error): a provider's HTML or SVG can
/// never run in Patchbay's origin.
pub const PROXY_RESPONSE_HEADERS: [(&str, &str); 2] = [
    ("x-content-type-options", "nosniff"),
    ("content-security-policy", "sandbox"),
];

/// True for a response header the caller may see (`x-ratelimit-*` included).
pub fn is_forwarded_response_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    FORWARDED_RESPONSE_HEADERS.contains(&lower.as_str()) || lower.starts_with("x-ratelimit-")
}

/// One call to forward.
#[derive(Debug, Clone)]
pub struct ProxyCall {
    pub method: Method,
    /// The provider path exactly as it came in the request URI (still percent-encoded).
    pub raw_path: String,
    /// The raw query string, without `?`.
    pub raw_query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub body: Bytes,
}

/// The organisation's live connection called `reference` (Patchbay's id or Nango's id).
pub async fn find_connection(hub: &Hub, caller: &Caller, reference: &str) -> Result<ConnectionRef> {
    let rows = sqlx::query(
        "SELECT provider_config_key, nango_connection_id FROM connections
         WHERE org_id = $1 AND status <> 'disconnected'
           AND (id = $2 OR nango_connection_id = $2)",
    )
    .bind(&caller.org_id)
    .bind(reference)
    .fetch_all(hub.db.pool())
    .await?;
    let mut found = rows
        .iter()
        .map(|row| {
            Ok(ConnectionRef {
                provider_config_key: row.try_get("provider_config_key")?,
                connection_id: row.try_get("nango_connection_id")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    match found.len() {
        0 => Err(Error::NoConnection(format!(
            "your organisation has no live connection {reference}; list them with GET /api/v1/connections"
        ))),
        1 => Ok(found.remove(0)),
        n => Err(Error::AmbiguousConnection {
            message: format!(
                "{reference} names {n} connections; use Patchbay's connection id instead"
            ),
            candidates: found,
        }),
    }
}

/// Forwards `call` for the connection; the provider's answer comes back whatever its status.
pub async fn forward(
    hub: &Hub,
    caller: &Caller,
    reference: &str,
    call: ProxyCall,
) -> Result<reqwest::Response> {
    // Checked before anything is looked up or sent: a refused path is a 400 whatever else.
    let endpoint = Endpoint::from_caller(&call.raw_path, call.raw_query.as_deref())?;
    let nango = &hub.nango()?.client;
    let connection = find_connection(hub, caller, reference).await?;
    let mut request = ProxyRequest::new(
        call.method,
        endpoint,
        &connection.connection_id,
        &connection.provider_config_key,
    );
    request.headers = call.headers;
    request.content_type = call.content_type;
    request.body = (!call.body.is_empty()).then_some(call.body);
    nango
        .proxy_stream(&request)
        .await
        .map_err(|e| transport_error(&connection.provider_config_key, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_request_headers_cross() {
        let sent = upstream_headers(
            [
                ("Authorization", "Bearer pbk_secret"),
                ("Cookie", "patchbay_session=x"),
                ("Accept", "application/json"),
                ("Upstream-Notion-Version", "2022-06-28"),
                ("Upstream-Cookie", "x"),
                ("X-Forwarded-For", "1.2.3.4"),
                ("Host", "patchbay.test"),
            ]
            .into_iter(),
        );
        assert_eq!(
            sent,
            [
                ("accept".to_owned(), "application/json".to_owned()),
                ("notion-version".to_owned(), "2022-06-28".to_owned()),
            ]
        );
    }

    #[test]
    fn upstream_forms_of_blocked_headers_never_cross() {
        let blocked = [
            "Upstream-Authorization",
            "Upstream-Proxy-Authorization",
            "Upstream-Proxy-Connection",
            "Upstream-Cookie",
            "Upstream-Set-Cookie",
            "Upstream-Transfer-Encoding",
            "Upstream-Connection",
            "Upstream-Keep-Alive",
            "Upstream-TE",
            "Upstream-Trailer",
            "Upstream-Upgrade",
            "Upstream-Host",
            "Upstream-Content-Length",
            "Upstream-Expect",
            "Upstream-Connection-Id",
            "Upstream-Provider-Config-Key",
            "Upstream-Base-Url-Override",
            "Upstream-Retries",
            "Upstream-Retry-On",
            "Upstream-Decompress",
            "Upstream-Nango-Proxy-Authorization",
            "Upstream-Nango-Activity-Log-Id",
            "Upstream-Upstream-Authorization",
            "Upstream-",
            "Proxy-Authorization",
            "Connection-Id",
            "Base-Url-Override",
            "Nango-Proxy-Authorization",
            "Transfer-Encoding",
            "Content-Length",
        ];
        let sent = upstream_headers(blocked.iter().map(|name| (*name, "x")));
        assert!(sent.is_empty(), "{sent:?}");
        let kept = upstream_headers(
            [("Upstream-X-Api-Version", "2"), ("If-None-Match", "\"e1\"")].into_iter(),
        );
        assert_eq!(kept.len(), 2, "{kept:?}");
    }

    #[test]
    fn only_safe_response_headers_come_back() {
        assert!(is_forwarded_response_header("Content-Type"));
        assert!(is_forwarded_response_header("X-RateLimit-Remaining"));
        assert!(!is_forwarded_response_header("Set-Cookie"));
        assert!(!is_forwarded_response_header("Server"));
    }
}

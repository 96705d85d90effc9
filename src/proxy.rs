//! `/api/proxy/{connection}/{*path}`: a call to a provider's own API through Nango's proxy, for
//! a connection of the caller's organisation. Only safe headers cross in either direction;
//! the answer's body is left unread so the route can stream it.

use bytes::Bytes;
use reqwest::Method;
use sqlx::Row;

use crate::{
    Error, Hub, Result, caller::Caller, error::ConnectionRef, nango::ProxyRequest,
    unified::upstream::transport_error,
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

/// The request headers to send upstream, as `(name, value)`: the safe ones as they are and
/// `Upstream-<Name>` ones without the prefix. Credentials, cookies and hop-by-hop headers of
/// the caller never cross.
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
            (!rest.is_empty() && !matches!(rest, "host" | "cookie" | "connection"))
                .then(|| (rest.to_owned(), value.to_owned()))
        })
        .collect()
}

/// True for a response header the caller may see (`x-ratelimit-*` included).
pub fn is_forwarded_response_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    FORWARDED_RESPONSE_HEADERS.contains(&lower.as_str()) || lower.starts_with("x-ratelimit-")
}

/// One call to forward.
#[derive(Debug, Clone)]
pub struct ProxyCall {
    pub method: Method,
    /// The provider path with its query string, starting with `/`.
    pub path_and_query: String,
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
    let nango = &hub.nango()?.client;
    let connection = find_connection(hub, caller, reference).await?;
    let mut request = ProxyRequest::new(
        call.method,
        call.path_and_query,
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
    fn only_safe_response_headers_come_back() {
        assert!(is_forwarded_response_header("Content-Type"));
        assert!(is_forwarded_response_header("X-RateLimit-Remaining"));
        assert!(!is_forwarded_response_header("Set-Cookie"));
        assert!(!is_forwarded_response_header("Server"));
    }
}

//! A provider request as plain data ([`Call`]), and the [`Backend`] that carries it: Nango's
//! proxy for a connection, or Panora's API for a connection token. Provider mappings only
//! build calls and read answers, so they stay pure functions the sync engine can reuse; the
//! backend alone decides transport, Patchbay's record ids and what `remote_data` holds.

use reqwest::Method;
use serde_json::Value;

use super::{model::text_at, panora::PanoraClient, target::Target, upstream};
use crate::{
    Error, Result,
    nango::{NangoClient, ProxyRequest},
    upstream_path::{Endpoint, UpstreamPath},
};

/// One request to a provider's API.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: Method,
    pub path: UpstreamPath,
    /// Query parameters, not yet encoded.
    pub query: Vec<(String, String)>,
    pub json: Option<Value>,
    /// Headers for the provider's API.
    pub headers: Vec<(&'static str, &'static str)>,
}

impl Call {
    pub fn get(path: UpstreamPath) -> Self {
        Self {
            method: Method::GET,
            path,
            query: Vec::new(),
            json: None,
            headers: Vec::new(),
        }
    }

    pub fn post(path: UpstreamPath, json: Value) -> Self {
        Self {
            method: Method::POST,
            json: Some(json),
            ..Self::get(path)
        }
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    pub fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Adds the caller's own query parameters (`params` beyond the unified ones). A parameter
    /// this call sets, or that the provider pages with (`reserved`), is Patchbay's and is never
    /// overridden: naming one is a 400.
    pub fn pass_through(mut self, extra: &[(String, String)], reserved: &[&str]) -> Result<Self> {
        for (key, value) in extra {
            let taken = self.query.iter().any(|(k, _)| k.eq_ignore_ascii_case(key))
                || reserved.iter().any(|k| k.eq_ignore_ascii_case(key));
            if taken {
                return Err(Error::invalid_field(
                    format!("params.{key}"),
                    format!(
                        "params.{key} is set by Patchbay for this provider and cannot be overridden; page with params.page_size, params.page and params.cursor"
                    ),
                ));
            }
            self.query.push((key.clone(), value.clone()));
        }
        Ok(self)
    }

    /// The path with its query, percent-encoded.
    pub fn endpoint(&self) -> Endpoint {
        let pairs: Vec<(&str, &str)> = self
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Endpoint::with_query(self.path.clone(), &pairs)
    }

    /// The value of a query parameter this call sets.
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Where calls go for one unified request.
#[derive(Debug, Clone, Copy)]
pub enum Backend<'a> {
    Nango {
        client: &'a NangoClient,
        target: &'a Target,
    },
    Panora {
        client: &'a PanoraClient,
        token: &'a str,
    },
}

impl Backend<'_> {
    /// Sends `call` and reads the provider's JSON.
    pub async fn send(&self, call: Call) -> Result<Value> {
        match self {
            Self::Nango { client, target } => {
                let mut request = ProxyRequest::new(
                    call.method.clone(),
                    call.endpoint(),
                    &target.connection_id,
                    &target.provider_config_key,
                );
                for (name, value) in &call.headers {
                    request = request.with_header(*name, *value);
                }
                if let Some(json) = &call.json {
                    request = request.json(json)?;
                }
                upstream::call(client, target, request).await
            }
            Self::Panora { client, token } => client.send(&call, token).await,
        }
    }

    /// Whose cursors this backend's pages carry: a cursor from one connection is refused by
    /// another.
    pub fn cursor_owner(&self) -> String {
        match self {
            Self::Nango { target, .. } => {
                format!("{}/{}", target.provider_config_key, target.connection_id)
            }
            Self::Panora { .. } => "panora".to_owned(),
        }
    }

    /// The provider's id inside one of Patchbay's ids: `hubspot:42` → `42` for Nango (bare
    /// remote ids pass as they are); Panora's ids are its own.
    pub fn remote_id<'i>(&self, id: &'i str) -> &'i str {
        match self {
            Self::Nango { target, .. } => id
                .strip_prefix(&target.provider_config_key)
                .and_then(|rest| rest.strip_prefix(':'))
                .unwrap_or(id),
            Self::Panora { .. } => id,
        }
    }

    /// Who answered, for messages.
    pub fn display_name(&self) -> &str {
        match self {
            Self::Nango { target, .. } => &target.display_name,
            Self::Panora { .. } => "Panora",
        }
    }

    /// Gives a mapped record Patchbay's id and, on request, the provider's raw record: for
    /// Nango `<provider config key>:<remote id>` and the record itself; for Panora its own `id`
    /// and the `remote_data` it sent.
    pub fn finish<R: UnifiedRecord>(&self, mut unified: R, record: &Value, remote_data: bool) -> R {
        match self {
            Self::Nango { target, .. } => {
                let id = format!("{}:{}", target.provider_config_key, unified.remote_id());
                unified.set_id(id);
                unified.set_remote_data(remote_data.then(|| record.clone()));
            }
            Self::Panora { .. } => {
                unified.set_id(text_at(record, "/id").unwrap_or_default());
                unified.set_remote_data(
                    remote_data
                        .then(|| record.get("remote_data").cloned())
                        .flatten()
                        .filter(|v| !v.is_null()),
                );
            }
        }
        unified
    }
}

/// What [`Backend::finish`] needs of a unified record.
pub trait UnifiedRecord {
    fn remote_id(&self) -> &str;
    fn set_id(&mut self, id: String);
    fn set_remote_data(&mut self, raw: Option<Value>);
}

/// What a `list` asks of a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListQuery<'a> {
    /// The provider's own position of the page (from the previous page's `next`).
    pub position: Option<&'a str>,
    pub size: u32,
    /// Include the raw record (Panora only sends it when asked).
    pub remote_data: bool,
    /// Only records changed at or after this RFC 3339 time (incremental sync); providers
    /// that cannot filter so refuse it.
    pub updated_since: Option<&'a str>,
}

impl<'a> ListQuery<'a> {
    pub fn first(size: u32) -> Self {
        Self {
            position: None,
            size,
            remote_data: false,
            updated_since: None,
        }
    }

    /// The same query at another position.
    pub fn at<'b>(self, position: Option<&'b str>) -> ListQuery<'b>
    where
        'a: 'b,
    {
        ListQuery { position, ..self }
    }
}

/// The refusal of a provider that has no "updated since" filter.
pub fn no_updated_since(provider: &str) -> Error {
    Error::invalid_field(
        "updated_since",
        format!("{provider} cannot list only the records changed since a time"),
    )
}

/// `raw` if it is an RFC 3339 time such as `2026-01-01T00:00:00Z` (checked strictly, as it is
/// written into provider queries).
pub fn checked_time(raw: &str) -> Result<&str> {
    let ok = raw.len() >= 20
        && raw.len() <= 35
        && raw.as_bytes().get(10) == Some(&b'T')
        && raw
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | ':' | 'T' | 'Z' | '.' | '+'));
    if ok {
        Ok(raw)
    } else {
        Err(Error::invalid_field(
            "updated_since",
            "updated_since must be an RFC 3339 time such as 2026-01-01T00:00:00Z",
        ))
    }
}

/// The array at `pointer`, or nothing.
pub fn items(body: &Value, pointer: &str) -> Vec<Value> {
    body.pointer(pointer)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// `path` with the caller's id appended as one checked, percent-encoded segment.
pub fn with_id(path: UpstreamPath, remote_id: &str) -> Result<UpstreamPath> {
    Ok(path.segment("id", remote_id)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_through_never_overrides_and_is_encoded() {
        let call = Call::get(UpstreamPath::fixed("/v1/persons")).query("limit", "10");
        let refused = call
            .clone()
            .pass_through(&[("LIMIT".to_owned(), "1000".to_owned())], &[])
            .unwrap_err();
        assert_eq!(refused.field(), Some("params.LIMIT"));
        let reserved = call
            .clone()
            .pass_through(&[("after".to_owned(), "5".to_owned())], &["after"])
            .unwrap_err();
        assert_eq!(reserved.field(), Some("params.after"));
        let passed = call
            .pass_through(&[("filter".to_owned(), "a&b=c#d".to_owned())], &["after"])
            .unwrap();
        assert_eq!(
            passed.endpoint().to_string(),
            "/v1/persons?limit=10&filter=a%26b%3Dc%23d"
        );
    }

    #[test]
    fn times_are_checked_before_they_reach_a_query() {
        assert!(checked_time("2026-01-01T00:00:00Z").is_ok());
        assert!(checked_time("2026-01-01T00:00:00.000+02:00").is_ok());
        for bad in [
            "yesterday",
            "2026-01-01",
            "2026-01-01T00:00:00Z OR Id != null",
        ] {
            assert_eq!(
                checked_time(bad).unwrap_err().field(),
                Some("updated_since")
            );
        }
    }
}

//! The unified API's request body, checked field by field: every mistake becomes a 400 that
//! names the field and, for closed sets, the values that would have been accepted.

use serde_json::{Map, Value};

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Nango,
    Panora,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    CrmContact,
    HrEmployee,
    WhatsappMessage,
    TwilioSms,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    List,
    Get,
    Create,
}

impl Provider {
    pub const ALL: [Self; 2] = [Self::Nango, Self::Panora];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nango => "nango",
            Self::Panora => "panora",
        }
    }

    /// The resources this provider serves.
    pub fn resources(self) -> &'static [Resource] {
        match self {
            Self::Nango => &Resource::ALL,
            Self::Panora => &[Resource::CrmContact, Resource::HrEmployee],
        }
    }
}

impl Resource {
    pub const ALL: [Self; 4] = [
        Self::CrmContact,
        Self::HrEmployee,
        Self::WhatsappMessage,
        Self::TwilioSms,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CrmContact => "crm.contact",
            Self::HrEmployee => "hr.employee",
            Self::WhatsappMessage => "whatsapp.message",
            Self::TwilioSms => "twilio.sms",
        }
    }

    /// The operations this resource supports.
    pub fn operations(self) -> &'static [Operation] {
        match self {
            Self::CrmContact => &Operation::ALL,
            Self::HrEmployee => &[Operation::List, Operation::Get],
            Self::WhatsappMessage | Self::TwilioSms => &[Operation::Create],
        }
    }
}

impl Operation {
    pub const ALL: [Self; 3] = [Self::List, Self::Get, Self::Create];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Get => "get",
            Self::Create => "create",
        }
    }
}

/// Paging of a `list`, and the provider query parameters the caller added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    /// 1-based page number (used when no cursor is given).
    pub page: u32,
    pub page_size: u32,
    /// The `next_cursor` of the previous page, unchanged.
    pub cursor: Option<String>,
    /// `params` beyond the unified ones, checked, passed to the provider as query parameters
    /// (percent-encoded; never replacing one Patchbay sets).
    pub extra: Vec<(String, String)>,
}

impl Default for ListParams {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
            cursor: None,
            extra: Vec::new(),
        }
    }
}

pub const DEFAULT_PAGE_SIZE: u32 = 25;
pub const MAX_PAGE_SIZE: u32 = 100;
/// Limits on the query parameters a `list` passes through.
pub const MAX_EXTRA_PARAMS: usize = 20;
pub const MAX_EXTRA_KEY_LEN: usize = 64;
pub const MAX_EXTRA_VALUE_LEN: usize = 1000;

/// A connection named in the body (both parts optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedConnection {
    pub connection_id: Option<String>,
    pub provider_config_key: Option<String>,
}

/// A checked request.
#[derive(Debug, Clone, PartialEq)]
pub struct UnifiedRequest {
    pub provider: Provider,
    pub resource: Resource,
    pub operation: Operation,
    pub id: Option<String>,
    pub params: ListParams,
    pub data: Map<String, Value>,
    pub connection: NamedConnection,
    /// Panora's `x-connection-token`, when the body brings its own.
    pub connection_token: Option<String>,
    /// Include the provider's raw record as `remote_data`.
    pub remote_data: bool,
}

const TOP_LEVEL_FIELDS: [&str; 10] = [
    "provider",
    "resource",
    "operation",
    "id",
    "params",
    "data",
    "connectionId",
    "providerConfigKey",
    "connectionToken",
    "remote_data",
];
const PARAM_FIELDS: [&str; 4] = ["page", "page_size", "cursor", "remote_data"];

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<String> {
    all.iter().map(|v| name(*v).to_owned()).collect()
}

fn choice<T: Copy>(
    body: &Map<String, Value>,
    field: &'static str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T> {
    let allowed = || names(all, name);
    let raw = match body.get(field) {
        Some(Value::String(s)) => s.as_str(),
        None | Some(Value::Null) => {
            return Err(Error::InvalidField {
                field: field.to_owned(),
                message: format!("{field} is required; use one of: {}", allowed().join(", ")),
                allowed: allowed(),
            });
        }
        Some(other) => {
            return Err(Error::InvalidField {
                field: field.to_owned(),
                message: format!("{field} must be a string, not {}", kind(other)),
                allowed: allowed(),
            });
        }
    };
    all.iter()
        .copied()
        .find(|v| name(*v) == raw)
        .ok_or_else(|| Error::InvalidChoice {
            field,
            value: raw.to_owned(),
            allowed: allowed(),
        })
}

/// The JSON type of a value, for messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An optional non-empty string field of `map` (`field` is its full name for messages).
pub fn optional_string(map: &Map<String, Value>, key: &str, field: &str) -> Result<Option<String>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Err(Error::invalid_field(
            field,
            format!("{field} must not be empty"),
        )),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(other) => Err(Error::invalid_field(
            field,
            format!("{field} must be a string, not {}", kind(other)),
        )),
    }
}

fn optional_object(map: &Map<String, Value>, key: &str) -> Result<Option<Map<String, Value>>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o.clone())),
        Some(other) => Err(Error::invalid_field(
            key,
            format!("{key} must be an object, not {}", kind(other)),
        )),
    }
}

fn optional_bool(map: &Map<String, Value>, key: &str, field: &str) -> Result<Option<bool>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(Error::invalid_field(
            field,
            format!("{field} must be true or false, not {}", kind(other)),
        )),
    }
}

fn bounded_integer(
    map: &Map<String, Value>,
    key: &str,
    field: &str,
    range: std::ops::RangeInclusive<u32>,
) -> Result<Option<u32>> {
    let Some(value) = map.get(key).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let number = value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| range.contains(n));
    number.map(Some).ok_or_else(|| {
        Error::invalid_field(
            field,
            format!(
                "{field} must be a whole number from {} to {}",
                range.start(),
                range.end()
            ),
        )
    })
}

/// Refuses the first key of `map` that is not `known`, naming it as `<prefix><key>` and
/// saying it is not a field of `what` ("this request", "a contact"...).
pub fn reject_unknown(
    map: &Map<String, Value>,
    known: &[&str],
    prefix: &str,
    what: &str,
) -> Result<()> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(Error::InvalidField {
            field: format!("{prefix}{unknown}"),
            message: format!(
                "{prefix}{unknown} is not a field of {what}; the fields are: {}",
                known.join(", ")
            ),
            allowed: known.iter().map(|k| (*k).to_owned()).collect(),
        }),
        None => Ok(()),
    }
}

fn parse_params(
    body: &Map<String, Value>,
    operation: Operation,
) -> Result<(ListParams, Option<bool>)> {
    let params = optional_object(body, "params")?.unwrap_or_default();
    let extra = if operation == Operation::List {
        pass_through(&params)?
    } else {
        reject_unknown(&params, &PARAM_FIELDS, "params.", "this request")?;
        Vec::new()
    };
    let page = bounded_integer(&params, "page", "params.page", 1..=10_000)?.unwrap_or(1);
    let page_size = bounded_integer(&params, "page_size", "params.page_size", 1..=MAX_PAGE_SIZE)?
        .unwrap_or(DEFAULT_PAGE_SIZE);
    let cursor = optional_string(&params, "cursor", "params.cursor")?;
    if cursor.is_some() && page > 1 {
        return Err(Error::invalid_field(
            "params.page",
            "give params.cursor or params.page, not both: the cursor already says where to go",
        ));
    }
    let remote_data = optional_bool(&params, "remote_data", "params.remote_data")?;
    Ok((
        ListParams {
            page,
            page_size,
            cursor,
            extra,
        },
        remote_data,
    ))
}

/// The `params` of a list beyond the unified ones, as provider query parameters: keys of
/// letters, digits and `_ - . [ ]`, values that are strings, numbers or booleans of printable
/// text. Anything else is a 400 naming the parameter.
fn pass_through(params: &Map<String, Value>) -> Result<Vec<(String, String)>> {
    let extra: Vec<(&String, &Value)> = params
        .iter()
        .filter(|(k, _)| !PARAM_FIELDS.contains(&k.as_str()))
        .collect();
    if extra.len() > MAX_EXTRA_PARAMS {
        return Err(Error::invalid_field(
            "params",
            format!(
                "params can carry at most {MAX_EXTRA_PARAMS} provider query parameters besides {}",
                PARAM_FIELDS.join(", ")
            ),
        ));
    }
    extra
        .into_iter()
        .map(|(key, value)| Ok((checked_key(key)?, checked_value(key, value)?)))
        .collect()
}

fn checked_key(key: &str) -> Result<String> {
    let fits = !key.is_empty()
        && key.len() <= MAX_EXTRA_KEY_LEN
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']'));
    if fits {
        return Ok(key.to_owned());
    }
    // The key is named as far as it is printable, and never at length.
    let shown: String = key
        .chars()
        .take(MAX_EXTRA_KEY_LEN)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    Err(Error::invalid_field(
        format!("params.{shown}"),
        format!(
            "params.{shown} cannot be passed to the provider: a query parameter name is 1 to {MAX_EXTRA_KEY_LEN} letters, digits or _ - . [ ]"
        ),
    ))
}

fn checked_value(key: &str, value: &Value) -> Result<String> {
    let field = format!("params.{key}");
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => {
            return Err(Error::invalid_field(
                &field,
                format!(
                    "{field} is passed to the provider as a query parameter: a string, number or boolean, not {}",
                    kind(other)
                ),
            ));
        }
    };
    if text.chars().count() > MAX_EXTRA_VALUE_LEN || text.chars().any(char::is_control) {
        return Err(Error::invalid_field(
            &field,
            format!(
                "{field} is passed to the provider as a query parameter: at most {MAX_EXTRA_VALUE_LEN} characters, without control characters"
            ),
        ));
    }
    Ok(text)
}

/// Checks a request body (raw bytes, so a JSON syntax error is ours to explain).
pub fn parse(body: &[u8]) -> Result<UnifiedRequest> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Error::invalid_field("body", format!("the body is not valid JSON: {e}")))?;
    let Value::Object(body) = value else {
        return Err(Error::invalid_field(
            "body",
            format!("the body must be a JSON object, not {}", kind(&value)),
        ));
    };
    reject_unknown(&body, &TOP_LEVEL_FIELDS, "", "this request")?;
    let provider = choice(&body, "provider", &Provider::ALL, Provider::as_str)?;
    let resource = choice(&body, "resource", provider.resources(), Resource::as_str)
        .map_err(|e| explain(e, || format!("{} serves", provider.as_str())))?;
    let operation = choice(&body, "operation", resource.operations(), Operation::as_str)
        .map_err(|e| explain(e, || format!("{} supports", resource.as_str())))?;
    let id = optional_string(&body, "id", "id")?;
    if operation == Operation::Get && id.is_none() {
        return Err(Error::invalid_field(
            "id",
            "id is required for get: the record's id (or its remote_id)",
        ));
    }
    let (params, params_remote_data) = parse_params(&body, operation)?;
    let data = optional_object(&body, "data")?;
    if operation == Operation::Create && data.as_ref().is_none_or(Map::is_empty) {
        return Err(Error::invalid_field(
            "data",
            format!(
                "data is required for create: the {} to create",
                resource.as_str()
            ),
        ));
    }
    let data = data.unwrap_or_default();
    // The messaging seeds name the connection inside `data`; the top level wins when both do.
    let connection = NamedConnection {
        connection_id: optional_string(&body, "connectionId", "connectionId")?.or(optional_string(
            &data,
            "connectionId",
            "data.connectionId",
        )?),
        provider_config_key: optional_string(&body, "providerConfigKey", "providerConfigKey")?.or(
            optional_string(&data, "providerConfigKey", "data.providerConfigKey")?,
        ),
    };
    let connection_token = optional_string(&body, "connectionToken", "connectionToken")?;
    if connection_token.is_some() && provider != Provider::Panora {
        return Err(Error::invalid_field(
            "connectionToken",
            "connectionToken is Panora's; for nango name the connection with connectionId",
        ));
    }
    let remote_data = optional_bool(&body, "remote_data", "remote_data")?
        .or(params_remote_data)
        .unwrap_or(false);
    Ok(UnifiedRequest {
        provider,
        resource,
        operation,
        id,
        params,
        data,
        connection,
        connection_token,
        remote_data,
    })
}

/// Prefixes a closed-set error's message with what it is about ("panora serves ...").
fn explain(err: Error, subject: impl Fn() -> String) -> Error {
    match err {
        Error::InvalidChoice {
            field,
            value,
            allowed,
        } => Error::InvalidField {
            field: field.to_owned(),
            message: format!(
                "{field} {value:?} is not available: {} only {}",
                subject(),
                allowed.join(", ")
            ),
            allowed,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse_json(value: Value) -> Result<UnifiedRequest> {
        parse(value.to_string().as_bytes())
    }

    fn field_of(value: Value) -> (String, Option<Vec<String>>) {
        let err = parse_json(value).unwrap_err();
        assert_eq!(err.status(), 400, "{err}");
        (
            err.field().unwrap().to_owned(),
            err.allowed().map(<[String]>::to_vec),
        )
    }

    #[test]
    fn a_full_list_request() {
        let req = parse_json(json!({
            "provider": "nango", "resource": "crm.contact", "operation": "list",
            "params": {"page_size": 10, "cursor": "abc"}, "connectionId": "c1",
            "providerConfigKey": "hubspot"
        }))
        .unwrap();
        assert_eq!(req.params.page_size, 10);
        assert_eq!(req.params.cursor.as_deref(), Some("abc"));
        assert_eq!(req.connection.connection_id.as_deref(), Some("c1"));
        assert!(!req.remote_data);
    }

    #[test]
    fn every_mistake_names_its_field() {
        let base = json!({"provider": "nango", "resource": "crm.contact", "operation": "list"});
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        let (f, allowed) = field_of(with("provider", json!("zapier")));
        assert_eq!(f, "provider");
        assert_eq!(allowed.unwrap(), ["nango", "panora"]);
        assert_eq!(field_of(with("resource", json!("crm.deal"))).0, "resource");
        assert_eq!(field_of(with("operation", json!("delete"))).0, "operation");
        assert_eq!(field_of(with("operation", json!("get"))).0, "id");
        assert_eq!(field_of(with("operation", json!("create"))).0, "data");
        assert_eq!(
            field_of(with("params", json!({"page_size": 0}))).0,
            "params.page_size"
        );
        assert_eq!(
            field_of(with("params", json!({"page": "2"}))).0,
            "params.page"
        );
        assert_eq!(
            field_of(with("params", json!({"sort": ["x"]}))).0,
            "params.sort"
        );
        let mut get = with("operation", json!("get"));
        get["id"] = json!("1");
        get["params"] = json!({"sort": "x"});
        assert_eq!(field_of(get).0, "params.sort");
        assert_eq!(field_of(with("extra", json!(1))).0, "extra");
        assert_eq!(field_of(with("provider", json!(3))).0, "provider");
        assert_eq!(field_of(with("data", json!([1]))).0, "data");
        assert_eq!(
            field_of(with("connectionToken", json!("t"))).0,
            "connectionToken"
        );
    }

    #[test]
    fn closed_sets_depend_on_the_provider_and_resource() {
        let (f, allowed) = field_of(
            json!({"provider": "panora", "resource": "twilio.sms", "operation": "create"}),
        );
        assert_eq!(f, "resource");
        assert_eq!(allowed.unwrap(), ["crm.contact", "hr.employee"]);
        let (f, allowed) = field_of(
            json!({"provider": "nango", "resource": "whatsapp.message", "operation": "list"}),
        );
        assert_eq!(f, "operation");
        assert_eq!(allowed.unwrap(), ["create"]);
        let (_, allowed) = field_of(
            json!({"provider": "nango", "resource": "hr.employee", "operation": "create", "data": {"a": 1}}),
        );
        assert_eq!(allowed.unwrap(), ["list", "get"]);
    }

    #[test]
    fn list_params_beyond_the_unified_ones_pass_through_checked() {
        let list = |params: Value| {
            parse_json(json!({"provider": "nango", "resource": "crm.contact",
                "operation": "list", "params": params}))
        };
        let req =
            list(json!({"page": 1, "page_size": 50, "sort": "name", "archived": false, "n": 3}))
                .unwrap();
        assert_eq!(req.params.page_size, 50);
        let mut extra = req.params.extra.clone();
        extra.sort();
        assert_eq!(
            extra,
            [("archived", "false"), ("n", "3"), ("sort", "name")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        for (params, field) in [
            (json!({"a&b": "1"}), "params.a&b"),
            (json!({"a=b": "1"}), "params.a=b"),
            (json!({"a#b": "1"}), "params.a#b"),
            (json!({"x\r\nHost": "1"}), "params.x??Host"),
            (json!({"q": "a\r\nX-Injected: 1"}), "params.q"),
            (json!({"q": "x".repeat(10 * 1024)}), "params.q"),
            (json!({"q": {"nested": 1}}), "params.q"),
            (json!({"": "1"}), "params."),
        ] {
            let err = list(params.clone()).unwrap_err();
            assert_eq!((err.status(), err.field()), (400, Some(field)), "{params}");
        }
        let many: Map<String, Value> = (0..=MAX_EXTRA_PARAMS)
            .map(|i| (format!("k{i}"), json!(1)))
            .collect();
        assert_eq!(
            list(Value::Object(many)).unwrap_err().field(),
            Some("params")
        );
    }

    #[test]
    fn bodies_that_are_not_objects() {
        assert_eq!(parse(b"{").unwrap_err().field(), Some("body"));
        assert_eq!(parse(b"[1]").unwrap_err().field(), Some("body"));
    }

    #[test]
    fn the_connection_may_be_named_inside_data() {
        let req = parse_json(json!({
            "provider": "nango", "resource": "whatsapp.message", "operation": "create",
            "data": {"providerConfigKey": "whatsapp-business", "connectionId": "w1", "to": "1"}
        }))
        .unwrap();
        assert_eq!(req.connection.connection_id.as_deref(), Some("w1"));
        assert_eq!(
            req.connection.provider_config_key.as_deref(),
            Some("whatsapp-business")
        );
    }
}

//! `whatsapp.message` and `twilio.sms` over Nango's proxy. WhatsApp Cloud API messages go to
//! `POST /{version}/{phone number id}/messages` on graph.facebook.com (text or template);
//! Twilio SMS are form posts to `/2010-04-01/Accounts/{sid}/Messages.json` on api.twilio.com.
//! `data.baseUrlOverride` may only name graph.facebook.com or a base the operator allowed
//! (`PATCHBAY_WHATSAPP_BASE_URLS`): the connection's token goes wherever it points.

use reqwest::Method;
use serde_json::{Map, Value, json};

use url::Url;

use super::{
    model::{MessageReceipt, text_at},
    request::{kind, optional_string, reject_unknown},
    target::Target,
    upstream,
};
use crate::{
    Error, Result,
    nango::{NangoClient, ProxyRequest, types::GetConnectionOptions},
    upstream_path::UpstreamPath,
};

pub const WHATSAPP_BASE_URL: &str = "https://graph.facebook.com";
pub const WHATSAPP_API_VERSION: &str = "v20.0";
pub const TWILIO_BASE_URL: &str = "https://api.twilio.com";

/// The base URLs `data.baseUrlOverride` may name: [`WHATSAPP_BASE_URL`] and the ones the
/// operator added. A candidate matches when its scheme, host and port are the same and its path
/// is the base's path or goes on below it (whole segments); user info, queries and fragments
/// are never accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatsappBases(Vec<Url>);

impl Default for WhatsappBases {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl WhatsappBases {
    /// graph.facebook.com plus `extra` (already checked to be http(s) URLs by the config).
    pub fn new(extra: Vec<Url>) -> Self {
        let mut bases = Vec::with_capacity(extra.len() + 1);
        if let Ok(graph) = Url::parse(WHATSAPP_BASE_URL) {
            bases.push(graph);
        }
        for url in extra {
            if !bases.contains(&url) {
                bases.push(url);
            }
        }
        Self(bases)
    }

    /// The allowed bases as text, for the error's `allowed`.
    pub fn listed(&self) -> Vec<String> {
        self.0.iter().map(display_base).collect()
    }

    fn admits(&self, candidate: &Url) -> bool {
        self.0.iter().any(|base| under(base, candidate))
    }

    /// The normalised base to send, or a 400 naming `data.baseUrlOverride`.
    pub fn check(&self, raw: &str) -> Result<String> {
        match parse_base_url(raw) {
            Some(url) if self.admits(&url) => Ok(display_base(&url)),
            _ => Err(Error::InvalidField {
                field: "data.baseUrlOverride".to_owned(),
                message: format!(
                    "data.baseUrlOverride {:?} is not an allowed WhatsApp API base; use one of: {} (an operator can add more with PATCHBAY_WHATSAPP_BASE_URLS)",
                    raw.chars().take(200).collect::<String>(),
                    self.listed().join(", ")
                ),
                allowed: self.listed(),
            }),
        }
    }
}

/// `raw` as an API base URL: http(s) with a host and nothing but a path (no user info, query or
/// fragment). The one rule for operator-configured bases and caller-sent overrides.
pub fn parse_base_url(raw: &str) -> Option<Url> {
    crate::upstream_path::api_base(raw.trim()).filter(|u| {
        u.username().is_empty()
            && u.password().is_none()
            && u.query().is_none()
            && u.fragment().is_none()
    })
}

/// A base URL as sent and listed: its normalised text without a trailing `/`.
fn display_base(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_owned()
}

/// True when `candidate` is `base` or below it: same scheme, host and port, and a path that
/// continues the base's path at a segment boundary.
fn under(base: &Url, candidate: &Url) -> bool {
    let base_path = base.path().trim_end_matches('/');
    let path = candidate.path().trim_end_matches('/');
    candidate.scheme() == base.scheme()
        && candidate.host_str() == base.host_str()
        && candidate.port_or_known_default() == base.port_or_known_default()
        && (path == base_path
            || path
                .strip_prefix(base_path)
                .is_some_and(|rest| rest.starts_with('/')))
}

/// What a WhatsApp message says.
#[derive(Debug, Clone, PartialEq)]
pub enum WhatsappContent {
    Text { body: String, preview_url: bool },
    Template(Map<String, Value>),
}

/// A WhatsApp message to send, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatsappMessage {
    pub phone_number_id: String,
    pub to: String,
    pub content: WhatsappContent,
    pub api_version: String,
    pub base_url: String,
}

const WHATSAPP_FIELDS: [&str; 10] = [
    "providerConfigKey",
    "connectionId",
    "phoneNumberId",
    "type",
    "to",
    "body",
    "template",
    "apiVersion",
    "baseUrlOverride",
    "previewUrl",
];
const TWILIO_FIELDS: [&str; 9] = [
    "providerConfigKey",
    "connectionId",
    "From",
    "To",
    "Body",
    "from",
    "to",
    "body",
    "accountSid",
];

fn required(data: &Map<String, Value>, key: &str, hint: &str) -> Result<String> {
    let field = format!("data.{key}");
    optional_string(data, key, &field)?
        .ok_or_else(|| Error::invalid_field(&field, format!("{field} is required: {hint}")))
}

/// A phone number as the APIs want it: digits with an optional leading `+`.
fn phone(raw: String, field: &str) -> Result<String> {
    let digits = raw.strip_prefix('+').unwrap_or(&raw);
    if digits.len() >= 6 && digits.len() <= 15 && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(raw)
    } else {
        Err(Error::invalid_field(
            field,
            format!("{field} must be a phone number in international form, e.g. +14155550100"),
        ))
    }
}

impl WhatsappMessage {
    /// Checks `data`; `data.baseUrlOverride` must be one of `bases`.
    pub fn from_data(data: &Map<String, Value>, bases: &WhatsappBases) -> Result<Self> {
        reject_unknown(data, &WHATSAPP_FIELDS, "data.", "this message")?;
        let phone_number_id = required(
            data,
            "phoneNumberId",
            "the WhatsApp Business phone number id",
        )?;
        let to = phone(
            required(data, "to", "the recipient's phone number")?,
            "data.to",
        )?;
        let message_type = optional_string(data, "type", "data.type")?.unwrap_or_else(|| {
            if data.contains_key("template") {
                "template"
            } else {
                "text"
            }
            .to_owned()
        });
        let content = match message_type.as_str() {
            "text" => WhatsappContent::Text {
                body: required(data, "body", "the text of the message")?,
                preview_url: matches!(data.get("previewUrl"), Some(Value::Bool(true))),
            },
            "template" => WhatsappContent::Template(template(data)?),
            other => {
                return Err(Error::InvalidField {
                    field: "data.type".to_owned(),
                    message: format!("data.type {other:?} is not one of: text, template"),
                    allowed: vec!["text".to_owned(), "template".to_owned()],
                });
            }
        };
        let api_version = optional_string(data, "apiVersion", "data.apiVersion")?
            .unwrap_or_else(|| WHATSAPP_API_VERSION.to_owned());
        if !is_graph_version(&api_version) {
            return Err(Error::invalid_field(
                "data.apiVersion",
                "data.apiVersion must look like v20.0",
            ));
        }
        let base_url = match optional_string(data, "baseUrlOverride", "data.baseUrlOverride")? {
            Some(raw) => bases.check(&raw)?,
            None => WHATSAPP_BASE_URL.to_owned(),
        };
        Ok(Self {
            phone_number_id,
            to,
            content,
            api_version,
            base_url,
        })
    }

    /// The Graph API request body.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": self.to,
        });
        match &self.content {
            WhatsappContent::Text {
                body: text,
                preview_url,
            } => {
                body["type"] = json!("text");
                body["text"] = json!({ "preview_url": preview_url, "body": text });
            }
            WhatsappContent::Template(template) => {
                body["type"] = json!("template");
                body["template"] = Value::Object(template.clone());
            }
        }
        body
    }
}

fn is_graph_version(raw: &str) -> bool {
    raw.strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major
                    .chars()
                    .chain(minor.chars())
                    .all(|c| c.is_ascii_digit())
        })
}

/// `template`: `{name, language: "en_US" | {code}, components?}`.
fn template(data: &Map<String, Value>) -> Result<Map<String, Value>> {
    let Some(Value::Object(raw)) = data.get("template") else {
        let got = data.get("template").map_or("nothing", kind);
        return Err(Error::invalid_field(
            "data.template",
            format!(
                "data.template must be an object {{name, language}} for a template message, not {got}"
            ),
        ));
    };
    let name = optional_string(raw, "name", "data.template.name")?.ok_or_else(|| {
        Error::invalid_field("data.template.name", "data.template.name is required")
    })?;
    let language = match raw.get("language") {
        Some(Value::String(code)) if !code.trim().is_empty() => json!({ "code": code.trim() }),
        Some(Value::Object(o)) if o.get("code").and_then(Value::as_str).is_some() => {
            Value::Object(o.clone())
        }
        _ => {
            return Err(Error::invalid_field(
                "data.template.language",
                "data.template.language is required, e.g. \"en_US\" or {\"code\": \"en_US\"}",
            ));
        }
    };
    let mut template = Map::new();
    template.insert("name".to_owned(), json!(name));
    template.insert("language".to_owned(), language);
    match raw.get("components") {
        None | Some(Value::Null) => {}
        Some(Value::Array(c)) => {
            template.insert("components".to_owned(), Value::Array(c.clone()));
        }
        Some(other) => {
            return Err(Error::invalid_field(
                "data.template.components",
                format!(
                    "data.template.components must be an array, not {}",
                    kind(other)
                ),
            ));
        }
    }
    Ok(template)
}

/// Sends a WhatsApp message through the connection.
pub async fn send_whatsapp(
    nango: &NangoClient,
    target: &Target,
    message: &WhatsappMessage,
) -> Result<MessageReceipt> {
    let path = UpstreamPath::fixed("/")
        .segment("data.apiVersion", &message.api_version)?
        .segment("data.phoneNumberId", &message.phone_number_id)?
        .lit("messages");
    let request = ProxyRequest::new(
        Method::POST,
        path,
        &target.connection_id,
        &target.provider_config_key,
    )
    .base_url_override(&message.base_url)
    .json(&message.body())?;
    let answer = upstream::call(nango, target, request).await?;
    let message_id =
        text_at(&answer, "/messages/0/id").ok_or_else(|| Error::UpstreamUnavailable {
            provider: target.display_name.clone(),
            status: None,
            message: "the answer carried no message id".to_owned(),
        })?;
    Ok(MessageReceipt {
        message_id,
        to: text_at(&answer, "/contacts/0/wa_id").unwrap_or_else(|| message.to.clone()),
        status: text_at(&answer, "/messages/0/message_status")
            .unwrap_or_else(|| "accepted".to_owned()),
        remote_data: answer,
    })
}

/// An SMS to send, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub from: String,
    pub to: String,
    pub body: String,
    pub account_sid: Option<String>,
}

impl Sms {
    pub fn from_data(data: &Map<String, Value>) -> Result<Self> {
        reject_unknown(data, &TWILIO_FIELDS, "data.", "this message")?;
        let account_sid = optional_string(data, "accountSid", "data.accountSid")?;
        if let Some(sid) = &account_sid {
            check_account_sid(sid)?;
        }
        let (from, from_field) = either_case(data, "From", "the Twilio number to send from")?;
        let (to, to_field) = either_case(data, "To", "the recipient's phone number")?;
        let (body, _) = either_case(data, "Body", "the text of the message")?;
        Ok(Self {
            from: phone(from, &from_field)?,
            to: phone(to, &to_field)?,
            body,
            account_sid,
        })
    }
}

/// A Twilio field given as Twilio spells it (`From`) or in lower case (`from`), with the name
/// it came under. Both at once must agree; neither is a 400 naming Twilio's spelling.
fn either_case(data: &Map<String, Value>, key: &str, hint: &str) -> Result<(String, String)> {
    let lower = key.to_lowercase();
    let lower_field = format!("data.{lower}");
    match (
        optional_string(data, key, &format!("data.{key}"))?,
        optional_string(data, &lower, &lower_field)?,
    ) {
        (Some(a), Some(b)) if a != b => Err(Error::invalid_field(
            &lower_field,
            format!("{lower_field} and data.{key} disagree: give one of them"),
        )),
        (Some(value), _) => Ok((value, format!("data.{key}"))),
        (None, Some(value)) => Ok((value, lower_field)),
        (None, None) => Err(Error::invalid_field(
            format!("data.{key}"),
            format!("data.{key} is required: {hint}"),
        )),
    }
}

fn check_account_sid(sid: &str) -> Result<()> {
    if sid.len() == 34 && sid.starts_with("AC") && sid[2..].chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Error::invalid_field(
            "data.accountSid",
            "data.accountSid must be a Twilio Account SID: AC followed by 32 hex characters",
        ))
    }
}

/// The Account SID: the one given, else the connection's configuration (`accountSid` /
/// `account_sid`), else the username of a Basic-auth connection (Twilio's SID).
async fn account_sid(nango: &NangoClient, target: &Target, sms: &Sms) -> Result<String> {
    if let Some(sid) = &sms.account_sid {
        return Ok(sid.clone());
    }
    let connection = nango
        .get_connection(
            &target.connection_id,
            &target.provider_config_key,
            GetConnectionOptions::default(),
        )
        .await
        .map_err(|e| upstream::transport_error(&target.display_name, e))?;
    let config = connection.connection_config.unwrap_or(Value::Null);
    ["/accountSid", "/account_sid", "/AccountSid"]
        .iter()
        .find_map(|p| text_at(&config, p))
        .or_else(|| connection.credentials.field("username").map(str::to_owned))
        .filter(|sid| check_account_sid(sid).is_ok())
        .ok_or_else(|| {
            Error::invalid_field(
                "data.accountSid",
                "data.accountSid is required: the connection's configuration has no Twilio Account SID",
            )
        })
}

/// Sends an SMS through the connection.
pub async fn send_sms(nango: &NangoClient, target: &Target, sms: &Sms) -> Result<MessageReceipt> {
    let sid = account_sid(nango, target, sms).await?;
    let path = UpstreamPath::fixed("/2010-04-01/Accounts")
        .segment("data.accountSid", &sid)?
        .lit("Messages.json");
    let request = ProxyRequest::new(
        Method::POST,
        path,
        &target.connection_id,
        &target.provider_config_key,
    )
    .base_url_override(TWILIO_BASE_URL)
    .form(&[
        ("From", sms.from.as_str()),
        ("To", sms.to.as_str()),
        ("Body", sms.body.as_str()),
    ]);
    let answer = upstream::call(nango, target, request).await?;
    Ok(MessageReceipt {
        message_id: text_at(&answer, "/sid").unwrap_or_default(),
        to: text_at(&answer, "/to").unwrap_or_else(|| sms.to.clone()),
        status: text_at(&answer, "/status").unwrap_or_else(|| "queued".to_owned()),
        remote_data: answer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn text_messages_default_to_graph_v20() {
        let message = WhatsappMessage::from_data(
            &data(json!({
                "phoneNumberId": "1065", "to": "+14155550100", "body": "Hello"
            })),
            &WhatsappBases::default(),
        )
        .unwrap();
        assert_eq!(message.api_version, "v20.0");
        assert_eq!(message.base_url, "https://graph.facebook.com");
        assert_eq!(
            message.body(),
            json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+14155550100",
                   "type": "text", "text": {"preview_url": false, "body": "Hello"}})
        );
    }

    #[test]
    fn templates_and_overrides() {
        let bases = WhatsappBases::new(vec![Url::parse("https://graph.example.test").unwrap()]);
        let message = WhatsappMessage::from_data(
            &data(json!({
                "phoneNumberId": "1065", "to": "14155550100", "type": "template",
                "template": {"name": "hello_world", "language": "en_US"},
                "apiVersion": "v21.0", "baseUrlOverride": "https://graph.example.test/"
            })),
            &bases,
        )
        .unwrap();
        assert_eq!(message.body()["template"]["language"]["code"], "en_US");
        assert_eq!(message.api_version, "v21.0");
        assert_eq!(message.base_url, "https://graph.example.test");
    }

    #[test]
    fn whatsapp_mistakes_name_the_field() {
        let field = |v: Value| {
            WhatsappMessage::from_data(&data(v), &WhatsappBases::default())
                .unwrap_err()
                .field()
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            field(json!({"to": "+14155550100", "body": "x"})),
            "data.phoneNumberId"
        );
        assert_eq!(
            field(json!({"phoneNumberId": "1", "to": "call me", "body": "x"})),
            "data.to"
        );
        assert_eq!(
            field(json!({"phoneNumberId": "1", "to": "+14155550100"})),
            "data.body"
        );
        assert_eq!(
            field(json!({"phoneNumberId": "1", "to": "+14155550100", "type": "image"})),
            "data.type"
        );
        assert_eq!(
            field(
                json!({"phoneNumberId": "1", "to": "+14155550100", "type": "template", "template": {"name": "x"}})
            ),
            "data.template.language"
        );
        assert_eq!(
            field(
                json!({"phoneNumberId": "1", "to": "+14155550100", "body": "x", "apiVersion": "20"})
            ),
            "data.apiVersion"
        );
        assert_eq!(
            field(
                json!({"phoneNumberId": "1", "to": "+14155550100", "body": "x", "baseUrlOverride": "ftp://x"})
            ),
            "data.baseUrlOverride"
        );
    }

    #[test]
    fn base_url_overrides_are_only_the_allowed_bases() {
        let bases = WhatsappBases::new(vec![
            Url::parse("https://graph.example.test").unwrap(),
            Url::parse("http://10.0.0.5:8080/meta/").unwrap(),
        ]);
        for ok in [
            "https://graph.facebook.com",
            "https://graph.facebook.com/",
            "HTTPS://Graph.Facebook.com:443",
            "https://graph.example.test",
            "http://10.0.0.5:8080/meta",
            "http://10.0.0.5:8080/meta/v2",
        ] {
            assert!(bases.check(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            bases.check("HTTPS://Graph.Facebook.com:443/").unwrap(),
            "https://graph.facebook.com"
        );
        for bad in [
            "http://169.254.169.254/latest",
            "http://graph.facebook.com",
            "https://graph.facebook.com.evil.example",
            "https://graph.facebook.com@evil.example",
            "https://user@graph.facebook.com",
            "https://graph.facebook.com:8443",
            "https://evil.example/https://graph.facebook.com",
            "https://graph.facebook.com?x=1",
            "https://graph.facebook.com#x",
            "http://10.0.0.5:8080/metadata",
            "http://10.0.0.5:8080/meta/../admin",
            "http://10.0.0.5:8080/meta/%2e%2e/admin",
            "ftp://graph.facebook.com",
            "graph.facebook.com",
            "",
        ] {
            let err = bases.check(bad).expect_err(bad);
            assert_eq!(err.field(), Some("data.baseUrlOverride"), "{bad}");
            assert_eq!(err.status(), 400);
            assert_eq!(
                err.allowed().unwrap(),
                [
                    "https://graph.facebook.com",
                    "https://graph.example.test",
                    "http://10.0.0.5:8080/meta"
                ]
            );
        }
        let field = WhatsappMessage::from_data(
            &data(
                json!({"phoneNumberId": "1", "to": "+14155550100", "body": "x",
                         "baseUrlOverride": "http://169.254.169.254/latest"}),
            ),
            &WhatsappBases::default(),
        )
        .unwrap_err();
        assert_eq!(field.allowed().unwrap(), ["https://graph.facebook.com"]);
    }

    #[test]
    fn sms_fields() {
        let sms = Sms::from_data(&data(
            json!({"From": "+15005550006", "To": "+14155550100", "Body": "Hi"}),
        ))
        .unwrap();
        assert!(sms.account_sid.is_none());
        let field = |v: Value| {
            Sms::from_data(&data(v))
                .unwrap_err()
                .field()
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            field(json!({"To": "+14155550100", "Body": "Hi"})),
            "data.From"
        );
        assert_eq!(
            field(
                json!({"From": "+15005550006", "To": "+14155550100", "Body": "Hi", "accountSid": "AC1"})
            ),
            "data.accountSid"
        );
        assert_eq!(field(json!({"from": "+15005550006"})), "data.To");
        assert_eq!(field(json!({"fROM": "+15005550006"})), "data.fROM");
        assert_eq!(
            field(
                json!({"From": "+15005550006", "from": "+15005550007", "To": "+14155550100", "Body": "x"})
            ),
            "data.from"
        );
        assert_eq!(
            field(json!({"From": "+15005550006", "to": "call me", "Body": "x"})),
            "data.to"
        );
        let lower = Sms::from_data(&data(json!({
            "from": "+15005550006", "to": "+14155550100", "body": "Hi",
            "accountSid": "AC0123456789abcdef0123456789abcdef"
        })))
        .unwrap();
        assert_eq!(
            (lower.from.as_str(), lower.body.as_str()),
            ("+15005550006", "Hi")
        );
        assert!(lower.account_sid.is_some());
    }
}

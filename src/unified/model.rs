//! The unified records every provider is mapped to, and the checked input of a contact create.
//! Field names follow the common unified-API vocabulary (Merge, Apideck, Panora).

use serde::Serialize;
use serde_json::{Map, Value};

use super::{
    call::UnifiedRecord,
    request::{kind, optional_string, reject_unknown},
};
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailAddress {
    pub email_address: String,
    pub email_address_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneNumber {
    pub phone_number: String,
    pub phone_type: Option<String>,
}

/// A CRM contact from any provider.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnifiedContact {
    /// Patchbay's id for the record: `<provider config key>:<remote id>` for Nango, Panora's
    /// own id for Panora. `get` accepts it, or the bare remote id.
    pub id: String,
    pub remote_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email_addresses: Vec<EmailAddress>,
    pub phone_numbers: Vec<PhoneNumber>,
    pub company: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_data: Option<Value>,
}

/// An employee from any HR system.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnifiedEmployee {
    pub id: String,
    pub remote_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: Option<String>,
    pub work_email: Option<String>,
    pub mobile_phone: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub employment_status: Option<String>,
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_data: Option<Value>,
}

impl UnifiedRecord for UnifiedContact {
    fn remote_id(&self) -> &str {
        &self.remote_id
    }
    fn set_id(&mut self, id: String) {
        self.id = id;
    }
    fn set_remote_data(&mut self, raw: Option<Value>) {
        self.remote_data = raw;
    }
}

impl UnifiedRecord for UnifiedEmployee {
    fn remote_id(&self) -> &str {
        &self.remote_id
    }
    fn set_id(&mut self, id: String) {
        self.id = id;
    }
    fn set_remote_data(&mut self, raw: Option<Value>) {
        self.remote_data = raw;
    }
}

/// What a messaging provider said about a message it accepted.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageReceipt {
    pub message_id: String,
    pub to: String,
    pub status: String,
    pub remote_data: Value,
}

/// One page of records.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The provider position of the next page, `None` on the last page.
    pub next: Option<String>,
}

/// A contact to create, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email_addresses: Vec<EmailAddress>,
    pub phone_numbers: Vec<PhoneNumber>,
    pub company: Option<String>,
}

impl ContactInput {
    pub const FIELDS: [&'static str; 7] = [
        "first_name",
        "last_name",
        "email_addresses",
        "phone_numbers",
        "company",
        "email",
        "phone",
    ];

    /// Reads `data` of a `crm.contact` create. `email` and `phone` are the simple forms of
    /// one-element `email_addresses` and `phone_numbers`; given beside them they must name one
    /// of their entries.
    pub fn from_data(data: &Map<String, Value>) -> Result<Self> {
        reject_unknown(data, &Self::FIELDS, "data.", "a contact")?;
        let mut input = Self {
            first_name: optional_string(data, "first_name", "data.first_name")?,
            last_name: optional_string(data, "last_name", "data.last_name")?,
            email_addresses: list(
                data,
                "email_addresses",
                "email_address",
                "email_address_type",
            )?
            .into_iter()
            .map(|(email_address, email_address_type)| EmailAddress {
                email_address,
                email_address_type,
            })
            .collect(),
            phone_numbers: list(data, "phone_numbers", "phone_number", "phone_type")?
                .into_iter()
                .map(|(phone_number, phone_type)| PhoneNumber {
                    phone_number,
                    phone_type,
                })
                .collect(),
            company: optional_string(data, "company", "data.company")?,
        };
        if let Some(email) = optional_string(data, "email", "data.email")? {
            if !looks_like_email(&email) {
                return Err(Error::invalid_field(
                    "data.email",
                    format!("{email:?} is not an email address"),
                ));
            }
            let listed = input.email_addresses.iter().map(|e| &e.email_address);
            if simple_form_adds(&email, listed, "email", "email_addresses")? {
                input.email_addresses.push(EmailAddress {
                    email_address: email,
                    email_address_type: None,
                });
            }
        }
        if let Some(phone) = optional_string(data, "phone", "data.phone")? {
            let listed = input.phone_numbers.iter().map(|p| &p.phone_number);
            if simple_form_adds(&phone, listed, "phone", "phone_numbers")? {
                input.phone_numbers.push(PhoneNumber {
                    phone_number: phone,
                    phone_type: None,
                });
            }
        }
        for (i, email) in input.email_addresses.iter().enumerate() {
            if !looks_like_email(&email.email_address) {
                return Err(Error::invalid_field(
                    format!("data.email_addresses[{i}].email_address"),
                    format!("{:?} is not an email address", email.email_address),
                ));
            }
        }
        if input.first_name.is_none()
            && input.last_name.is_none()
            && input.email_addresses.is_empty()
        {
            return Err(Error::invalid_field(
                "data",
                "a contact needs at least first_name, last_name or one of email_addresses",
            ));
        }
        Ok(input)
    }

    pub fn primary_email(&self) -> Option<&str> {
        self.email_addresses
            .first()
            .map(|e| e.email_address.as_str())
    }

    pub fn primary_phone(&self) -> Option<&str> {
        self.phone_numbers.first().map(|p| p.phone_number.as_str())
    }

    /// "First Last", or whichever part there is.
    pub fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// Whether the simple form `data.<key>` adds an entry: yes when `data.<list>` is empty, no when
/// it already holds the value, a 400 naming `data.<key>` when the two disagree.
fn simple_form_adds<'a>(
    value: &str,
    mut listed: impl Iterator<Item = &'a String>,
    key: &str,
    list: &str,
) -> Result<bool> {
    match listed.next() {
        None => Ok(true),
        Some(first) => {
            let mut all = std::iter::once(first).chain(listed);
            if all.any(|v| v.eq_ignore_ascii_case(value)) {
                Ok(false)
            } else {
                Err(Error::invalid_field(
                    format!("data.{key}"),
                    format!(
                        "data.{key} and data.{list} disagree: give one of them, or a data.{key} that data.{list} lists"
                    ),
                ))
            }
        }
    }
}

fn looks_like_email(raw: &str) -> bool {
    raw.split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
}

/// Reads `[{value_key: "...", type_key: "..."}]` at `data.key`.
fn list(
    data: &Map<String, Value>,
    key: &str,
    value_key: &str,
    type_key: &str,
) -> Result<Vec<(String, Option<String>)>> {
    let items = match data.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(Error::invalid_field(
                format!("data.{key}"),
                format!("data.{key} must be an array, not {}", kind(other)),
            ));
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let field = format!("data.{key}[{i}]");
            let Value::Object(item) = item else {
                return Err(Error::invalid_field(
                    &field,
                    format!("{field} must be an object with {value_key}"),
                ));
            };
            let value = optional_string(item, value_key, &format!("{field}.{value_key}"))?
                .ok_or_else(|| {
                    Error::invalid_field(
                        format!("{field}.{value_key}"),
                        format!("{field}.{value_key} is required"),
                    )
                })?;
            let kind = optional_string(item, type_key, &format!("{field}.{type_key}"))?;
            Ok((value, kind))
        })
        .collect()
}

/// A string at a JSON pointer, if there is one (numbers are turned into text).
pub fn text_at(value: &Value, pointer: &str) -> Option<String> {
    match value.pointer(pointer)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn reads_a_contact() {
        let input = ContactInput::from_data(&data(json!({
            "first_name": "Ada", "last_name": "Lovelace",
            "email_addresses": [{"email_address": "ada@example.com", "email_address_type": "WORK"}],
            "phone_numbers": [{"phone_number": "+441234"}], "company": "Engines"
        })))
        .unwrap();
        assert_eq!(input.full_name().as_deref(), Some("Ada Lovelace"));
        assert_eq!(input.primary_email(), Some("ada@example.com"));
        assert_eq!(input.primary_phone(), Some("+441234"));
    }

    #[test]
    fn names_the_bad_field() {
        let field = |v: Value| {
            ContactInput::from_data(&data(v))
                .unwrap_err()
                .field()
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            field(json!({"email_addresses": [{"email_address": "nope"}]})),
            "data.email_addresses[0].email_address"
        );
        assert_eq!(
            field(json!({"email_addresses": "a@b.c"})),
            "data.email_addresses"
        );
        assert_eq!(
            field(json!({"last_name": "x", "phone_numbers": [{}]})),
            "data.phone_numbers[0].phone_number"
        );
        assert_eq!(field(json!({"nickname": "x"})), "data.nickname");
        assert_eq!(field(json!({"company": "Only a company"})), "data");
        assert_eq!(field(json!({"email": "nope"})), "data.email");
        assert_eq!(field(json!({"email": ["a@b.co"]})), "data.email");
        assert_eq!(
            field(json!({"email": "a@b.co", "email_addresses": [{"email_address": "c@d.co"}]})),
            "data.email"
        );
        assert_eq!(
            field(
                json!({"first_name": "A", "phone": "+1555", "phone_numbers": [{"phone_number": "+1666"}]})
            ),
            "data.phone"
        );
    }

    #[test]
    fn the_documented_simple_forms() {
        let input = ContactInput::from_data(&data(json!({
            "email": "test@example.com", "first_name": "Test", "phone": "+15550100"
        })))
        .unwrap();
        assert_eq!(input.primary_email(), Some("test@example.com"));
        assert_eq!(input.primary_phone(), Some("+15550100"));
        let both = ContactInput::from_data(&data(json!({
            "email": "ADA@example.com",
            "email_addresses": [{"email_address": "ada@example.com", "email_address_type": "WORK"}]
        })))
        .unwrap();
        assert_eq!(both.email_addresses.len(), 1, "agreeing forms add nothing");
        assert_eq!(
            both.email_addresses[0].email_address_type.as_deref(),
            Some("WORK")
        );
    }
}

//! Panora's CRM contacts (`/crm/contacts`, its `UnifiedCrmContactOutput`) as a `crm.contact`
//! provider: pages by Panora's cursor; a create needs both names and has no company.

use serde_json::{Value, json};

use super::{check_id, flag, records};
use crate::{
    Error, Result,
    unified::{
        call::{Call, ListQuery, no_updated_since},
        crm::ContactProvider,
        model::{ContactInput, EmailAddress, Page, PhoneNumber, UnifiedContact, text_at},
        reader::{self, Reader},
    },
    upstream_path::UpstreamPath,
};

const CONTACTS_PATH: &str = "/crm/contacts";

pub const CONTACTS: ContactProvider = ContactProvider {
    key: "panora",
    display_name: "Panora",
    read: Reader {
        list: list_call,
        paging: &["limit", "cursor", "remote_data"],
        page,
        offset_position: reader::by_cursor,
        get: get_call,
        record: reader::whole,
        map: contact,
    },
    create: create_call,
    created: |answer, _| answer,
};

pub fn list_call(query: &ListQuery<'_>) -> Result<Call> {
    if query.updated_since.is_some() {
        return Err(no_updated_since("Panora"));
    }
    let mut call = Call::get(UpstreamPath::fixed(CONTACTS_PATH))
        .query("limit", query.size.to_string())
        .query("remote_data", flag(query.remote_data));
    if let Some(cursor) = query.position {
        call = call.query("cursor", cursor);
    }
    Ok(call)
}

pub fn page(body: &Value, _query: &ListQuery<'_>) -> Page<Value> {
    Page {
        items: records(body),
        next: text_at(body, "/next_cursor"),
    }
}

pub fn get_call(id: &str, remote_data: bool) -> Result<Call> {
    check_id(id)?;
    Ok(
        Call::get(UpstreamPath::fixed(CONTACTS_PATH).segment("id", id)?)
            .query("remote_data", flag(remote_data)),
    )
}

pub fn create_call(input: &ContactInput, remote_data: bool) -> Result<Call> {
    // Panora's validator requires both names and has no company on a contact.
    for (value, field) in [
        (&input.first_name, "data.first_name"),
        (&input.last_name, "data.last_name"),
    ] {
        if value.is_none() {
            return Err(Error::invalid_field(
                field,
                format!("{field} is required by Panora"),
            ));
        }
    }
    if input.company.is_some() {
        return Err(Error::invalid_field(
            "data.company",
            "Panora's contact has no company field; leave data.company out",
        ));
    }
    let body = json!({
        "first_name": input.first_name,
        "last_name": input.last_name,
        "email_addresses": input.email_addresses.iter().map(|e| json!({
            "email_address": e.email_address,
            "email_address_type": e.email_address_type.as_deref().unwrap_or("WORK"),
            "owner_type": "CONTACT",
        })).collect::<Vec<_>>(),
        "phone_numbers": input.phone_numbers.iter().map(|p| json!({
            "phone_number": p.phone_number,
            "phone_type": p.phone_type.as_deref().unwrap_or("MOBILE"),
            "owner_type": "CONTACT",
        })).collect::<Vec<_>>(),
    });
    Ok(
        Call::post(UpstreamPath::fixed(CONTACTS_PATH), body)
            .query("remote_data", flag(remote_data)),
    )
}

/// Maps Panora's contact (its own `id` and `remote_data` are set by the backend).
pub fn contact(record: &Value) -> UnifiedContact {
    let t = |p: &str| text_at(record, p);
    let list = |key: &str, value: &str, kind: &str| -> Vec<(String, Option<String>)> {
        record
            .get(key)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| Some((text_at(i, value)?, text_at(i, kind))))
                    .collect()
            })
            .unwrap_or_default()
    };
    UnifiedContact {
        id: String::new(),
        remote_id: t("/remote_id").unwrap_or_default(),
        first_name: t("/first_name"),
        last_name: t("/last_name"),
        email_addresses: list("email_addresses", "/email_address", "/email_address_type")
            .into_iter()
            .map(|(email_address, email_address_type)| EmailAddress {
                email_address,
                email_address_type,
            })
            .collect(),
        phone_numbers: list("phone_numbers", "/phone_number", "/phone_type")
            .into_iter()
            .map(|(phone_number, phone_type)| PhoneNumber {
                phone_number,
                phone_type,
            })
            .collect(),
        company: None,
        created_at: t("/created_at"),
        updated_at: t("/modified_at"),
        remote_data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_panora_contacts_with_their_real_field_names() {
        let c = contact(
            &json!({"id": "u1", "remote_id": "12345", "first_name": "Ada",
            "email_addresses": [{"email_address": "ada@example.com", "email_address_type": "WORK"}],
            "phone_numbers": [{"phone_number": "+33612345678", "phone_type": "MOBILE"}],
            "addresses": [{"street_1": "x", "id_crm_address": "y"}],
            "modified_at": "2024-10-01T12:00:00Z", "remote_data": {"a": 1}}),
        );
        assert_eq!(
            c.email_addresses[0].email_address_type.as_deref(),
            Some("WORK")
        );
        assert_eq!(c.phone_numbers[0].phone_number, "+33612345678");
        assert_eq!(c.updated_at.as_deref(), Some("2024-10-01T12:00:00Z"));
        assert!(
            c.remote_data.is_none(),
            "remote_data is the backend's to add"
        );
    }
}

//! GoHighLevel contacts: pages by `startAfterId`; no "updated since" filter on its list.

use serde_json::{Value, json};

use super::{ContactProvider, emails, phones};
use crate::{
    Result,
    unified::{
        call::{Call, ListQuery, items, no_updated_since, with_id},
        model::{ContactInput, Page, UnifiedContact, text_at},
        reader::{self, Reader},
    },
    upstream_path::UpstreamPath,
};

const CONTACTS_PATH: &str = "/contacts";

pub const CONTACTS: ContactProvider = ContactProvider {
    key: "highlevel",
    display_name: "GoHighLevel",
    read: Reader {
        list: list_call,
        paging: &["limit", "startAfterId"],
        page,
        offset_position: reader::by_cursor,
        get: get_call,
        record: inner,
        map: contact,
    },
    create: create_call,
    created: |answer, _| inner(answer).unwrap_or(Value::Null),
};

pub fn list_call(query: &ListQuery<'_>) -> Result<Call> {
    if query.updated_since.is_some() {
        return Err(no_updated_since("GoHighLevel"));
    }
    let mut call =
        Call::get(UpstreamPath::fixed(CONTACTS_PATH)).query("limit", query.size.to_string());
    if let Some(after) = query.position {
        call = call.query("startAfterId", after);
    }
    Ok(call)
}

pub fn page(body: &Value, _query: &ListQuery<'_>) -> Page<Value> {
    Page {
        items: items(body, "/contacts"),
        next: text_at(body, "/meta/startAfterId"),
    }
}

pub fn get_call(remote_id: &str, _remote_data: bool) -> Result<Call> {
    Ok(Call::get(with_id(
        UpstreamPath::fixed(CONTACTS_PATH),
        remote_id,
    )?))
}

/// GoHighLevel wraps a single record in `contact`.
fn inner(answer: Value) -> Option<Value> {
    answer.get("contact").cloned()
}

pub fn create_call(input: &ContactInput, _remote_data: bool) -> Result<Call> {
    Ok(Call::post(
        UpstreamPath::fixed(CONTACTS_PATH),
        json!({
            "firstName": input.first_name, "lastName": input.last_name,
            "email": input.primary_email(), "phone": input.primary_phone(),
            "companyName": input.company,
        }),
    ))
}

/// Maps a GoHighLevel contact.
pub fn contact(record: &Value) -> UnifiedContact {
    let t = |p: &str| text_at(record, p);
    UnifiedContact {
        id: String::new(),
        remote_id: t("/id").unwrap_or_default(),
        first_name: t("/firstName"),
        last_name: t("/lastName"),
        email_addresses: emails(vec![(t("/email"), None)]),
        phone_numbers: phones(vec![(t("/phone"), None)]),
        company: t("/companyName"),
        created_at: t("/dateAdded"),
        updated_at: t("/dateUpdated"),
        remote_data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_a_contact() {
        let c = contact(&json!({"id": "g1", "firstName": "Ken"}));
        assert_eq!(
            (c.remote_id.as_str(), c.first_name.as_deref()),
            ("g1", Some("Ken"))
        );
    }
}

//! HubSpot contacts (CRM v3 objects API): pages by the `after` token, reads the properties
//! Patchbay maps, and lists changed records through the search API.

use serde_json::{Map, Value, json};

use super::{ContactProvider, emails, phones};
use crate::{
    Result,
    unified::{
        call::{Call, ListQuery, checked_time, items, with_id},
        model::{ContactInput, Page, UnifiedContact, text_at},
        reader::{self, Reader},
    },
    upstream_path::UpstreamPath,
};

const CONTACTS_PATH: &str = "/crm/v3/objects/contacts";
const PROPERTIES: &str = "firstname,lastname,email,phone,company,createdate,lastmodifieddate";

pub const CONTACTS: ContactProvider = ContactProvider {
    key: "hubspot",
    display_name: "HubSpot",
    read: Reader {
        list: list_call,
        paging: &["limit", "after", "properties"],
        page,
        offset_position: reader::by_cursor,
        get: get_call,
        record: reader::whole,
        map: contact,
    },
    create: create_call,
    created: |answer, _| answer,
};

/// A page of contacts; with `updated_since`, the search API sorted by modification time.
pub fn list_call(query: &ListQuery<'_>) -> Result<Call> {
    let size = query.size.to_string();
    if let Some(since) = query.updated_since {
        let mut body = json!({
            "filterGroups": [{"filters": [
                {"propertyName": "lastmodifieddate", "operator": "GTE", "value": checked_time(since)?}
            ]}],
            "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
            "properties": PROPERTIES.split(',').collect::<Vec<_>>(),
            "limit": query.size,
        });
        if let Some(after) = query.position {
            body["after"] = json!(after);
        }
        return Ok(Call::post(
            UpstreamPath::fixed(CONTACTS_PATH).lit("search"),
            body,
        ));
    }
    let mut call = Call::get(UpstreamPath::fixed(CONTACTS_PATH))
        .query("limit", size)
        .query("properties", PROPERTIES);
    if let Some(after) = query.position {
        call = call.query("after", after);
    }
    Ok(call)
}

pub fn page(body: &Value, _query: &ListQuery<'_>) -> Page<Value> {
    Page {
        items: items(body, "/results"),
        next: text_at(body, "/paging/next/after"),
    }
}

pub fn get_call(remote_id: &str, _remote_data: bool) -> Result<Call> {
    Ok(
        Call::get(with_id(UpstreamPath::fixed(CONTACTS_PATH), remote_id)?)
            .query("properties", PROPERTIES),
    )
}

pub fn create_call(input: &ContactInput, _remote_data: bool) -> Result<Call> {
    Ok(Call::post(
        UpstreamPath::fixed(CONTACTS_PATH),
        json!({ "properties": properties(input) }),
    ))
}

/// The properties of a new contact, leaving out what is unknown.
pub fn properties(input: &ContactInput) -> Map<String, Value> {
    let mut properties = Map::new();
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            properties.insert(k.to_owned(), json!(v));
        }
    };
    put("firstname", input.first_name.as_deref());
    put("lastname", input.last_name.as_deref());
    put("email", input.primary_email());
    put("phone", input.primary_phone());
    put("company", input.company.as_deref());
    properties
}

/// Maps a HubSpot contact object.
pub fn contact(record: &Value) -> UnifiedContact {
    let t = |p: &str| text_at(record, p);
    UnifiedContact {
        id: String::new(),
        remote_id: t("/id")
            .or_else(|| t("/properties/hs_object_id"))
            .unwrap_or_default(),
        first_name: t("/properties/firstname"),
        last_name: t("/properties/lastname"),
        email_addresses: emails(vec![(t("/properties/email"), None)]),
        phone_numbers: phones(vec![(t("/properties/phone"), None)]),
        company: t("/properties/company"),
        created_at: t("/createdAt").or_else(|| t("/properties/createdate")),
        updated_at: t("/updatedAt").or_else(|| t("/properties/lastmodifieddate")),
        remote_data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unified::model::EmailAddress;

    #[test]
    fn maps_a_contact_and_leaves_out_unknown_properties() {
        let c =
            contact(&json!({"id": "7", "properties": {"firstname": "Ada", "email": "ada@x.io"}}));
        assert_eq!(c.remote_id, "7");
        assert_eq!(c.email_addresses[0].email_address, "ada@x.io");
        assert!(c.phone_numbers.is_empty());
        let input = ContactInput {
            first_name: Some("Ada".into()),
            email_addresses: vec![EmailAddress {
                email_address: "ada@x.io".into(),
                email_address_type: None,
            }],
            ..ContactInput::default()
        };
        assert_eq!(properties(&input).len(), 2);
    }

    #[test]
    fn changed_contacts_come_from_the_search_api() {
        let query = ListQuery {
            updated_since: Some("2026-01-01T00:00:00Z"),
            ..ListQuery::first(10)
        }
        .at(Some("20"));
        let call = list_call(&query).unwrap();
        assert_eq!(call.path.as_str(), "/crm/v3/objects/contacts/search");
        let body = call.json.unwrap();
        assert_eq!(body["after"], "20");
        assert_eq!(
            body["filterGroups"][0]["filters"][0]["value"],
            "2026-01-01T00:00:00Z"
        );
        let injected = ListQuery {
            updated_since: Some("1\"}]"),
            ..ListQuery::first(10)
        };
        assert!(list_call(&injected).is_err());
    }
}

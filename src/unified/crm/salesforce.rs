//! Salesforce contacts (REST API, SOQL): pages by a SOQL offset (one row more than asked says
//! whether another page exists) and lists changed records with `LastModifiedDate`.

use serde_json::{Value, json};

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

const VERSION: &str = "v60.0";
const FIELDS: &str =
    "Id, FirstName, LastName, Email, Phone, Account.Name, CreatedDate, LastModifiedDate";

pub const CONTACTS: ContactProvider = ContactProvider {
    key: "salesforce",
    display_name: "Salesforce",
    read: Reader {
        list: list_call,
        paging: &["q"],
        page,
        offset_position: reader::by_offset,
        get: get_call,
        record: reader::whole,
        map: contact,
    },
    create: create_call,
    // Salesforce answers only `{id, success}`: the record is what was sent, with that id.
    created: |answer, sent| {
        let mut record = sent.json.clone().unwrap_or(Value::Null);
        record["Id"] = answer.get("id").cloned().unwrap_or(Value::Null);
        record
    },
};

/// `/services/data/{version}`, Salesforce's REST root.
fn root() -> UpstreamPath {
    UpstreamPath::fixed("/services/data").lit(VERSION)
}

fn offset(query: &ListQuery<'_>) -> u32 {
    query.position.and_then(|p| p.parse().ok()).unwrap_or(0)
}

pub fn list_call(query: &ListQuery<'_>) -> Result<Call> {
    let filter = match query.updated_since {
        Some(since) => format!(" WHERE LastModifiedDate >= {}", checked_time(since)?),
        None => String::new(),
    };
    let soql = format!(
        "SELECT {FIELDS} FROM Contact{filter} ORDER BY CreatedDate, Id LIMIT {} OFFSET {}",
        query.size + 1,
        offset(query)
    );
    Ok(Call::get(root().lit("query")).query("q", soql))
}

pub fn page(body: &Value, query: &ListQuery<'_>) -> Page<Value> {
    let mut records = items(body, "/records");
    let more = records.len() > query.size as usize;
    records.truncate(query.size as usize);
    Page {
        items: records,
        next: more.then(|| (offset(query) + query.size).to_string()),
    }
}

pub fn get_call(remote_id: &str, _remote_data: bool) -> Result<Call> {
    Ok(Call::get(with_id(
        root().lit("sobjects/Contact"),
        remote_id,
    )?))
}

pub fn create_call(input: &ContactInput, _remote_data: bool) -> Result<Call> {
    Ok(Call::post(
        root().lit("sobjects/Contact"),
        json!({
            "FirstName": input.first_name, "LastName": input.last_name,
            "Email": input.primary_email(), "Phone": input.primary_phone(),
        }),
    ))
}

/// Maps a Salesforce Contact.
pub fn contact(record: &Value) -> UnifiedContact {
    let t = |p: &str| text_at(record, p);
    UnifiedContact {
        id: String::new(),
        remote_id: t("/Id").unwrap_or_default(),
        first_name: t("/FirstName"),
        last_name: t("/LastName"),
        email_addresses: emails(vec![(t("/Email"), None)]),
        phone_numbers: phones(vec![(t("/Phone"), None)]),
        company: t("/Account/Name"),
        created_at: t("/CreatedDate"),
        updated_at: t("/LastModifiedDate"),
        remote_data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_a_contact_and_filters_by_modification() {
        let c =
            contact(&json!({"Id": "003A", "LastName": "Turing", "Account": {"Name": "Enigma"}}));
        assert_eq!(c.company.as_deref(), Some("Enigma"));
        let query = ListQuery {
            updated_since: Some("2026-01-01T00:00:00Z"),
            ..ListQuery::first(5)
        };
        let call = list_call(&query).unwrap();
        assert!(
            call.query_value("q")
                .unwrap()
                .contains("WHERE LastModifiedDate >= 2026-01-01T00:00:00Z ORDER BY"),
            "{call:?}"
        );
    }
}

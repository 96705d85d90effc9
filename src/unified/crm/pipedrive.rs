//! Pipedrive persons (API v1): pages by `start` offset, labelled email and phone lists, and
//! times in UTC without a zone. Its persons list has no "updated since" filter.

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

const PERSONS_PATH: &str = "/v1/persons";

pub const CONTACTS: ContactProvider = ContactProvider {
    key: "pipedrive",
    display_name: "Pipedrive",
    read: Reader {
        list: list_call,
        paging: &["start", "limit"],
        page,
        offset_position: reader::by_offset,
        get: get_call,
        record: data,
        map: contact,
    },
    create: create_call,
    created: |answer, _| data(answer).unwrap_or(Value::Null),
};

pub fn list_call(query: &ListQuery<'_>) -> Result<Call> {
    if query.updated_since.is_some() {
        return Err(no_updated_since("Pipedrive"));
    }
    Ok(Call::get(UpstreamPath::fixed(PERSONS_PATH))
        .query("start", query.position.unwrap_or("0"))
        .query("limit", query.size.to_string()))
}

pub fn page(body: &Value, _query: &ListQuery<'_>) -> Page<Value> {
    let more = body
        .pointer("/additional_data/pagination/more_items_in_collection")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Page {
        items: items(body, "/data"),
        next: more
            .then(|| text_at(body, "/additional_data/pagination/next_start"))
            .flatten(),
    }
}

pub fn get_call(remote_id: &str, _remote_data: bool) -> Result<Call> {
    Ok(Call::get(with_id(
        UpstreamPath::fixed(PERSONS_PATH),
        remote_id,
    )?))
}

/// Pipedrive wraps every record in `data`.
fn data(answer: Value) -> Option<Value> {
    answer.get("data").cloned()
}

pub fn create_call(input: &ContactInput, _remote_data: bool) -> Result<Call> {
    Ok(Call::post(UpstreamPath::fixed(PERSONS_PATH), person(input)))
}

/// A new person: the name (or the email when there is none) and labelled lists.
pub fn person(input: &ContactInput) -> Value {
    let list = |values: Vec<(&str, Option<&str>)>| -> Vec<Value> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, (value, label))| {
                json!({"value": value, "primary": i == 0, "label": label.map_or("work".to_owned(), str::to_lowercase)})
            })
            .collect()
    };
    json!({
        "name": input.full_name().or_else(|| input.primary_email().map(str::to_owned)),
        "email": list(input.email_addresses.iter().map(|e| (e.email_address.as_str(), e.email_address_type.as_deref())).collect()),
        "phone": list(input.phone_numbers.iter().map(|p| (p.phone_number.as_str(), p.phone_type.as_deref())).collect()),
    })
}

/// Pipedrive's `[{value, label, primary}]` lists.
fn labelled(record: &Value, key: &str) -> Vec<(Option<String>, Option<String>)> {
    items(record, &format!("/{key}"))
        .iter()
        .map(|item| {
            (
                text_at(item, "/value"),
                text_at(item, "/label").map(|l| l.to_uppercase()),
            )
        })
        .collect()
}

/// Pipedrive's `2026-01-01 00:00:00` (UTC) as RFC 3339.
fn time(raw: Option<String>) -> Option<String> {
    raw.map(|t| match t.split_once(' ') {
        Some((date, time)) => format!("{date}T{time}Z"),
        None => t,
    })
}

/// Maps a Pipedrive person; a single `name` is split at its first space.
pub fn contact(record: &Value) -> UnifiedContact {
    let t = |p: &str| text_at(record, p);
    let name = t("/name").unwrap_or_default();
    let (first, last) = name
        .split_once(' ')
        .map_or((name.as_str(), ""), |(f, l)| (f, l));
    UnifiedContact {
        id: String::new(),
        remote_id: t("/id").unwrap_or_default(),
        first_name: t("/first_name").or_else(|| (!first.is_empty()).then(|| first.to_owned())),
        last_name: t("/last_name").or_else(|| (!last.is_empty()).then(|| last.to_owned())),
        email_addresses: emails(labelled(record, "email")),
        phone_numbers: phones(labelled(record, "phone")),
        company: t("/org_name").or_else(|| t("/org_id/name")),
        created_at: time(t("/add_time")),
        updated_at: time(t("/update_time")),
        remote_data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_a_person() {
        let c = contact(&json!({"id": 3, "name": "Grace Brewster Hopper",
            "email": [{"value": "g@x.io", "label": "work"}], "add_time": "2026-01-01 10:00:00"}));
        assert_eq!(c.remote_id, "3");
        assert_eq!(c.first_name.as_deref(), Some("Grace"));
        assert_eq!(c.last_name.as_deref(), Some("Brewster Hopper"));
        assert_eq!(
            c.email_addresses[0].email_address_type.as_deref(),
            Some("WORK")
        );
        assert_eq!(c.created_at.as_deref(), Some("2026-01-01T10:00:00Z"));
        let input = ContactInput {
            first_name: Some("Ada".into()),
            ..ContactInput::default()
        };
        assert_eq!(person(&input)["name"], "Ada");
    }
}

//! Panora as a second unified-API backend (panora-api.md): its client, the mapping of its CRM
//! contacts and HRIS employees to Patchbay's unified records, and the connection token each
//! organisation keeps for it.

pub mod client;
pub mod link;

use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};

pub use client::{PanoraClient, PanoraConfig};

use crate::{
    Error, Result,
    unified::model::{
        ContactInput, EmailAddress, Page, PhoneNumber, UnifiedContact, UnifiedEmployee, text_at,
    },
    upstream_path::UpstreamPath,
};

/// Panora ids are UUIDs; anything else would only earn a 500 from Panora (A.9).
fn check_id(id: &str) -> Result<()> {
    uuid::Uuid::parse_str(id).map(|_| ()).map_err(|_| {
        Error::invalid_field("id", "Panora ids are UUIDs (the `id` of a listed record)")
    })
}

fn flag(on: bool) -> String {
    on.to_string()
}

fn records(body: &Value) -> Vec<Value> {
    body.get("data")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

pub async fn list_contacts(
    client: &PanoraClient,
    token: &str,
    position: Option<&str>,
    size: u32,
    remote_data: bool,
) -> Result<Page<UnifiedContact>> {
    let mut query = vec![
        ("limit", size.to_string()),
        ("remote_data", flag(remote_data)),
    ];
    if let Some(cursor) = position {
        query.push(("cursor", cursor.to_owned()));
    }
    let body = client
        .get(&UpstreamPath::fixed("/crm/contacts"), &query, token)
        .await?;
    Ok(Page {
        items: records(&body)
            .iter()
            .map(|c| contact(c, remote_data))
            .collect(),
        next: text_at(&body, "/next_cursor"),
    })
}

pub async fn get_contact(
    client: &PanoraClient,
    token: &str,
    id: &str,
    remote_data: bool,
) -> Result<UnifiedContact> {
    check_id(id)?;
    let path = UpstreamPath::fixed("/crm/contacts").segment("id", id)?;
    let body = client
        .get(&path, &[("remote_data", flag(remote_data))], token)
        .await?;
    Ok(contact(&body, remote_data))
}

pub async fn create_contact(
    client: &PanoraClient,
    token: &str,
    input: &ContactInput,
    remote_data: bool,
) -> Result<UnifiedContact> {
    // Panora's validator requires both names (A.7) and has no company on a contact.
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
    let created = client
        .post(
            &UpstreamPath::fixed("/crm/contacts"),
            &[("remote_data", flag(remote_data))],
            token,
            &body,
        )
        .await?;
    Ok(contact(&created, remote_data))
}

/// Maps Panora's `UnifiedCrmContactOutput` (A.7).
pub fn contact(record: &Value, remote_data: bool) -> UnifiedContact {
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
        id: t("/id").unwrap_or_default(),
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
        remote_data: remote_data
            .then(|| record.get("remote_data").cloned())
            .flatten()
            .filter(|v| !v.is_null()),
    }
}

/// The HRIS list's quirk (A.6): its `next_cursor` is the raw id of the current page's last
/// row, and the next page starts at that row. Such a position is kept as `after:<id>`: the
/// id is sent base64-encoded, one more row is asked for, and the repeated row is dropped.
const AFTER: &str = "after:";

pub async fn list_employees(
    client: &PanoraClient,
    token: &str,
    position: Option<&str>,
    size: u32,
    remote_data: bool,
) -> Result<Page<UnifiedEmployee>> {
    let skip = position.and_then(|p| p.strip_prefix(AFTER));
    let cursor = match (position, skip) {
        (_, Some(id)) => Some(STANDARD.encode(id)),
        (Some(p), None) => Some(p.to_owned()),
        (None, None) => None,
    };
    let limit = size + u32::from(skip.is_some());
    let mut query = vec![
        ("limit", limit.to_string()),
        ("remote_data", flag(remote_data)),
    ];
    if let Some(cursor) = cursor {
        query.push(("cursor", cursor));
    }
    let body = client
        .get(&UpstreamPath::fixed("/hris/employees"), &query, token)
        .await?;
    let mut rows = records(&body);
    if let Some(id) = skip
        && rows.first().and_then(|r| text_at(r, "/id")).as_deref() == Some(id)
    {
        rows.remove(0);
    }
    rows.truncate(size as usize);
    let next = text_at(&body, "/next_cursor").map(|raw| {
        if uuid::Uuid::parse_str(&raw).is_ok() {
            format!("{AFTER}{raw}")
        } else {
            raw
        }
    });
    Ok(Page {
        items: rows.iter().map(|e| employee(e, remote_data)).collect(),
        next,
    })
}

pub async fn get_employee(
    client: &PanoraClient,
    token: &str,
    id: &str,
    remote_data: bool,
) -> Result<UnifiedEmployee> {
    check_id(id)?;
    let path = UpstreamPath::fixed("/hris/employees").segment("id", id)?;
    let body = client
        .get(&path, &[("remote_data", flag(remote_data))], token)
        .await?;
    Ok(employee(&body, remote_data))
}

/// Maps Panora's `UnifiedHrisEmployeeOutput` (A.8).
pub fn employee(record: &Value, remote_data: bool) -> UnifiedEmployee {
    let t = |p: &str| text_at(record, p);
    UnifiedEmployee {
        id: t("/id").unwrap_or_default(),
        remote_id: t("/remote_id").unwrap_or_default(),
        first_name: t("/first_name"),
        last_name: t("/last_name"),
        display_name: t("/display_full_name").or_else(|| t("/preferred_name")),
        work_email: t("/work_email"),
        mobile_phone: t("/mobile_phone_number"),
        job_title: None,
        department: None,
        employment_status: t("/employment_status"),
        start_date: t("/start_date"),
        remote_data: remote_data
            .then(|| record.get("remote_data").cloned())
            .flatten()
            .filter(|v| !v.is_null()),
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
            false,
        );
        assert_eq!(
            c.email_addresses[0].email_address_type.as_deref(),
            Some("WORK")
        );
        assert_eq!(c.phone_numbers[0].phone_number, "+33612345678");
        assert_eq!(c.updated_at.as_deref(), Some("2024-10-01T12:00:00Z"));
        assert!(c.remote_data.is_none(), "remote_data only on request");
    }

    #[test]
    fn ids_must_be_uuids() {
        assert_eq!(check_id("12").unwrap_err().field(), Some("id"));
        assert!(check_id("801f9ede-c698-4e66-a7fc-48d19eebaa4f").is_ok());
    }
}

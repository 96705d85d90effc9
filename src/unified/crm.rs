//! `crm.contact` over Nango's proxy: HubSpot, Pipedrive, Salesforce and GoHighLevel, each
//! called the way its API wants and mapped to [`UnifiedContact`]. Positions are the provider's
//! own (HubSpot's `after`, Pipedrive's `start`, a SOQL offset, GoHighLevel's `startAfterId`).

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{
    model::{ContactInput, EmailAddress, Page, PhoneNumber, UnifiedContact, text_at},
    target::Target,
    upstream,
};
use crate::{
    Error, Result,
    nango::{NangoClient, ProxyRequest},
    upstream_path::{Endpoint, UpstreamPath},
};

const HUBSPOT_PROPERTIES: &str =
    "firstname,lastname,email,phone,company,createdate,lastmodifieddate";
const SALESFORCE_VERSION: &str = "v60.0";
const SALESFORCE_FIELDS: &str =
    "Id, FirstName, LastName, Email, Phone, Account.Name, CreatedDate, LastModifiedDate";

/// The providers this module maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crm {
    HubSpot,
    Pipedrive,
    Salesforce,
    HighLevel,
}

fn crm(target: &Target) -> Result<Crm> {
    Ok(match target.provider.as_str() {
        "hubspot" => Crm::HubSpot,
        "pipedrive" => Crm::Pipedrive,
        "salesforce" => Crm::Salesforce,
        "highlevel" => Crm::HighLevel,
        other => {
            return Err(Error::invalid_field(
                "connectionId",
                format!("crm.contact is not mapped for {other}"),
            ));
        }
    })
}

/// `path?k=v&…`, the query percent-encoded.
pub fn endpoint(path: UpstreamPath, query: &[(&str, &str)]) -> Endpoint {
    Endpoint::with_query(path, query)
}

/// `path` with the caller's id appended as one checked, percent-encoded segment.
pub fn with_id(path: UpstreamPath, remote_id: &str) -> Result<UpstreamPath> {
    Ok(path.segment("id", remote_id)?)
}

/// A GET through the proxy for the connection.
pub fn get(target: &Target, endpoint: impl Into<Endpoint>) -> ProxyRequest {
    ProxyRequest::new(
        Method::GET,
        endpoint,
        &target.connection_id,
        &target.provider_config_key,
    )
}

/// The position of the record at `offset`, for providers that page by offset.
pub fn offset_position(target: &Target, offset: u32) -> Option<String> {
    match crm(target).ok()? {
        Crm::Pipedrive | Crm::Salesforce => Some(offset.to_string()),
        Crm::HubSpot | Crm::HighLevel => None,
    }
}

pub async fn list(
    nango: &NangoClient,
    target: &Target,
    position: Option<&str>,
    size: u32,
    remote_data: bool,
) -> Result<Page<UnifiedContact>> {
    let size_text = size.to_string();
    let map = |v: &Value| contact(target, v, remote_data);
    match crm(target)? {
        Crm::HubSpot => {
            let mut query = vec![
                ("limit", size_text.as_str()),
                ("properties", HUBSPOT_PROPERTIES),
            ];
            if let Some(after) = position {
                query.push(("after", after));
            }
            let body = upstream::call(
                nango,
                target,
                get(
                    target,
                    endpoint(UpstreamPath::fixed("/crm/v3/objects/contacts"), &query),
                ),
            )
            .await?;
            Ok(Page {
                items: items(&body, "/results").iter().map(map).collect(),
                next: text_at(&body, "/paging/next/after"),
            })
        }
        Crm::Pipedrive => {
            let start = position.unwrap_or("0");
            let query = [("start", start), ("limit", size_text.as_str())];
            let path = endpoint(UpstreamPath::fixed("/v1/persons"), &query);
            let body = upstream::call(nango, target, get(target, path)).await?;
            let more = body
                .pointer("/additional_data/pagination/more_items_in_collection")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            Ok(Page {
                items: items(&body, "/data").iter().map(map).collect(),
                next: more
                    .then(|| text_at(&body, "/additional_data/pagination/next_start"))
                    .flatten(),
            })
        }
        Crm::Salesforce => {
            let offset: u32 = position.and_then(|p| p.parse().ok()).unwrap_or(0);
            // One record more than asked tells whether another page exists.
            let soql = format!(
                "SELECT {SALESFORCE_FIELDS} FROM Contact ORDER BY CreatedDate, Id LIMIT {} OFFSET {offset}",
                size + 1
            );
            let path = salesforce().lit("query");
            let body =
                upstream::call(nango, target, get(target, endpoint(path, &[("q", &soql)]))).await?;
            let mut records = items(&body, "/records");
            let more = records.len() > size as usize;
            records.truncate(size as usize);
            Ok(Page {
                items: records.iter().map(map).collect(),
                next: more.then(|| (offset + size).to_string()),
            })
        }
        Crm::HighLevel => {
            let mut query = vec![("limit", size_text.as_str())];
            if let Some(after) = position {
                query.push(("startAfterId", after));
            }
            let path = endpoint(UpstreamPath::fixed("/contacts"), &query);
            let body = upstream::call(nango, target, get(target, path)).await?;
            Ok(Page {
                items: items(&body, "/contacts").iter().map(map).collect(),
                next: text_at(&body, "/meta/startAfterId"),
            })
        }
    }
}

pub async fn fetch(
    nango: &NangoClient,
    target: &Target,
    remote_id: &str,
    remote_data: bool,
) -> Result<UnifiedContact> {
    let (path, pointer) = match crm(target)? {
        Crm::HubSpot => (
            endpoint(
                with_id(UpstreamPath::fixed("/crm/v3/objects/contacts"), remote_id)?,
                &[("properties", HUBSPOT_PROPERTIES)],
            ),
            "",
        ),
        Crm::Pipedrive => (
            with_id(UpstreamPath::fixed("/v1/persons"), remote_id)?.into(),
            "/data",
        ),
        Crm::Salesforce => (
            with_id(salesforce().lit("sobjects/Contact"), remote_id)?.into(),
            "",
        ),
        Crm::HighLevel => (
            with_id(UpstreamPath::fixed("/contacts"), remote_id)?.into(),
            "/contact",
        ),
    };
    let body = upstream::call(nango, target, get(target, path)).await?;
    let record = body.pointer(pointer).cloned().unwrap_or(Value::Null);
    if !record.is_object() {
        return Err(Error::UpstreamRejected {
            provider: target.display_name.clone(),
            status: 404,
            message: format!("no contact {remote_id}"),
        });
    }
    Ok(contact(target, &record, remote_data))
}

pub async fn create(
    nango: &NangoClient,
    target: &Target,
    input: &ContactInput,
    remote_data: bool,
) -> Result<UnifiedContact> {
    let kind = crm(target)?;
    let (path, body) = match kind {
        Crm::HubSpot => (
            UpstreamPath::fixed("/crm/v3/objects/contacts"),
            json!({ "properties": hubspot_properties(input) }),
        ),
        Crm::Pipedrive => (UpstreamPath::fixed("/v1/persons"), pipedrive_person(input)),
        Crm::Salesforce => (
            salesforce().lit("sobjects/Contact"),
            salesforce_contact(input),
        ),
        Crm::HighLevel => (UpstreamPath::fixed("/contacts"), highlevel_contact(input)),
    };
    let request = ProxyRequest::new(
        Method::POST,
        path,
        &target.connection_id,
        &target.provider_config_key,
    )
    .json(&body)?;
    let answer = upstream::call(nango, target, request).await?;
    let record = match kind {
        Crm::HubSpot => answer,
        Crm::Pipedrive => answer.pointer("/data").cloned().unwrap_or(Value::Null),
        Crm::HighLevel => answer.pointer("/contact").cloned().unwrap_or(Value::Null),
        // Salesforce answers only `{id, success}`: the record is what was sent, with that id.
        Crm::Salesforce => {
            let mut record = body;
            record["Id"] = answer.get("id").cloned().unwrap_or(Value::Null);
            record
        }
    };
    Ok(contact(target, &record, remote_data))
}

/// `/services/data/{version}`, Salesforce's REST root.
fn salesforce() -> UpstreamPath {
    UpstreamPath::fixed("/services/data").lit(SALESFORCE_VERSION)
}

fn items(body: &Value, pointer: &str) -> Vec<Value> {
    body.pointer(pointer)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn hubspot_properties(input: &ContactInput) -> Map<String, Value> {
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

fn pipedrive_person(input: &ContactInput) -> Value {
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

fn salesforce_contact(input: &ContactInput) -> Value {
    json!({
        "FirstName": input.first_name, "LastName": input.last_name,
        "Email": input.primary_email(), "Phone": input.primary_phone(),
    })
}

fn highlevel_contact(input: &ContactInput) -> Value {
    json!({
        "firstName": input.first_name, "lastName": input.last_name,
        "email": input.primary_email(), "phone": input.primary_phone(),
        "companyName": input.company,
    })
}

fn emails(values: Vec<(Option<String>, Option<String>)>) -> Vec<EmailAddress> {
    values
        .into_iter()
        .filter_map(|(value, kind)| {
            Some(EmailAddress {
                email_address: value?,
                email_address_type: kind,
            })
        })
        .collect()
}

fn phones(values: Vec<(Option<String>, Option<String>)>) -> Vec<PhoneNumber> {
    values
        .into_iter()
        .filter_map(|(value, kind)| {
            Some(PhoneNumber {
                phone_number: value?,
                phone_type: kind,
            })
        })
        .collect()
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
fn pipedrive_time(raw: Option<String>) -> Option<String> {
    raw.map(|t| match t.split_once(' ') {
        Some((date, time)) => format!("{date}T{time}Z"),
        None => t,
    })
}

/// Maps one provider record.
pub fn contact(target: &Target, record: &Value, remote_data: bool) -> UnifiedContact {
    let t = |p: &str| text_at(record, p);
    let mut unified = match crm(target) {
        Ok(Crm::HubSpot) => UnifiedContact {
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
        },
        Ok(Crm::Pipedrive) => {
            let name = t("/name").unwrap_or_default();
            let (first, last) = name
                .split_once(' ')
                .map_or((name.as_str(), ""), |(f, l)| (f, l));
            UnifiedContact {
                id: String::new(),
                remote_id: t("/id").unwrap_or_default(),
                first_name: t("/first_name")
                    .or_else(|| (!first.is_empty()).then(|| first.to_owned())),
                last_name: t("/last_name").or_else(|| (!last.is_empty()).then(|| last.to_owned())),
                email_addresses: emails(labelled(record, "email")),
                phone_numbers: phones(labelled(record, "phone")),
                company: t("/org_name").or_else(|| t("/org_id/name")),
                created_at: pipedrive_time(t("/add_time")),
                updated_at: pipedrive_time(t("/update_time")),
                remote_data: None,
            }
        }
        Ok(Crm::Salesforce) => UnifiedContact {
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
        },
        Ok(Crm::HighLevel) | Err(_) => UnifiedContact {
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
        },
    };
    unified.id = format!("{}:{}", target.provider_config_key, unified.remote_id);
    if remote_data {
        unified.remote_data = Some(record.clone());
    }
    unified
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(provider: &str) -> Target {
        Target {
            provider_config_key: provider.to_owned(),
            connection_id: "c1".to_owned(),
            provider: provider.to_owned(),
            display_name: provider.to_owned(),
        }
    }

    #[test]
    fn maps_every_provider_to_the_same_shape() {
        let hubspot = contact(
            &target("hubspot"),
            &json!({"id": "7", "properties": {"firstname": "Ada", "lastname": "Lovelace", "email": "ada@x.io", "company": "AE"}, "createdAt": "2026-01-01T00:00:00Z"}),
            false,
        );
        assert_eq!(hubspot.id, "hubspot:7");
        assert_eq!(hubspot.email_addresses[0].email_address, "ada@x.io");
        assert!(hubspot.phone_numbers.is_empty());
        let pipedrive = contact(
            &target("pipedrive"),
            &json!({"id": 3, "name": "Grace Brewster Hopper", "email": [{"value": "g@x.io", "label": "work"}], "add_time": "2026-01-01 10:00:00"}),
            true,
        );
        assert_eq!(pipedrive.remote_id, "3");
        assert_eq!(pipedrive.first_name.as_deref(), Some("Grace"));
        assert_eq!(pipedrive.last_name.as_deref(), Some("Brewster Hopper"));
        assert_eq!(
            pipedrive.email_addresses[0].email_address_type.as_deref(),
            Some("WORK")
        );
        assert_eq!(
            pipedrive.created_at.as_deref(),
            Some("2026-01-01T10:00:00Z")
        );
        assert!(pipedrive.remote_data.is_some());
        let salesforce = contact(
            &target("salesforce"),
            &json!({"Id": "003A", "LastName": "Turing", "Account": {"Name": "Enigma"}}),
            false,
        );
        assert_eq!(salesforce.company.as_deref(), Some("Enigma"));
        let ghl = contact(
            &target("highlevel"),
            &json!({"id": "g1", "firstName": "Ken"}),
            false,
        );
        assert_eq!(ghl.first_name.as_deref(), Some("Ken"));
    }

    #[test]
    fn create_bodies_leave_out_what_is_unknown() {
        let input = ContactInput {
            first_name: Some("Ada".into()),
            email_addresses: vec![EmailAddress {
                email_address: "ada@x.io".into(),
                email_address_type: None,
            }],
            ..ContactInput::default()
        };
        let props = hubspot_properties(&input);
        assert_eq!(props.len(), 2);
        assert_eq!(pipedrive_person(&input)["name"], "Ada");
        assert_eq!(
            endpoint(UpstreamPath::fixed("/v1/persons"), &[("q", "a b&c")]).to_string(),
            "/v1/persons?q=a+b%26c"
        );
        assert_eq!(
            with_id(UpstreamPath::fixed("/v1/persons"), "a/b c")
                .unwrap()
                .as_str(),
            "/v1/persons/a%2Fb%20c"
        );
        let refused = with_id(UpstreamPath::fixed("/contacts"), "..").unwrap_err();
        assert_eq!(
            (refused.code(), refused.field()),
            ("invalid_path", Some("id"))
        );
    }
}

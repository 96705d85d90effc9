//! Panora as a second unified-API backend (see docs/panora.md): its client, the connection
//! token each organisation keeps for it, and its CRM contacts and HRIS employees as rows of the
//! `crm.contact` and `hr.employee` provider tables.

pub mod client;
pub mod crm;
pub mod hris;
pub mod link;

use serde_json::Value;

pub use client::{PanoraClient, PanoraConfig};

use crate::{Error, Result};

/// Panora ids are UUIDs; anything else would only earn a 500 from Panora.
pub fn check_id(id: &str) -> Result<()> {
    uuid::Uuid::parse_str(id).map(|_| ()).map_err(|_| {
        Error::invalid_field("id", "Panora ids are UUIDs (the `id` of a listed record)")
    })
}

/// Panora's `remote_data` query flag.
fn flag(on: bool) -> String {
    on.to_string()
}

/// The rows of a Panora list answer.
fn records(body: &Value) -> Vec<Value> {
    body.get("data")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_uuids() {
        assert_eq!(check_id("12").unwrap_err().field(), Some("id"));
        assert!(check_id("801f9ede-c698-4e66-a7fc-48d19eebaa4f").is_ok());
    }
}

//! `hr.employee` over Nango's proxy from BambooHR. BambooHR's directory comes back whole, so
//! pages are cut here by offset; a single employee is read with the fields we map.

use serde_json::Value;

use super::{
    crm::{self, endpoint, with_id},
    model::{Page, UnifiedEmployee, text_at},
    target::Target,
    upstream,
};
use crate::{
    Result,
    nango::{NangoClient, ProxyRequest},
    upstream_path::{Endpoint, UpstreamPath},
};

const EMPLOYEE_FIELDS: &str =
    "firstName,lastName,displayName,workEmail,mobilePhone,jobTitle,department,status,hireDate";

fn get(target: &Target, endpoint: impl Into<Endpoint>) -> ProxyRequest {
    crm::get(target, endpoint).with_header("Accept", "application/json")
}

pub async fn list(
    nango: &NangoClient,
    target: &Target,
    position: Option<&str>,
    size: u32,
    remote_data: bool,
) -> Result<Page<UnifiedEmployee>> {
    let offset: usize = position.and_then(|p| p.parse().ok()).unwrap_or(0);
    let body = upstream::call(
        nango,
        target,
        get(target, UpstreamPath::fixed("/v1/employees/directory")),
    )
    .await?;
    let all = body
        .pointer("/employees")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let end = (offset + size as usize).min(all.len());
    let items = all
        .get(offset.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(|e| employee(target, e, remote_data))
        .collect();
    Ok(Page {
        items,
        next: (end < all.len()).then(|| end.to_string()),
    })
}

pub async fn fetch(
    nango: &NangoClient,
    target: &Target,
    remote_id: &str,
    remote_data: bool,
) -> Result<UnifiedEmployee> {
    let path = endpoint(
        with_id(UpstreamPath::fixed("/v1/employees"), remote_id)?,
        &[("fields", EMPLOYEE_FIELDS)],
    );
    let body = upstream::call(nango, target, get(target, path)).await?;
    Ok(employee(target, &body, remote_data))
}

/// Maps a BambooHR employee.
pub fn employee(target: &Target, record: &Value, remote_data: bool) -> UnifiedEmployee {
    let t = |p: &str| text_at(record, p);
    let remote_id = t("/id").unwrap_or_default();
    UnifiedEmployee {
        id: format!("{}:{remote_id}", target.provider_config_key),
        remote_id,
        first_name: t("/firstName"),
        last_name: t("/lastName"),
        display_name: t("/displayName"),
        work_email: t("/workEmail"),
        mobile_phone: t("/mobilePhone"),
        job_title: t("/jobTitle"),
        department: t("/department"),
        employment_status: t("/status").map(|s| s.to_uppercase()),
        start_date: t("/hireDate"),
        remote_data: remote_data.then(|| record.clone()),
    }
}

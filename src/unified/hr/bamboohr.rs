//! BambooHR employees: the directory comes back whole, so pages are cut here by offset; a
//! single employee is read with the fields Patchbay maps. BambooHR answers XML unless asked
//! for JSON.

use serde_json::Value;

use super::EmployeeProvider;
use crate::{
    Result,
    unified::{
        call::{Call, ListQuery, items, no_updated_since, with_id},
        model::{Page, UnifiedEmployee, text_at},
        reader::{self, Reader},
    },
    upstream_path::UpstreamPath,
};

const FIELDS: &str =
    "firstName,lastName,displayName,workEmail,mobilePhone,jobTitle,department,status,hireDate";

pub const EMPLOYEES: EmployeeProvider = EmployeeProvider {
    keys: &["bamboohr", "bamboohr-basic"],
    display_name: "BambooHR",
    read: Reader {
        list: list_call,
        paging: &[],
        page,
        offset_position: reader::by_offset,
        get: get_call,
        record: reader::whole,
        map: employee,
    },
};

pub fn list_call(query: &ListQuery<'_>) -> Result<Call> {
    if query.updated_since.is_some() {
        return Err(no_updated_since("BambooHR"));
    }
    Ok(Call::get(UpstreamPath::fixed("/v1/employees/directory"))
        .header("Accept", "application/json"))
}

/// The slice of the whole directory that the query's offset and size select.
pub fn page(body: &Value, query: &ListQuery<'_>) -> Page<Value> {
    let all = items(body, "/employees");
    let offset: usize = query.position.and_then(|p| p.parse().ok()).unwrap_or(0);
    let end = (offset + query.size as usize).min(all.len());
    Page {
        items: all.get(offset.min(end)..end).unwrap_or_default().to_vec(),
        next: (end < all.len()).then(|| end.to_string()),
    }
}

pub fn get_call(remote_id: &str, _remote_data: bool) -> Result<Call> {
    Ok(
        Call::get(with_id(UpstreamPath::fixed("/v1/employees"), remote_id)?)
            .query("fields", FIELDS)
            .header("Accept", "application/json"),
    )
}

/// Maps a BambooHR employee.
pub fn employee(record: &Value) -> UnifiedEmployee {
    let t = |p: &str| text_at(record, p);
    UnifiedEmployee {
        id: String::new(),
        remote_id: t("/id").unwrap_or_default(),
        first_name: t("/firstName"),
        last_name: t("/lastName"),
        display_name: t("/displayName"),
        work_email: t("/workEmail"),
        mobile_phone: t("/mobilePhone"),
        job_title: t("/jobTitle"),
        department: t("/department"),
        employment_status: t("/status").map(|s| s.to_uppercase()),
        start_date: t("/hireDate"),
        remote_data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_are_cut_from_the_directory() {
        let body = json!({"employees": (1..=12).map(|i| json!({"id": i})).collect::<Vec<_>>()});
        let third = page(&body, &ListQuery::first(5).at(Some("10")));
        assert_eq!((third.items.len(), third.next), (2, None));
        let first = page(&body, &ListQuery::first(5));
        assert_eq!(first.next.as_deref(), Some("5"));
        assert_eq!(employee(&first.items[0]).remote_id, "1");
    }
}

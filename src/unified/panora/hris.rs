//! Panora's HRIS employees (`/hris/employees`, its `UnifiedHrisEmployeeOutput`) as an
//! `hr.employee` provider, with the list's cursor quirk: its `next_cursor` is the raw id of the
//! current page's last row, and the next page starts at that row. Such a position is kept as
//! `after:<id>`: the id is sent base64-encoded, one more row is asked for, and the repeated row
//! is dropped.

use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::Value;

use super::{check_id, flag, records};
use crate::{
    Result,
    unified::{
        call::{Call, ListQuery, no_updated_since},
        hr::EmployeeProvider,
        model::{Page, UnifiedEmployee, text_at},
        reader::{self, Reader},
    },
    upstream_path::UpstreamPath,
};

const EMPLOYEES_PATH: &str = "/hris/employees";
const AFTER: &str = "after:";

pub const EMPLOYEES: EmployeeProvider = EmployeeProvider {
    keys: &["panora"],
    display_name: "Panora",
    read: Reader {
        list: list_call,
        paging: &["limit", "cursor", "remote_data"],
        page,
        offset_position: reader::by_cursor,
        get: get_call,
        record: reader::whole,
        map: employee,
    },
};

/// The id of the row a page repeats, for positions kept as `after:<id>`.
fn repeated<'a>(query: &ListQuery<'a>) -> Option<&'a str> {
    query.position.and_then(|p| p.strip_prefix(AFTER))
}

pub fn list_call(query: &ListQuery<'_>) -> Result<Call> {
    if query.updated_since.is_some() {
        return Err(no_updated_since("Panora"));
    }
    let skip = repeated(query);
    let cursor = match skip {
        Some(id) => Some(STANDARD.encode(id)),
        None => query.position.map(str::to_owned),
    };
    let limit = query.size + u32::from(skip.is_some());
    let mut call = Call::get(UpstreamPath::fixed(EMPLOYEES_PATH))
        .query("limit", limit.to_string())
        .query("remote_data", flag(query.remote_data));
    if let Some(cursor) = cursor {
        call = call.query("cursor", cursor);
    }
    Ok(call)
}

pub fn page(body: &Value, query: &ListQuery<'_>) -> Page<Value> {
    let mut rows = records(body);
    if let Some(id) = repeated(query)
        && rows.first().and_then(|r| text_at(r, "/id")).as_deref() == Some(id)
    {
        rows.remove(0);
    }
    rows.truncate(query.size as usize);
    let next = text_at(body, "/next_cursor").map(|raw| {
        if uuid::Uuid::parse_str(&raw).is_ok() {
            format!("{AFTER}{raw}")
        } else {
            raw
        }
    });
    Page { items: rows, next }
}

pub fn get_call(id: &str, remote_data: bool) -> Result<Call> {
    check_id(id)?;
    Ok(
        Call::get(UpstreamPath::fixed(EMPLOYEES_PATH).segment("id", id)?)
            .query("remote_data", flag(remote_data)),
    )
}

/// Maps Panora's employee (its own `id` and `remote_data` are set by the backend).
pub fn employee(record: &Value) -> UnifiedEmployee {
    let t = |p: &str| text_at(record, p);
    UnifiedEmployee {
        id: String::new(),
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
        remote_data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_repeated_row_is_dropped() {
        let id = "801f9ede-c698-4e66-a7fc-48d19eebaa4f";
        let position = format!("{AFTER}{id}");
        let query = ListQuery::first(2).at(Some(&position));
        let call = list_call(&query).unwrap();
        assert_eq!(call.query_value("limit"), Some("3"));
        assert_eq!(
            call.query_value("cursor"),
            Some(STANDARD.encode(id).as_str())
        );
        let body = json!({"data": [{"id": id}, {"id": "b"}, {"id": "c"}], "next_cursor": "c"});
        let page = page(&body, &query);
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.items[0]["id"], "b");
    }
}

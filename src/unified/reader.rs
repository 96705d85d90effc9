//! How any provider's records are read, whatever the resource: a provider describes its list
//! and get calls and how to read their answers ([`Reader`], pure functions), and the functions
//! here run them over a [`Backend`], page through cursors, offsets or walked pages, and give
//! each record Patchbay's id.

use serde_json::Value;

use super::{
    call::{Backend, Call, ListQuery, UnifiedRecord},
    cursor,
    model::Page,
    request::ListParams,
};
use crate::{Error, Result};

/// How many pages a `page` number may skip on providers that only page by cursor.
pub const MAX_PAGES_WALKED: u32 = 20;

/// How one provider lists and reads one kind of record.
pub struct Reader<R> {
    /// The list call for a page.
    pub list: fn(&ListQuery<'_>) -> Result<Call>,
    /// The query parameters the provider pages with, Patchbay's even on pages that do not
    /// send them: a caller's `params` never set them.
    pub paging: &'static [&'static str],
    /// The raw records of a list answer and the position of the next page.
    pub page: fn(&Value, &ListQuery<'_>) -> Page<Value>,
    /// The position of the record at an offset, for providers that page by offset.
    pub offset_position: fn(u32) -> Option<String>,
    /// The get call for a remote id, with or without the raw record.
    pub get: fn(&str, bool) -> Result<Call>,
    /// The record inside a get answer.
    pub record: fn(Value) -> Option<Value>,
    /// One raw record mapped to the unified shape (ids and `remote_data` are the backend's).
    pub map: fn(&Value) -> R,
}

/// Offsets are positions: for providers that page by offset.
pub fn by_offset(offset: u32) -> Option<String> {
    Some(offset.to_string())
}

/// No position can be computed: for providers that page by cursor.
pub fn by_cursor(_offset: u32) -> Option<String> {
    None
}

/// The answer itself is the record.
pub fn whole(answer: Value) -> Option<Value> {
    Some(answer)
}

/// One page of unified records and the provider position of the next.
pub async fn fetch_page<R: UnifiedRecord>(
    backend: &Backend<'_>,
    reader: &Reader<R>,
    query: &ListQuery<'_>,
    extra: &[(String, String)],
) -> Result<Page<R>> {
    let call = (reader.list)(query)?.pass_through(extra, reader.paging)?;
    let body = backend.send(call).await?;
    let page = (reader.page)(&body, query);
    Ok(Page {
        items: page
            .items
            .iter()
            .map(|raw| backend.finish((reader.map)(raw), raw, query.remote_data))
            .collect(),
        next: page.next,
    })
}

/// The requested page: from the cursor, else by offset for providers that page by offset,
/// else by walking the cursors from the first page. `next` is the cursor to give out.
pub async fn list<R: UnifiedRecord>(
    backend: &Backend<'_>,
    reader: &Reader<R>,
    params: &ListParams,
    remote_data: bool,
) -> Result<Page<R>> {
    let owner = backend.cursor_owner();
    let query = ListQuery {
        remote_data,
        ..ListQuery::first(params.page_size)
    };
    let mut position = params
        .cursor
        .as_deref()
        .map(|c| cursor::decode(&owner, c))
        .transpose()?;
    if position.is_none() && params.page > 1 {
        let skipped = params.page - 1;
        if let Some(at) = (reader.offset_position)(skipped.saturating_mul(params.page_size)) {
            position = Some(at);
        } else if skipped > MAX_PAGES_WALKED {
            return Err(Error::invalid_field(
                "params.page",
                format!(
                    "this provider pages by cursor; params.page can be at most {} here, use next_cursor",
                    MAX_PAGES_WALKED + 1
                ),
            ));
        } else {
            for _ in 0..skipped {
                let walked = fetch_page(
                    backend,
                    reader,
                    &query.at(position.as_deref()),
                    &params.extra,
                )
                .await?;
                match walked.next {
                    Some(next) => position = Some(next),
                    None => {
                        return Ok(Page {
                            items: Vec::new(),
                            next: None,
                        });
                    }
                }
            }
        }
    }
    let page = fetch_page(
        backend,
        reader,
        &query.at(position.as_deref()),
        &params.extra,
    )
    .await?;
    Ok(Page {
        items: page.items,
        next: page.next.map(|n| cursor::encode(&owner, &n)),
    })
}

/// One record by Patchbay's id or the provider's; `what` names it in a 404 ("contact").
pub async fn get<R: UnifiedRecord>(
    backend: &Backend<'_>,
    reader: &Reader<R>,
    id: &str,
    remote_data: bool,
    what: &str,
) -> Result<R> {
    let remote_id = backend.remote_id(id);
    let answer = backend.send((reader.get)(remote_id, remote_data)?).await?;
    match (reader.record)(answer) {
        Some(record) if record.is_object() => {
            Ok(backend.finish((reader.map)(&record), &record, remote_data))
        }
        _ => Err(Error::UpstreamRejected {
            provider: backend.display_name().to_owned(),
            status: 404,
            message: format!("no {what} {remote_id}"),
        }),
    }
}

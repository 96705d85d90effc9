//! The unified API (`POST /api/integrations/unified`): one request shape for CRM contacts, HR
//! employees, WhatsApp messages and SMS, served through Nango's proxy or through Panora, with
//! one record shape per resource and one cursor format whatever the provider pages with.

pub mod crm;
pub mod cursor;
pub mod hr;
pub mod messaging;
pub mod model;
pub mod request;
pub mod target;
pub mod upstream;

use serde::Serialize;
use serde_json::Value;

use self::{
    messaging::{Sms, WhatsappMessage},
    model::{ContactInput, Page},
    request::{ListParams, Operation, Provider, Resource, UnifiedRequest},
    target::Target,
};
use crate::{Error, Hub, Result, caller::Caller, error::ConnectionRef, panora};

/// How many pages a `page` number may skip on providers that only page by cursor.
const MAX_PAGES_WALKED: u32 = 20;

/// The answer: `data` is one record, a list of records or a message receipt.
#[derive(Debug, Clone, Serialize)]
pub struct UnifiedResponse {
    /// True for `create`: the route answers 201.
    #[serde(skip)]
    pub created: bool,
    pub data: Value,
    /// Present on `list`: the cursor of the next page, `null` on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<Option<String>>,
    pub meta: Meta,
}

#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub provider: &'static str,
    pub resource: &'static str,
    pub operation: &'static str,
    /// The Nango connection that served the call (`null` for Panora).
    pub connection: Option<ConnectionRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
}

/// Checks and runs one unified request for the caller's organisation.
pub async fn execute(hub: &Hub, caller: &Caller, body: &[u8]) -> Result<UnifiedResponse> {
    let request = request::parse(body)?;
    let (outcome, connection) = match request.provider {
        Provider::Nango => via_nango(hub, caller, &request).await?,
        Provider::Panora => (via_panora(hub, caller, &request).await?, None),
    };
    let list = request.operation == Operation::List;
    Ok(UnifiedResponse {
        created: request.operation == Operation::Create,
        data: outcome.data,
        next_cursor: list.then_some(outcome.next_cursor),
        meta: Meta {
            provider: request.provider.as_str(),
            resource: request.resource.as_str(),
            operation: request.operation.as_str(),
            connection,
            page_size: list.then_some(request.params.page_size),
        },
    })
}

/// What one backend produced: the data and, for lists, the next cursor.
struct Outcome {
    data: Value,
    next_cursor: Option<String>,
}

fn one(record: impl Serialize) -> Result<Outcome> {
    Ok(Outcome {
        data: serde_json::to_value(record).map_err(|e| Error::Internal(e.to_string()))?,
        next_cursor: None,
    })
}

/// A list call, bound to its client and connection (an enum rather than a closure, so the
/// future stays `Send` for axum).
enum Lister<'a> {
    Contacts(&'a crate::nango::NangoClient, &'a Target),
    Employees(&'a crate::nango::NangoClient, &'a Target),
    PanoraContacts(&'a panora::PanoraClient, &'a str),
    PanoraEmployees(&'a panora::PanoraClient, &'a str),
}

fn values<T: Serialize>(page: Page<T>) -> Result<Page<Value>> {
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|i| serde_json::to_value(i).map_err(|e| Error::Internal(e.to_string())))
            .collect::<Result<_>>()?,
        next: page.next,
    })
}

impl Lister<'_> {
    async fn fetch(&self, position: Option<&str>, size: u32, rd: bool) -> Result<Page<Value>> {
        match self {
            Self::Contacts(nango, target) => {
                values(crm::list(nango, target, position, size, rd).await?)
            }
            Self::Employees(nango, target) => {
                values(hr::list(nango, target, position, size, rd).await?)
            }
            Self::PanoraContacts(client, token) => {
                values(panora::list_contacts(client, token, position, size, rd).await?)
            }
            Self::PanoraEmployees(client, token) => {
                values(panora::list_employees(client, token, position, size, rd).await?)
            }
        }
    }

    /// The position of the record at `offset`, for providers that page by offset.
    fn offset_position(&self, offset: u32) -> Option<String> {
        match self {
            Self::Contacts(_, target) => crm::offset_position(target, offset),
            Self::Employees(..) => Some(offset.to_string()),
            Self::PanoraContacts(..) | Self::PanoraEmployees(..) => None,
        }
    }
}

/// Fetches the requested page: from the cursor, else by offset for providers that page by
/// offset, else by walking the cursors from the first page.
async fn paged(params: &ListParams, owner: &str, lister: Lister<'_>, rd: bool) -> Result<Outcome> {
    let size = params.page_size;
    let mut position = params
        .cursor
        .as_deref()
        .map(|c| cursor::decode(owner, c))
        .transpose()?;
    if position.is_none() && params.page > 1 {
        let skipped = params.page - 1;
        if let Some(at) = lister.offset_position(skipped.saturating_mul(size)) {
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
                match lister.fetch(position.as_deref(), size, rd).await?.next {
                    Some(next) => position = Some(next),
                    None => {
                        return Ok(Outcome {
                            data: Value::Array(Vec::new()),
                            next_cursor: None,
                        });
                    }
                }
            }
        }
    }
    let page = lister.fetch(position.as_deref(), size, rd).await?;
    Ok(Outcome {
        data: Value::Array(page.items),
        next_cursor: page.next.map(|n| cursor::encode(owner, &n)),
    })
}

/// The remote id inside one of our ids (`hubspot:42` → `42`); bare remote ids pass as they are.
fn remote_id<'a>(target: &Target, id: &'a str) -> &'a str {
    id.strip_prefix(&target.provider_config_key)
        .and_then(|rest| rest.strip_prefix(':'))
        .unwrap_or(id)
}

async fn via_nango(
    hub: &Hub,
    caller: &Caller,
    request: &UnifiedRequest,
) -> Result<(Outcome, Option<ConnectionRef>)> {
    // The input is checked before anything is looked up: a bad body is a 400 whatever else.
    let contact = match (request.resource, request.operation) {
        (Resource::CrmContact, Operation::Create) => Some(ContactInput::from_data(&request.data)?),
        _ => None,
    };
    let whatsapp = match request.resource {
        Resource::WhatsappMessage => Some(WhatsappMessage::from_data(
            &request.data,
            &hub.whatsapp_bases,
        )?),
        _ => None,
    };
    let sms = match request.resource {
        Resource::TwilioSms => Some(Sms::from_data(&request.data)?),
        _ => None,
    };
    let nango = &hub.nango()?.client;
    let target = target::resolve(hub, caller, request.resource, &request.connection).await?;
    let owner = format!("{}/{}", target.provider_config_key, target.connection_id);
    let rd = request.remote_data;
    let id = request.id.as_deref().map(|id| remote_id(&target, id));
    let outcome = match (request.resource, request.operation, id) {
        (Resource::CrmContact, Operation::List, _) => {
            paged(
                &request.params,
                &owner,
                Lister::Contacts(nango, &target),
                rd,
            )
            .await?
        }
        (Resource::CrmContact, Operation::Get, Some(id)) => {
            one(crm::fetch(nango, &target, id, rd).await?)?
        }
        (Resource::HrEmployee, Operation::List, _) => {
            paged(
                &request.params,
                &owner,
                Lister::Employees(nango, &target),
                rd,
            )
            .await?
        }
        (Resource::HrEmployee, Operation::Get, Some(id)) => {
            one(hr::fetch(nango, &target, id, rd).await?)?
        }
        _ => match (contact, whatsapp, sms) {
            (Some(input), _, _) => one(crm::create(nango, &target, &input, rd).await?)?,
            (_, Some(message), _) => {
                one(messaging::send_whatsapp(nango, &target, &message).await?)?
            }
            (_, _, Some(sms)) => one(messaging::send_sms(nango, &target, &sms).await?)?,
            // `request::parse` admits no other combination.
            _ => return Err(Error::Internal("an unchecked unified request".to_owned())),
        },
    };
    Ok((outcome, Some(target.reference())))
}

async fn via_panora(hub: &Hub, caller: &Caller, request: &UnifiedRequest) -> Result<Outcome> {
    if request.connection.connection_id.is_some()
        || request.connection.provider_config_key.is_some()
    {
        return Err(Error::invalid_field(
            "connectionId",
            "connectionId and providerConfigKey are Nango's; Panora is reached with connectionToken",
        ));
    }
    let contact = match (request.resource, request.operation) {
        (Resource::CrmContact, Operation::Create) => Some(ContactInput::from_data(&request.data)?),
        _ => None,
    };
    let client = hub.panora.as_deref().ok_or_else(|| {
        Error::invalid_field(
            "provider",
            "Panora is not configured on this Patchbay: set PANORA_API_URL and PANORA_API_KEY",
        )
    })?;
    let token = match &request.connection_token {
        Some(token) => token.clone(),
        None => panora::link::token(hub, &caller.org_id).await?.ok_or_else(|| {
            Error::NoConnection(
                "your organisation has no Panora connection token: an admin saves one in Settings, or send connectionToken".to_owned(),
            )
        })?,
    };
    let owner = "panora";
    let rd = request.remote_data;
    let id = request.id.as_deref();
    match (request.resource, request.operation, id, contact) {
        (Resource::CrmContact, Operation::List, _, _) => {
            paged(
                &request.params,
                owner,
                Lister::PanoraContacts(client, &token),
                rd,
            )
            .await
        }
        (Resource::CrmContact, Operation::Get, Some(id), _) => {
            one(panora::get_contact(client, &token, id, rd).await?)
        }
        (Resource::CrmContact, Operation::Create, _, Some(input)) => {
            one(panora::create_contact(client, &token, &input, rd).await?)
        }
        (Resource::HrEmployee, Operation::List, _, _) => {
            paged(
                &request.params,
                owner,
                Lister::PanoraEmployees(client, &token),
                rd,
            )
            .await
        }
        (Resource::HrEmployee, Operation::Get, Some(id), _) => {
            one(panora::get_employee(client, &token, id, rd).await?)
        }
        _ => Err(Error::Internal("an unchecked unified request".to_owned())),
    }
}

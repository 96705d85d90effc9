//! The unified API (`POST /api/integrations/unified`): one request shape for CRM contacts, HR
//! employees, WhatsApp messages and SMS, served through Nango's proxy or through Panora, with
//! one record shape per resource and one cursor format whatever the provider pages with.
//!
//! A body is checked field by field (`request`), becomes a typed [`Command`] (`command`), and
//! is dispatched here with one exhaustive `match`. Each resource keeps one table of the
//! providers that serve it (`crm`, `hr`); their mappings are pure functions over plain
//! [`call::Call`]s, carried by a [`call::Backend`] (Nango or Panora).

pub mod call;
pub mod command;
pub mod crm;
pub mod cursor;
pub mod hr;
pub mod messaging;
pub mod model;
pub mod panora;
pub mod reader;
pub mod request;
pub mod target;
pub mod upstream;

use serde::Serialize;
use serde_json::Value;

use self::{
    call::Backend,
    command::{Action, Command, SmsCommand, Via, WhatsappCommand},
    crm::ContactOutcome,
    hr::EmployeeOutcome,
    model::Page,
    panora::PanoraClient,
    request::Resource,
    target::Target,
};
use crate::{Error, Hub, Result, caller::Caller, error::ConnectionRef, nango::NangoClient};

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
    // The input is checked before anything is looked up: a bad body is a 400 whatever else.
    let command = Command::parse(body, &hub.whatsapp_bases)?;
    let (outcome, connection) = dispatch(hub, caller, &command).await?;
    let page_size = command.list_params().map(|p| p.page_size);
    Ok(UnifiedResponse {
        created: outcome.created,
        data: outcome.data,
        next_cursor: outcome.next_cursor,
        meta: Meta {
            provider: command.provider().as_str(),
            resource: command.resource().as_str(),
            operation: command.operation().as_str(),
            connection,
            page_size,
        },
    })
}

/// What a command produced, ready for the answer.
struct Outcome {
    data: Value,
    /// `Some` on lists: the next cursor, `None` inside on the last page.
    next_cursor: Option<Option<String>>,
    created: bool,
}

impl Outcome {
    fn page<T: Serialize>(page: Page<T>) -> Result<Self> {
        Ok(Self {
            data: to_value(page.items)?,
            next_cursor: Some(page.next),
            created: false,
        })
    }

    fn one(record: impl Serialize) -> Result<Self> {
        Ok(Self {
            data: to_value(record)?,
            next_cursor: None,
            created: false,
        })
    }

    fn created(record: impl Serialize) -> Result<Self> {
        Ok(Self {
            created: true,
            ..Self::one(record)?
        })
    }
}

fn to_value(value: impl Serialize) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::Internal(e.to_string()))
}

async fn dispatch(
    hub: &Hub,
    caller: &Caller,
    command: &Command,
) -> Result<(Outcome, Option<ConnectionRef>)> {
    let rd = command.remote_data;
    match &command.action {
        Action::CrmContact(via, contact) => {
            let reached = Reached::resolve(hub, caller, Resource::CrmContact, via).await?;
            let outcome = match crm::run(&reached.backend(), contact, rd).await? {
                ContactOutcome::Page(page) => Outcome::page(page)?,
                ContactOutcome::One(record) => Outcome::one(record)?,
                ContactOutcome::Created(record) => Outcome::created(record)?,
            };
            Ok((outcome, reached.connection()))
        }
        Action::HrEmployee(via, employee) => {
            let reached = Reached::resolve(hub, caller, Resource::HrEmployee, via).await?;
            let outcome = match hr::run(&reached.backend(), employee, rd).await? {
                EmployeeOutcome::Page(page) => Outcome::page(page)?,
                EmployeeOutcome::One(record) => Outcome::one(record)?,
            };
            Ok((outcome, reached.connection()))
        }
        Action::WhatsappMessage(named, WhatsappCommand::Create(message)) => {
            let nango = &hub.nango()?.client;
            let target = target::resolve(hub, caller, Resource::WhatsappMessage, named).await?;
            let receipt = messaging::send_whatsapp(nango, &target, message).await?;
            Ok((Outcome::created(receipt)?, Some(target.reference())))
        }
        Action::TwilioSms(named, SmsCommand::Create(sms)) => {
            let nango = &hub.nango()?.client;
            let target = target::resolve(hub, caller, Resource::TwilioSms, named).await?;
            let receipt = messaging::send_sms(nango, &target, sms).await?;
            Ok((Outcome::created(receipt)?, Some(target.reference())))
        }
    }
}

/// The backend a CRM or HR command reaches, resolved for the caller's organisation.
enum Reached<'h> {
    Nango {
        client: &'h NangoClient,
        target: Target,
    },
    Panora {
        client: &'h PanoraClient,
        token: String,
    },
}

impl<'h> Reached<'h> {
    /// The organisation's Nango connection for `resource`, or Panora with the body's token or
    /// else the organisation's stored one.
    async fn resolve(hub: &'h Hub, caller: &Caller, resource: Resource, via: &Via) -> Result<Self> {
        match via {
            Via::Nango(named) => Ok(Self::Nango {
                client: &hub.nango()?.client,
                target: target::resolve(hub, caller, resource, named).await?,
            }),
            Via::Panora { connection_token } => {
                let client = hub.panora.as_deref().ok_or_else(|| {
                    Error::invalid_field(
                        "provider",
                        "Panora is not configured on this Patchbay: set PANORA_API_URL and PANORA_API_KEY",
                    )
                })?;
                let token = match connection_token {
                    Some(token) => token.clone(),
                    None => panora::link::token(hub, &caller.org_id)
                        .await?
                        .ok_or_else(|| {
                            Error::NoConnection(
                                "your organisation has no Panora connection token: an admin saves one in Settings, or send connectionToken".to_owned(),
                            )
                        })?,
                };
                Ok(Self::Panora { client, token })
            }
        }
    }

    fn backend(&self) -> Backend<'_> {
        match self {
            Self::Nango { client, target } => Backend::Nango { client, target },
            Self::Panora { client, token } => Backend::Panora { client, token },
        }
    }

    /// The Nango connection that served the call (`None` for Panora).
    fn connection(&self) -> Option<ConnectionRef> {
        match self {
            Self::Nango { target, .. } => Some(target.reference()),
            Self::Panora { .. } => None,
        }
    }
}

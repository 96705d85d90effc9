//! `crm.contact`: one table of the providers that serve it. Each provider's calls and mapping
//! live in its own file as a [`ContactProvider`]; adding a provider is one new file and one line
//! in [`NANGO_PROVIDERS`]. The functions here run a [`ContactCommand`] against whichever
//! provider the backend reaches.

pub mod highlevel;
pub mod hubspot;
pub mod pipedrive;
pub mod salesforce;

use serde_json::Value;

use super::{
    call::{Backend, Call},
    command::ContactCommand,
    model::{ContactInput, EmailAddress, Page, PhoneNumber, UnifiedContact},
    panora,
    reader::{self, Reader},
};
use crate::{Error, Result};

/// How one provider serves `crm.contact`.
pub struct ContactProvider {
    /// Nango's provider key (`hubspot`), or `panora`.
    pub key: &'static str,
    /// The provider's name for messages (`HubSpot`).
    pub display_name: &'static str,
    pub read: Reader<UnifiedContact>,
    /// The create call for a checked input, with or without the raw record.
    pub create: fn(&ContactInput, bool) -> Result<Call>,
    /// The created record, from the answer and the call that was sent.
    pub created: fn(Value, &Call) -> Value,
}

/// The Nango providers whose contacts Patchbay maps.
pub const NANGO_PROVIDERS: &[&ContactProvider] = &[
    &hubspot::CONTACTS,
    &pipedrive::CONTACTS,
    &salesforce::CONTACTS,
    &highlevel::CONTACTS,
];

/// The provider behind `backend`.
pub fn provider(backend: &Backend<'_>) -> Result<&'static ContactProvider> {
    match backend {
        Backend::Panora { .. } => Ok(&panora::crm::CONTACTS),
        Backend::Nango { target, .. } => NANGO_PROVIDERS
            .iter()
            .copied()
            .find(|p| p.key == target.provider)
            .ok_or_else(|| {
                Error::invalid_field(
                    "connectionId",
                    format!("crm.contact is not mapped for {}", target.provider),
                )
            }),
    }
}

/// What a contact command produced.
pub enum ContactOutcome {
    Page(Page<UnifiedContact>),
    One(UnifiedContact),
    Created(UnifiedContact),
}

/// Runs `command` against the provider behind `backend`.
pub async fn run(
    backend: &Backend<'_>,
    command: &ContactCommand,
    remote_data: bool,
) -> Result<ContactOutcome> {
    let provider = provider(backend)?;
    Ok(match command {
        ContactCommand::List(params) => {
            ContactOutcome::Page(reader::list(backend, &provider.read, params, remote_data).await?)
        }
        ContactCommand::Get(id) => ContactOutcome::One(
            reader::get(backend, &provider.read, id, remote_data, "contact").await?,
        ),
        ContactCommand::Create(input) => {
            ContactOutcome::Created(create(backend, provider, input, remote_data).await?)
        }
    })
}

/// Creates a contact and maps what the provider says it created.
pub async fn create(
    backend: &Backend<'_>,
    provider: &ContactProvider,
    input: &ContactInput,
    remote_data: bool,
) -> Result<UnifiedContact> {
    let call = (provider.create)(input, remote_data)?;
    let answer = backend.send(call.clone()).await?;
    let record = (provider.created)(answer, &call);
    Ok(backend.finish((provider.read.map)(&record), &record, remote_data))
}

/// `[(value, type)]` as email addresses, leaving out empty values.
pub fn emails(values: Vec<(Option<String>, Option<String>)>) -> Vec<EmailAddress> {
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

/// `[(value, type)]` as phone numbers, leaving out empty values.
pub fn phones(values: Vec<(Option<String>, Option<String>)>) -> Vec<PhoneNumber> {
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

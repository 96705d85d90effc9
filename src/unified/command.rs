//! A checked unified request as a typed command: one enum variant per resource, one per
//! operation inside it, each carrying exactly what that operation needs. Once a body has become
//! a [`Command`], dispatch is an exhaustive `match`: there is no combination left to refuse.

use super::{
    messaging::{Sms, WhatsappBases, WhatsappMessage},
    model::ContactInput,
    request::{self, ListParams, NamedConnection, Operation, Provider, Resource, UnifiedRequest},
};
use crate::{Error, Result};

/// What one unified request asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub action: Action,
    /// Include the provider's raw record as `remote_data`.
    pub remote_data: bool,
}

/// The resource, its operation and where it is served.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    CrmContact(Via, ContactCommand),
    HrEmployee(Via, EmployeeCommand),
    WhatsappMessage(NamedConnection, WhatsappCommand),
    TwilioSms(NamedConnection, SmsCommand),
}

/// Which unified backend serves a CRM or HR command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// Nango's proxy, through the organisation's connection (named, or the only one).
    Nango(NamedConnection),
    /// Panora, with the token from the body or else the organisation's stored one.
    Panora { connection_token: Option<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub enum ContactCommand {
    List(ListParams),
    /// Patchbay's id or the provider's.
    Get(String),
    Create(ContactInput),
}

#[derive(Debug, Clone, PartialEq)]
pub enum EmployeeCommand {
    List(ListParams),
    Get(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum WhatsappCommand {
    Create(WhatsappMessage),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SmsCommand {
    Create(Sms),
}

impl Command {
    /// Checks a raw body into a command (every mistake a 400 naming its field).
    pub fn parse(body: &[u8], whatsapp_bases: &WhatsappBases) -> Result<Self> {
        Self::from_request(request::parse(body)?, whatsapp_bases)
    }

    /// Reads `data` and the operation's own fields of a field-checked request.
    pub fn from_request(request: UnifiedRequest, whatsapp_bases: &WhatsappBases) -> Result<Self> {
        let via = match request.provider {
            Provider::Nango => Via::Nango(request.connection.clone()),
            Provider::Panora => {
                if request.connection.connection_id.is_some()
                    || request.connection.provider_config_key.is_some()
                {
                    return Err(Error::invalid_field(
                        "connectionId",
                        "connectionId and providerConfigKey are Nango's; Panora is reached with connectionToken",
                    ));
                }
                Via::Panora {
                    connection_token: request.connection_token.clone(),
                }
            }
        };
        let id = || request.id.clone().ok_or_else(missing_id);
        let action = match request.resource {
            Resource::CrmContact => Action::CrmContact(
                via,
                match request.operation {
                    Operation::List => ContactCommand::List(request.params.clone()),
                    Operation::Get => ContactCommand::Get(id()?),
                    Operation::Create => {
                        ContactCommand::Create(ContactInput::from_data(&request.data)?)
                    }
                },
            ),
            Resource::HrEmployee => Action::HrEmployee(
                via,
                match request.operation {
                    Operation::List => EmployeeCommand::List(request.params.clone()),
                    Operation::Get => EmployeeCommand::Get(id()?),
                    Operation::Create => return Err(unsupported(&request)),
                },
            ),
            Resource::WhatsappMessage => match (via, request.operation) {
                (Via::Nango(named), Operation::Create) => Action::WhatsappMessage(
                    named,
                    WhatsappCommand::Create(WhatsappMessage::from_data(
                        &request.data,
                        whatsapp_bases,
                    )?),
                ),
                _ => return Err(unsupported(&request)),
            },
            Resource::TwilioSms => match (via, request.operation) {
                (Via::Nango(named), Operation::Create) => {
                    Action::TwilioSms(named, SmsCommand::Create(Sms::from_data(&request.data)?))
                }
                _ => return Err(unsupported(&request)),
            },
        };
        Ok(Self {
            action,
            remote_data: request.remote_data,
        })
    }

    pub fn provider(&self) -> Provider {
        match &self.action {
            Action::CrmContact(via, _) | Action::HrEmployee(via, _) => match via {
                Via::Nango(_) => Provider::Nango,
                Via::Panora { .. } => Provider::Panora,
            },
            Action::WhatsappMessage(..) | Action::TwilioSms(..) => Provider::Nango,
        }
    }

    pub fn resource(&self) -> Resource {
        match &self.action {
            Action::CrmContact(..) => Resource::CrmContact,
            Action::HrEmployee(..) => Resource::HrEmployee,
            Action::WhatsappMessage(..) => Resource::WhatsappMessage,
            Action::TwilioSms(..) => Resource::TwilioSms,
        }
    }

    pub fn operation(&self) -> Operation {
        match &self.action {
            Action::CrmContact(_, ContactCommand::List(_))
            | Action::HrEmployee(_, EmployeeCommand::List(_)) => Operation::List,
            Action::CrmContact(_, ContactCommand::Get(_))
            | Action::HrEmployee(_, EmployeeCommand::Get(_)) => Operation::Get,
            Action::CrmContact(_, ContactCommand::Create(_))
            | Action::WhatsappMessage(_, WhatsappCommand::Create(_))
            | Action::TwilioSms(_, SmsCommand::Create(_)) => Operation::Create,
        }
    }

    /// The paging of a list.
    pub fn list_params(&self) -> Option<&ListParams> {
        match &self.action {
            Action::CrmContact(_, ContactCommand::List(params))
            | Action::HrEmployee(_, EmployeeCommand::List(params)) => Some(params),
            _ => None,
        }
    }
}

fn missing_id() -> Error {
    Error::invalid_field(
        "id",
        "id is required for get: the record's id (or its remote_id)",
    )
}

/// A combination the field checks already refuse (kept as a 400, never a 500, should the two
/// tables ever disagree).
fn unsupported(request: &UnifiedRequest) -> Error {
    let allowed: Vec<String> = request
        .resource
        .operations()
        .iter()
        .map(|o| o.as_str().to_owned())
        .collect();
    Error::InvalidField {
        field: "operation".to_owned(),
        message: format!(
            "operation {:?} is not available: {} only supports {} through {}",
            request.operation.as_str(),
            request.resource.as_str(),
            allowed.join(", "),
            request.provider.as_str()
        ),
        allowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn command(value: Value) -> Result<Command> {
        Command::parse(value.to_string().as_bytes(), &WhatsappBases::default())
    }

    #[test]
    fn each_request_becomes_its_command() {
        let list = command(json!({"provider": "panora", "resource": "crm.contact",
            "operation": "list", "params": {"page": 1, "page_size": 50}}))
        .unwrap();
        assert_eq!(
            (list.provider(), list.resource(), list.operation()),
            (Provider::Panora, Resource::CrmContact, Operation::List)
        );
        assert_eq!(list.list_params().unwrap().page_size, 50);
        let get = command(json!({"provider": "nango", "resource": "hr.employee",
            "operation": "get", "id": "emp_123"}))
        .unwrap();
        assert_eq!(
            get.action,
            Action::HrEmployee(
                Via::Nango(NamedConnection::default()),
                EmployeeCommand::Get("emp_123".to_owned())
            )
        );
        let sms = command(json!({"provider": "nango", "resource": "twilio.sms",
            "operation": "create", "data": {"from": "+15005550006", "to": "+14155550100", "body": "hi"}}))
        .unwrap();
        assert_eq!(sms.operation(), Operation::Create);
    }

    #[test]
    fn panora_refuses_nango_connection_names() {
        let err = command(json!({"provider": "panora", "resource": "crm.contact",
            "operation": "list", "connectionId": "c1"}))
        .unwrap_err();
        assert_eq!(err.field(), Some("connectionId"));
    }
}

//! Which of the organisation's connections serves a unified request: the one the body names
//! (`connectionId`, with `providerConfigKey` when the id alone is ambiguous), or else the one
//! usable connection whose provider supports the resource. Never another organisation's.

use super::{
    crm, hr,
    request::{NamedConnection, Resource},
};
use crate::{
    Error, Hub, Result,
    caller::Caller,
    connections::{self, ConnectionQuery, ConnectionStatus, OrgConnection},
    error::ConnectionRef,
};

/// A connection picked for a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub provider_config_key: String,
    pub connection_id: String,
    /// Nango's provider (`hubspot`), which decides the mapping.
    pub provider: String,
    /// The connector's name for messages (`HubSpot`).
    pub display_name: String,
}

impl Target {
    pub fn reference(&self) -> ConnectionRef {
        ConnectionRef {
            provider_config_key: self.provider_config_key.clone(),
            connection_id: self.connection_id.clone(),
        }
    }
}

/// Nango providers whose API Patchbay maps for `resource`, with their display names: for
/// contacts and employees, the rows of their provider tables.
pub fn providers_for(resource: Resource) -> Vec<(&'static str, &'static str)> {
    match resource {
        Resource::CrmContact => crm::NANGO_PROVIDERS
            .iter()
            .map(|p| (p.key, p.display_name))
            .collect(),
        Resource::HrEmployee => hr::NANGO_PROVIDERS
            .iter()
            .flat_map(|p| p.keys.iter().map(|k| (*k, p.display_name)))
            .collect(),
        Resource::WhatsappMessage => vec![("whatsapp-business", "WhatsApp Business")],
        Resource::TwilioSms => vec![("twilio", "Twilio")],
    }
}

fn supported_names(resource: Resource) -> String {
    let mut names: Vec<&str> = providers_for(resource).iter().map(|(_, n)| *n).collect();
    names.dedup();
    names.join(", ")
}

/// Picks the connection for `resource` among the caller's organisation's connections.
pub async fn resolve(
    hub: &Hub,
    caller: &Caller,
    resource: Resource,
    named: &NamedConnection,
) -> Result<Target> {
    let all =
        connections::list_for_org(&hub.db, &caller.org_id, &ConnectionQuery::default()).await?;
    let candidates: Vec<Target> = all
        .iter()
        .filter(|c| c.status != ConnectionStatus::Disconnected)
        .filter(|c| {
            named
                .connection_id
                .as_ref()
                .is_none_or(|id| *id == c.nango_connection_id)
                && named
                    .provider_config_key
                    .as_ref()
                    .is_none_or(|key| *key == c.provider_config_key)
        })
        .map(|c| to_target(hub, c))
        .collect();
    let named_any = named.connection_id.is_some() || named.provider_config_key.is_some();
    let providers = providers_for(resource);
    let supported: Vec<Target> = candidates
        .iter()
        .filter(|t| providers.iter().any(|(p, _)| *p == t.provider))
        .cloned()
        .collect();
    if named_any && supported.is_empty() {
        return Err(match candidates.first() {
            Some(other) => Error::invalid_field(
                "connectionId",
                format!(
                    "{} is a {} connection; {} needs one of: {}",
                    other.connection_id,
                    other.display_name,
                    resource.as_str(),
                    supported_names(resource)
                ),
            ),
            None => Error::NoConnection(format!(
                "your organisation has no live connection {}; list them with GET /api/v1/connections",
                describe(named)
            )),
        });
    }
    let target = match supported.as_slice() {
        [] => {
            return Err(Error::NoConnection(format!(
                "no live connection of your organisation supports {}; connect one of {} in the catalog",
                resource.as_str(),
                supported_names(resource)
            )));
        }
        [one] => one.clone(),
        several => {
            return Err(Error::AmbiguousConnection {
                message: format!(
                    "{} connections could serve {}; name one with connectionId and providerConfigKey",
                    several.len(),
                    resource.as_str()
                ),
                candidates: several.iter().map(Target::reference).collect(),
            });
        }
    };
    refuse_unusable(&all, &target)?;
    Ok(target)
}

fn to_target(hub: &Hub, row: &OrgConnection) -> Target {
    let connector = hub.catalog.get(&row.connector_slug);
    Target {
        provider_config_key: row.provider_config_key.clone(),
        connection_id: row.nango_connection_id.clone(),
        provider: connector
            .and_then(|c| c.nango_provider_key.clone())
            .unwrap_or_else(|| row.provider_config_key.clone()),
        display_name: connector.map_or_else(|| row.connector_slug.clone(), |c| c.name.clone()),
    }
}

/// A connection whose credentials are known to be broken is not worth a call.
fn refuse_unusable(all: &[OrgConnection], target: &Target) -> Result<()> {
    let row = all.iter().find(|c| {
        c.nango_connection_id == target.connection_id
            && c.provider_config_key == target.provider_config_key
    });
    match row.map(|c| c.status) {
        Some(ConnectionStatus::NeedsReconnect) => Err(Error::conflict(
            "connectionId",
            format!(
                "the {} connection {} needs reconnecting; reconnect it in Patchbay first",
                target.display_name, target.connection_id
            ),
        )),
        _ => Ok(()),
    }
}

fn describe(named: &NamedConnection) -> String {
    match (&named.connection_id, &named.provider_config_key) {
        (Some(id), Some(key)) => format!("{id} for {key}"),
        (Some(id), None) => id.clone(),
        (None, Some(key)) => format!("for {key}"),
        (None, None) => String::new(),
    }
}

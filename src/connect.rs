//! The Connect flow's two server-side steps (docs/flows.md, "Connect"): a connect session limited
//! to one integration and tagged with the person and organisation, then the confirmation that reads
//! the new connection back from Nango, refuses it unless it carries this organisation's tag, and
//! records it. The browser's word alone never creates a connection.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{
    Error, Hub, Result,
    accounts::Viewer,
    connections::{Recorded, record_active},
    nango::{
        NangoError,
        types::{CreateConnectSession, EndUser, GetConnectionOptions, Organization},
    },
};

/// What the browser needs to open Connect UI: a short-lived session token (made for the
/// browser; it grants nothing but this one connection flow) and where Connect UI lives.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectStart {
    pub session_token: String,
    pub expires_at: String,
    pub provider_config_key: String,
}

/// The Nango integration key of a catalog connector, or a clear refusal.
fn integration_key<'a>(hub: &'a Hub, connector_slug: &str) -> Result<&'a str> {
    let connector = hub
        .catalog
        .get(connector_slug)
        .ok_or(Error::NotFound("connector"))?;
    connector.nango_provider_key.as_deref().ok_or_else(|| {
        Error::validation(
            "connector",
            format!(
                "{} is not powered by Nango, so it cannot be connected here",
                connector.name
            ),
        )
    })
}

/// Who a connect session is for, as Nango records it: the person as end user, their
/// organisation, and the tags by which webhooks and confirmations find the organisation again.
pub(crate) struct SessionIdentity {
    pub end_user: EndUser,
    pub organization: Organization,
    pub tags: BTreeMap<String, String>,
}

pub(crate) fn session_identity(viewer: &Viewer) -> Result<SessionIdentity> {
    let org = viewer.require_org()?;
    Ok(SessionIdentity {
        end_user: EndUser {
            id: viewer.user.id.clone(),
            email: Some(viewer.user.email.clone()),
            display_name: Some(viewer.user.display_name.clone()),
        },
        organization: Organization {
            id: org.org_id.clone(),
            display_name: Some(org.org_name.clone()),
        },
        tags: [
            ("organization_id".to_owned(), org.org_id.clone()),
            ("end_user_id".to_owned(), viewer.user.id.clone()),
        ]
        .into(),
    })
}

/// Creates a connect session for the viewer in their organisation, limited to one connector.
pub async fn start(hub: &Hub, viewer: &Viewer, connector_slug: &str) -> Result<ConnectStart> {
    let identity = session_identity(viewer)?;
    let key = integration_key(hub, connector_slug)?;
    let nango = hub.nango()?;
    let request = CreateConnectSession {
        end_user: Some(identity.end_user),
        organization: Some(identity.organization),
        tags: identity.tags,
        allowed_integrations: vec![key.to_owned()],
    };
    let session = nango.client.create_connect_session(&request).await?;
    Ok(ConnectStart {
        session_token: session.token,
        expires_at: session.expires_at,
        provider_config_key: key.to_owned(),
    })
}

/// Reads the connection Connect UI reported from Nango and records it for the viewer's
/// organisation, refusing a connection that carries another organisation's tag.
pub async fn confirm(
    hub: &Hub,
    viewer: &Viewer,
    provider_config_key: &str,
    connection_id: &str,
    ip: Option<&str>,
) -> Result<String> {
    let org = viewer.require_org()?;
    if provider_config_key.trim().is_empty() || connection_id.trim().is_empty() {
        return Err(Error::validation(
            "connection_id",
            "the connection to confirm is missing",
        ));
    }
    let nango = hub.nango()?;
    let connection = match nango
        .client
        .get_connection(
            connection_id,
            provider_config_key,
            GetConnectionOptions::default(),
        )
        .await
    {
        Ok(connection) => connection,
        Err(NangoError::Api { status: 404, .. }) => return Err(Error::NotFound("connection")),
        Err(NangoError::Api {
            status: 400, code, ..
        }) if code == "unknown_provider_config" => {
            return Err(Error::NotFound("connection"));
        }
        Err(other) => return Err(other.into()),
    };
    if connection.tag("organization_id") != Some(org.org_id.as_str()) {
        tracing::warn!(org.id = %org.org_id, "refused to confirm another organisation's connection");
        return Err(Error::Forbidden(
            "this connection belongs to another organisation".to_owned(),
        ));
    }
    let mut tx = hub.db.begin_write().await?;
    let id = record_active(
        &mut tx,
        &hub.catalog,
        Recorded {
            org_id: &org.org_id,
            provider_config_key,
            provider: Some(connection.provider.as_str()),
            nango_connection_id: connection_id,
            connected_by: connection
                .tag("end_user_id")
                .or(Some(viewer.user.id.as_str())),
            auth_mode: connection.credentials.kind(),
            via: "connect_confirmation",
            ip,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

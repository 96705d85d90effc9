//! The connections page's server functions: the organisation's connections, and the actions
//! on one (check now, reconnect, disconnect), each a thin call into `patchbay::manage`.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{ConnectStart, ConnectionsView},
};

/// The organisation's connections (every member sees them; actions follow the rules).
#[server(endpoint = "connections/list")]
pub async fn load_connections() -> Result<ConnectionsView, AppError> {
    use crate::model::{ConnectTarget, ConnectionRow};
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    let org = viewer.require_org()?;
    let is_admin = org.role == patchbay::orgs::Role::Admin;
    let found =
        patchbay::connections::list_for_org(&cx.hub.db, &org.org_id, &Default::default()).await?;
    let rows = found
        .into_iter()
        .map(|c| {
            let connector = cx.hub.catalog.get(&c.connector_slug);
            ConnectionRow {
                can_manage: is_admin
                    || c.connected_by_id.as_deref() == Some(viewer.user.id.as_str()),
                connector_name: connector
                    .map_or_else(|| c.connector_slug.clone(), |k| k.name.clone()),
                logo_url: connector.map_or_else(String::new, |k| k.logo_url.clone()),
                id: c.id,
                connector_slug: c.connector_slug,
                account: c.nango_connection_id,
                status: c.status.as_str().to_owned(),
                status_detail: c.status_detail,
                connected_by: c.connected_by,
                connected_at: c.connected_at,
                last_checked_at: c.last_checked_at,
            }
        })
        .collect();
    let connect = cx.hub.nango.as_deref().map(|link| ConnectTarget {
        connect_ui_url: link.connect_ui_url.clone(),
        api_url: link.browser_api_url.clone(),
    });
    Ok(ConnectionsView { rows, connect })
}

/// Reads the connection from Nango and updates its status.
#[server(endpoint = "connections/check")]
pub async fn check_connection(id: String) -> Result<String, AppError> {
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    let ip = crate::ssr::client_ip().await;
    let status = patchbay::manage::check(&cx.hub, &viewer, &id, ip.as_deref()).await?;
    Ok(status.as_str().to_owned())
}

/// A reconnect session for Connect UI (same connection id).
#[server(endpoint = "connections/reconnect")]
pub async fn reconnect_connection(id: String) -> Result<ConnectStart, AppError> {
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    let start = patchbay::manage::reconnect(&cx.hub, &viewer, &id).await?;
    Ok(ConnectStart {
        session_token: start.session_token,
        provider_config_key: start.provider_config_key,
    })
}

/// Deletes the connection in Nango and marks it disconnected.
#[server(endpoint = "connections/disconnect")]
pub async fn disconnect_connection(id: String) -> Result<(), AppError> {
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    let ip = crate::ssr::client_ip().await;
    Ok(patchbay::manage::disconnect(&cx.hub, &viewer, &id, ip.as_deref()).await?)
}

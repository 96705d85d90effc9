//! The admin view's server functions: every connection with filters, the webhook log and the
//! audit log, for admins only.

use leptos::prelude::*;

use crate::{error::AppError, model::AdminView};

/// The admin view, filtered by connector, status and the person who connected.
#[server(endpoint = "admin/overview")]
pub async fn load_admin(
    connector: Option<String>,
    status: Option<String>,
    user: Option<String>,
) -> Result<AdminView, AppError> {
    use crate::model::{AuditItem, FilterOption, WebhookItem};
    use patchbay::connections::{ConnectionQuery, ConnectionStatus};
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    let org = viewer.require_admin()?.clone();
    let nonempty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let status = match nonempty(status) {
        None => None,
        Some(raw) => Some(ConnectionStatus::parse(&raw).ok_or_else(|| {
            patchbay::Error::InvalidChoice {
                field: "status",
                value: raw,
                allowed: [
                    "active",
                    "syncing",
                    "error",
                    "needs_reconnect",
                    "disconnected",
                ]
                .map(str::to_owned)
                .to_vec(),
            }
        })?),
    };
    let query = ConnectionQuery {
        connector_slug: nonempty(connector),
        status,
        connected_by: nonempty(user),
    };
    let connections = patchbay::connections::list_for_org(&cx.hub.db, &org.org_id, &query).await?;
    let everything =
        patchbay::connections::list_for_org(&cx.hub.db, &org.org_id, &Default::default()).await?;
    let mut connectors: Vec<FilterOption> = Vec::new();
    let mut users: Vec<FilterOption> = Vec::new();
    for c in &everything {
        if !connectors.iter().any(|o| o.value == c.connector_slug) {
            let label = cx
                .hub
                .catalog
                .get(&c.connector_slug)
                .map_or_else(|| c.connector_slug.clone(), |k| k.name.clone());
            connectors.push(FilterOption {
                value: c.connector_slug.clone(),
                label,
            });
        }
        if let (Some(id), Some(name)) = (&c.connected_by_id, &c.connected_by)
            && !users.iter().any(|o| &o.value == id)
        {
            users.push(FilterOption {
                value: id.clone(),
                label: name.clone(),
            });
        }
    }
    let webhooks = patchbay::webhooks::recent(&cx.hub, &viewer, 100).await?;
    let audit = patchbay::audit::recent(&cx.hub, &viewer, 100).await?;
    Ok(AdminView {
        connections: connections
            .into_iter()
            .map(|c| crate::model::AdminConnection {
                connector_name: cx
                    .hub
                    .catalog
                    .get(&c.connector_slug)
                    .map_or_else(|| c.connector_slug.clone(), |k| k.name.clone()),
                account: c.nango_connection_id,
                status: c.status.as_str().to_owned(),
                connected_by: c.connected_by,
                connected_at: c.connected_at,
            })
            .collect(),
        connectors,
        users,
        webhooks: webhooks
            .into_iter()
            .map(|w| WebhookItem {
                received_at: w.received_at,
                event_type: w.event_type,
                operation: w.operation,
                connection: w.nango_connection_id,
                signature: w.signature,
                outcome: w.outcome,
                detail: w.outcome_detail,
            })
            .collect(),
        audit: audit
            .into_iter()
            .map(|a| AuditItem {
                at: a.created_at,
                actor: a.actor,
                action: a.action,
                ip: a.ip,
            })
            .collect(),
    })
}

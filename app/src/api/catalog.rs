//! The catalog page and the connector detail page.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{CatalogView, ConnectorDetail},
};

/// The connectors matching `q` in `category`, with the organisation's accounts of each. An
/// unknown category is reported and ignored, so a stale link still shows the catalog.
#[server(endpoint = "catalog/browse")]
pub async fn browse_catalog(q: String, category: Option<String>) -> Result<CatalogView, AppError> {
    use crate::model::CategoryChip;
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::viewer(&cx).await?;
    let org_id = viewer
        .as_ref()
        .and_then(|v| v.org.as_ref())
        .map(|o| o.org_id.as_str());
    let hub = &cx.hub;
    let (browse, unknown_category) =
        match patchbay::catalog::browse(&hub.catalog, &hub.db, org_id, &q, category.as_deref())
            .await
        {
            Err(patchbay::Error::InvalidChoice { value, .. }) => (
                patchbay::catalog::browse(&hub.catalog, &hub.db, org_id, &q, None).await?,
                Some(value),
            ),
            other => (other?, None),
        };
    let chip = |(c, count): (patchbay::catalog::Category, usize)| CategoryChip {
        slug: c.slug.to_owned(),
        label: c.label.to_owned(),
        count,
    };
    Ok(CatalogView {
        connectors: browse
            .connectors
            .iter()
            .map(|(c, usage)| crate::ssr::connector_card(c, usage))
            .collect(),
        category: browse.category.map(|c| {
            let count = browse
                .categories
                .iter()
                .find(|(cat, _)| cat.slug == c.slug)
                .map_or(0, |(_, n)| *n);
            chip((c, count))
        }),
        categories: browse.categories.into_iter().map(chip).collect(),
        unknown_category,
        total_in_catalog: hub.catalog.len(),
    })
}

/// One connector with the organisation's connections of it.
#[server(endpoint = "catalog/connector")]
pub async fn load_connector(slug: String) -> Result<ConnectorDetail, AppError> {
    use crate::model::ConnectionItem;
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::viewer(&cx).await?;
    let org_id = viewer
        .as_ref()
        .and_then(|v| v.org.as_ref())
        .map(|o| o.org_id.clone());
    let detail =
        patchbay::catalog::detail(&cx.hub.catalog, &cx.hub.db, org_id.as_deref(), &slug).await?;
    let connections = detail
        .connections
        .iter()
        .map(|c| ConnectionItem {
            id: c.id.clone(),
            account: c
                .account_label
                .clone()
                .unwrap_or_else(|| c.nango_connection_id.clone()),
            status: c.status.as_str().to_owned(),
            connected_by: c.connected_by.clone(),
            connected_at: c.connected_at,
        })
        .collect();
    let connect = match (&viewer, cx.hub.nango.as_deref()) {
        (Some(v), Some(link)) if v.org.is_some() && detail.connector.nango_enabled() => {
            Some(crate::model::ConnectTarget {
                connect_ui_url: link.connect_ui_url.clone(),
                api_url: link.browser_api_url.clone(),
            })
        }
        _ => None,
    };
    Ok(ConnectorDetail {
        connect,
        card: crate::ssr::connector_card(detail.connector, &detail.usage),
        nango_provider_key: detail.connector.nango_provider_key.clone(),
        docs_url: detail.connector.docs_url.clone(),
        signed_in: viewer.is_some(),
        connections,
    })
}

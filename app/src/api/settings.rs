//! The settings page's server functions: API keys (create, shown once; revoke) and the
//! organisation's Panora connection token, each a thin call into the core, for admins.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{CreatedApiKey, SettingsView},
};

#[cfg(feature = "ssr")]
async fn admin_caller() -> Result<(crate::ssr::ServerContext, patchbay::caller::Caller), AppError> {
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    viewer.require_admin()?;
    let caller = patchbay::caller::Caller::from_viewer(&viewer)?;
    Ok((cx, caller))
}

/// Everything the settings page shows.
#[server(endpoint = "settings/load")]
pub async fn load_settings() -> Result<SettingsView, AppError> {
    use crate::model::{ApiKeyItem, PanoraLinkInfo};
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    let org = viewer.require_admin()?.clone();
    let caller = patchbay::caller::Caller::from_viewer(&viewer)?;
    let api_keys = patchbay::api_keys::list(&cx.hub, &caller)
        .await?
        .into_iter()
        .map(|k| ApiKeyItem {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            created_by: k.created_by,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        })
        .collect();
    let panora = patchbay::unified::panora::link::show(&cx.hub, &caller)
        .await?
        .map(|p| PanoraLinkInfo {
            label: p.label,
            token_hint: p.token_hint,
            updated_by: p.updated_by,
            updated_at: p.updated_at,
        });
    Ok(SettingsView {
        org_name: org.org_name,
        api_keys,
        panora,
        panora_enabled: cx.hub.panora.is_some(),
        api_docs_url: format!("{}/api/docs", cx.public_url),
    })
}

/// Creates an API key; the answer is the only time the key is shown.
#[server(endpoint = "settings/create_api_key")]
pub async fn create_api_key(name: String) -> Result<CreatedApiKey, AppError> {
    let (cx, caller) = admin_caller().await?;
    let ip = crate::ssr::client_ip().await;
    let created = patchbay::api_keys::create(&cx.hub, &caller, &name, ip.as_deref()).await?;
    Ok(CreatedApiKey {
        name: created.key.name,
        secret: created.secret,
    })
}

/// Revokes an API key at once.
#[server(endpoint = "settings/revoke_api_key")]
pub async fn revoke_api_key(id: String) -> Result<(), AppError> {
    let (cx, caller) = admin_caller().await?;
    let ip = crate::ssr::client_ip().await;
    Ok(patchbay::api_keys::revoke(&cx.hub, &caller, &id, ip.as_deref()).await?)
}

/// Stores the organisation's Panora connection token.
#[server(endpoint = "settings/save_panora")]
pub async fn save_panora(connection_token: String, label: String) -> Result<(), AppError> {
    let (cx, caller) = admin_caller().await?;
    let ip = crate::ssr::client_ip().await;
    Ok(patchbay::unified::panora::link::save(
        &cx.hub,
        &caller,
        &connection_token,
        &label,
        ip.as_deref(),
    )
    .await?)
}

/// Forgets the organisation's Panora connection token.
#[server(endpoint = "settings/remove_panora")]
pub async fn remove_panora() -> Result<(), AppError> {
    let (cx, caller) = admin_caller().await?;
    let ip = crate::ssr::client_ip().await;
    Ok(patchbay::unified::panora::link::remove(&cx.hub, &caller, ip.as_deref()).await?)
}

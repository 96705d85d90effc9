//! The two server functions of the Connect flow: start (a connect session for one connector)
//! and confirm (record the connection Connect UI reported, after Nango vouches for it).

use leptos::prelude::*;

use crate::{error::AppError, model::ConnectStart};

/// Creates a Nango connect session for the signed-in person, limited to `slug`.
#[server(endpoint = "connect/start")]
pub async fn start_connect(slug: String) -> Result<ConnectStart, AppError> {
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    let start = patchbay::connect::start(&cx.hub, &viewer, &slug).await?;
    Ok(ConnectStart {
        session_token: start.session_token,
        provider_config_key: start.provider_config_key,
    })
}

/// Confirms the connection Connect UI reported and records it for the organisation.
#[server(endpoint = "connect/confirm")]
pub async fn confirm_connect(
    provider_config_key: String,
    connection_id: String,
) -> Result<(), AppError> {
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    let ip = crate::ssr::client_ip().await;
    patchbay::connect::confirm(
        &cx.hub,
        &viewer,
        &provider_config_key,
        &connection_id,
        ip.as_deref(),
    )
    .await?;
    Ok(())
}

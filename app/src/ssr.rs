//! Server-side plumbing shared by the server functions: the services the server provides as
//! context, the signed-in viewer from the session cookie, the client's IP, cookies and status.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::{HeaderValue, header};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use patchbay::{
    Hub,
    accounts::{Viewer, sessions},
    client_ip::ClientIp,
};

use crate::error::AppError;

/// What the server hands every page render and server function.
#[derive(Clone, Debug)]
pub struct ServerContext {
    pub hub: Hub,
    /// Add `Secure` to cookies (the public URL is https).
    pub secure_cookies: bool,
    /// The public base URL, for links such as invites.
    pub public_url: String,
}

/// The server's context, or an internal error if the server forgot to provide it.
pub fn context() -> Result<ServerContext, AppError> {
    use_context::<ServerContext>().ok_or_else(|| {
        patchbay::Error::Internal("the server context is not provided".to_owned()).into()
    })
}

/// The session token from the request's cookie, if any.
pub fn session_token() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(sessions::token_in_cookie_header)
        .map(str::to_owned)
}

/// The signed-in viewer, if the request carries a live session.
pub async fn viewer(cx: &ServerContext) -> Result<Option<Viewer>, AppError> {
    match session_token() {
        Some(token) => Ok(sessions::load(&cx.hub, &token).await?),
        None => Ok(None),
    }
}

/// The signed-in viewer, or `unauthenticated`.
pub async fn require_viewer(cx: &ServerContext) -> Result<Viewer, AppError> {
    viewer(cx)
        .await?
        .ok_or_else(|| patchbay::Error::Unauthenticated.into())
}

/// The client's IP address, for rate limits and the audit log: the one the server's middleware
/// resolved (`PATCHBAY_TRUSTED_PROXY`), else the TCP peer.
pub async fn client_ip() -> Option<String> {
    let resolved = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientIp>().copied());
    if let Some(ip) = resolved {
        return Some(ip.to_string());
    }
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
}

/// Sets the session cookie (HttpOnly, SameSite=Lax; Secure behind https).
pub fn set_session_cookie(cx: &ServerContext, token: &str, max_age_secs: i64) {
    let secure = if cx.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}",
        sessions::COOKIE_NAME
    );
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&cookie),
    ) {
        response.append_header(header::SET_COOKIE, value);
    }
}

/// Converts the core's viewer into the wire type.
pub fn viewer_info(viewer: &Viewer) -> crate::model::ViewerInfo {
    let org_info = |m: &patchbay::orgs::OrgMembership| crate::model::OrgInfo {
        id: m.org_id.clone(),
        name: m.org_name.clone(),
        role: m.role.as_str().to_owned(),
        is_admin: m.role == patchbay::orgs::Role::Admin,
    };
    crate::model::ViewerInfo {
        user_id: viewer.user.id.clone(),
        display_name: viewer.user.display_name.clone(),
        email: viewer.user.email.clone(),
        org: viewer.org.as_ref().map(org_info),
        orgs: viewer.orgs.iter().map(org_info).collect(),
    }
}

/// Converts a catalog connector (with the organisation's usage) into a card.
pub fn connector_card(
    c: &patchbay::catalog::Connector,
    usage: &patchbay::connections::ConnectorUsage,
) -> crate::model::ConnectorCard {
    crate::model::ConnectorCard {
        slug: c.slug.clone(),
        name: c.name.clone(),
        description: c.description.clone(),
        category_slug: c.category.slug.to_owned(),
        category_label: c.category.label.to_owned(),
        nango_enabled: c.nango_enabled(),
        auth_mode: c.auth_mode.clone(),
        beta: c.status == patchbay::catalog::Status::Beta,
        version: c.version.clone(),
        logo_url: c.logo_url.clone(),
        accounts: usage.accounts,
        needing_attention: usage.needing_attention,
    }
}

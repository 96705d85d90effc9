//! Sign-up, sign-in, sign-out, the current viewer and the organisation switcher.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{PublicConfig, ViewerInfo},
};

/// The public side of the configuration (Connect UI and API URLs, sandbox mode).
#[server(endpoint = "config/public")]
pub async fn load_public_config() -> Result<PublicConfig, AppError> {
    let cx = crate::ssr::context()?;
    Ok(match cx.hub.nango.as_deref() {
        Some(link) => PublicConfig {
            nango_enabled: true,
            sandbox: link.sandbox,
            connect_ui_url: Some(link.connect_ui_url.clone()),
            nango_api_url: Some(link.browser_api_url.clone()),
        },
        None => PublicConfig {
            nango_enabled: false,
            sandbox: false,
            connect_ui_url: None,
            nango_api_url: None,
        },
    })
}

/// The signed-in person, or `None`.
#[server(endpoint = "session/viewer")]
pub async fn current_viewer() -> Result<Option<ViewerInfo>, AppError> {
    let cx = crate::ssr::context()?;
    Ok(crate::ssr::viewer(&cx)
        .await?
        .as_ref()
        .map(crate::ssr::viewer_info))
}

/// Creates an account and its organisation, signs the person in and goes to `next`. For an
/// email that already has an account the answer is the same (status and body; no session), and
/// the browser goes to the sign-in page, which says what to do: the answer does not reveal
/// whether the email is registered beyond the missing session (see `patchbay::accounts::users`).
#[server(endpoint = "auth/sign_up")]
pub async fn sign_up(
    display_name: String,
    email: String,
    password: String,
    org_name: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    use patchbay::accounts::{SignUp, SignedUp, sessions::SESSION_TTL_MS};
    let cx = crate::ssr::context()?;
    let ip = crate::ssr::client_ip().await;
    let input = SignUp {
        email,
        display_name,
        password,
        org_name,
    };
    let next = crate::model::safe_next(next.as_deref().unwrap_or("/"));
    match patchbay::accounts::sign_up(&cx.hub, input, ip.as_deref()).await? {
        SignedUp::Created(_, session) => {
            crate::ssr::set_session_cookie(&cx, &session.token, SESSION_TTL_MS / 1000);
            leptos_axum::redirect(next);
        }
        SignedUp::AlreadyRegistered => leptos_axum::redirect(&format!(
            "/sign-in?reason=sign-up&next={}",
            crate::model::encode_query_value(next)
        )),
    }
    Ok(())
}

/// Signs in with email and password and goes to `next`.
#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use patchbay::accounts::sessions::SESSION_TTL_MS;
    let cx = crate::ssr::context()?;
    let ip = crate::ssr::client_ip().await;
    let (_, session) =
        patchbay::accounts::sign_in(&cx.hub, &email, &password, ip.as_deref()).await?;
    crate::ssr::set_session_cookie(&cx, &session.token, SESSION_TTL_MS / 1000);
    leptos_axum::redirect(crate::model::safe_next(next.as_deref().unwrap_or("/")));
    Ok(())
}

/// Ends the session and clears the cookie.
#[server(endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let cx = crate::ssr::context()?;
    if let Some(token) = crate::ssr::session_token() {
        patchbay::accounts::sessions::destroy(&cx.hub, &token).await?;
    }
    crate::ssr::set_session_cookie(&cx, "", 0);
    leptos_axum::redirect("/");
    Ok(())
}

/// Makes another of the person's organisations the active one.
#[server(endpoint = "session/switch_org")]
pub async fn switch_org(org_id: String) -> Result<(), AppError> {
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    patchbay::accounts::sessions::switch_org(&cx.hub, &viewer, &org_id).await?;
    Ok(())
}

//! Members, roles and invitations of the active organisation.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{CreatedInvite, InviteInfo, MembersView},
};

/// The members page: members for everyone, pending invites and controls for admins.
#[server(endpoint = "org/members")]
pub async fn load_members() -> Result<MembersView, AppError> {
    use crate::model::{InviteItem, MemberItem};
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    let org = viewer.require_org()?.clone();
    let can_manage = org.role == patchbay::orgs::Role::Admin;
    let members = patchbay::orgs::members(&cx.hub, &viewer).await?;
    let invites = if can_manage {
        patchbay::orgs::invites::pending(&cx.hub, &viewer).await?
    } else {
        Vec::new()
    };
    Ok(MembersView {
        org_name: org.org_name,
        can_manage,
        members: members
            .into_iter()
            .map(|m| MemberItem {
                is_self: m.user_id == viewer.user.id,
                user_id: m.user_id,
                email: m.email,
                display_name: m.display_name,
                role: m.role.as_str().to_owned(),
                joined_at: m.joined_at,
            })
            .collect(),
        invites: invites
            .into_iter()
            .map(|i| InviteItem {
                id: i.id,
                email: i.email,
                role: i.role.as_str().to_owned(),
                expires_at: i.expires_at,
            })
            .collect(),
    })
}

/// Invites `email` with `role`; the link is returned once.
#[server(endpoint = "org/invite")]
pub async fn create_invite(email: String, role: String) -> Result<CreatedInvite, AppError> {
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    let role = patchbay::orgs::Role::parse(&role)?;
    let ip = crate::ssr::client_ip().await;
    let invite =
        patchbay::orgs::invites::create(&cx.hub, &viewer, &email, role, ip.as_deref()).await?;
    Ok(CreatedInvite {
        link: format!(
            "{}/invite/{}",
            cx.public_url.trim_end_matches('/'),
            invite.token
        ),
        email: invite.email,
        role: invite.role.as_str().to_owned(),
        expires_at: invite.expires_at,
    })
}

/// Withdraws a pending invite.
#[server(endpoint = "org/revoke_invite")]
pub async fn revoke_invite(invite_id: String) -> Result<(), AppError> {
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    let ip = crate::ssr::client_ip().await;
    Ok(patchbay::orgs::invites::revoke(&cx.hub, &viewer, &invite_id, ip.as_deref()).await?)
}

/// Gives a member another role.
#[server(endpoint = "org/change_role")]
pub async fn change_role(user_id: String, role: String) -> Result<(), AppError> {
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    let role = patchbay::orgs::Role::parse(&role)?;
    let ip = crate::ssr::client_ip().await;
    Ok(patchbay::orgs::change_role(&cx.hub, &viewer, &user_id, role, ip.as_deref()).await?)
}

/// Removes a member from the organisation.
#[server(endpoint = "org/remove_member")]
pub async fn remove_member(user_id: String) -> Result<(), AppError> {
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    let ip = crate::ssr::client_ip().await;
    Ok(patchbay::orgs::remove_member(&cx.hub, &viewer, &user_id, ip.as_deref()).await?)
}

/// What an invite link offers (works signed out).
#[server(endpoint = "invite/info")]
pub async fn load_invite(token: String) -> Result<InviteInfo, AppError> {
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::viewer(&cx).await?;
    let preview = patchbay::orgs::invites::preview(&cx.hub, &token).await?;
    Ok(InviteInfo {
        org_name: preview.org_name,
        email: preview.email,
        role: preview.role.as_str().to_owned(),
        invited_by: preview.invited_by,
        expires_at: preview.expires_at,
        unusable: preview.unusable,
        signed_in_as: viewer.map(|v| v.user.email),
    })
}

/// Accepts the invite for the signed-in person and opens the organisation's catalog.
#[server(endpoint = "invite/accept")]
pub async fn accept_invite(token: String) -> Result<(), AppError> {
    let cx = crate::ssr::context()?;
    let viewer = crate::ssr::require_viewer(&cx).await?;
    let ip = crate::ssr::client_ip().await;
    patchbay::orgs::invites::accept(&cx.hub, &viewer, &token, ip.as_deref()).await?;
    leptos_axum::redirect("/");
    Ok(())
}

//! Invitations, memberships and roles.

use axum::http::StatusCode;

use crate::helpers::{Backend, Browser, TestApp};

/// Creates an invite as `admin` and returns the token from the link.
async fn invite(admin: &mut Browser<'_>, email: &str, role: &str) -> String {
    let response = admin
        .call("org/invite", &[("email", email), ("role", role)])
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let link = response.json()["link"].as_str().unwrap().to_owned();
    assert!(link.starts_with("http://patchbay.test/invite/"), "{link}");
    link.rsplit('/').next().unwrap().to_owned()
}

async fn an_invited_member_joins_the_organisation(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let mut admin = app.browser();
    admin.sign_up("admin@example.com", "Grace").await;
    let token = invite(&mut admin, "Bob@Example.com", "member").await;

    let mut bob = app.browser();
    let info = bob.call("invite/info", &[("token", &token)]).await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.body);
    assert_eq!(info.json()["org_name"], "Grace's organisation");
    assert!(info.json()["unusable"].is_null());

    bob.sign_up("bob@example.com", "Bob").await;
    let accepted = bob.call("invite/accept", &[("token", &token)]).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);

    let viewer = bob.viewer().await;
    assert_eq!(
        viewer["org"]["name"], "Grace's organisation",
        "the session moved into the org"
    );
    assert_eq!(viewer["org"]["role"], "member");
    assert_eq!(viewer["orgs"].as_array().map(Vec::len), Some(2));

    let members = admin.call("org/members", &[]).await.json();
    let emails: Vec<&str> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"bob@example.com"), "{emails:?}");

    let again = bob.call("invite/accept", &[("token", &token)]).await;
    assert_eq!(
        again.status,
        StatusCode::GONE,
        "an invite works once: {}",
        again.body
    );
}

async fn an_expired_invite_is_refused_with_a_clear_message(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let mut admin = app.browser();
    admin.sign_up("admin@example.com", "Grace").await;
    let token = invite(&mut admin, "bob@example.com", "member").await;
    app.execute(
        "UPDATE invites SET expires_at = 0 WHERE email = $1",
        "bob@example.com",
    )
    .await;

    let mut bob = app.browser();
    bob.sign_up("bob@example.com", "Bob").await;
    let info = bob.call("invite/info", &[("token", &token)]).await.json();
    assert!(info["unusable"].as_str().unwrap().contains("expired"));
    let accepted = bob.call("invite/accept", &[("token", &token)]).await;
    assert_eq!(accepted.status, StatusCode::GONE);
    assert_eq!(accepted.json()["code"], "expired");
    assert!(
        accepted.json()["message"]
            .as_str()
            .unwrap()
            .contains("ask an admin")
    );
    assert_eq!(bob.viewer().await["orgs"].as_array().map(Vec::len), Some(1));
}

async fn an_invite_only_works_for_its_email_and_unknown_tokens_are_not_found(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let mut admin = app.browser();
    admin.sign_up("admin@example.com", "Grace").await;
    let token = invite(&mut admin, "bob@example.com", "member").await;
    let mut mallory = app.browser();
    mallory.sign_up("mallory@example.com", "Mallory").await;
    let taken = mallory.call("invite/accept", &[("token", &token)]).await;
    assert_eq!(taken.status, StatusCode::FORBIDDEN, "{}", taken.body);
    let unknown = mallory
        .call("invite/accept", &[("token", "not-a-token")])
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

async fn only_admins_change_roles_and_the_last_admin_stays(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let mut admin = app.browser();
    admin.sign_up("admin@example.com", "Grace").await;
    let admin_id = admin.viewer().await["user_id"].as_str().unwrap().to_owned();
    let token = invite(&mut admin, "bob@example.com", "member").await;
    let mut bob = app.browser();
    bob.sign_up("bob@example.com", "Bob").await;
    bob.call("invite/accept", &[("token", &token)]).await;
    let bob_id = bob.viewer().await["user_id"].as_str().unwrap().to_owned();

    let refused = bob
        .call(
            "org/change_role",
            &[("user_id", &bob_id), ("role", "admin")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let refused_invite = bob
        .call(
            "org/invite",
            &[("email", "x@example.com"), ("role", "member")],
        )
        .await;
    assert_eq!(refused_invite.status, StatusCode::FORBIDDEN);
    let refused_remove = bob
        .call("org/remove_member", &[("user_id", &admin_id)])
        .await;
    assert_eq!(refused_remove.status, StatusCode::FORBIDDEN);

    let last_admin = admin
        .call(
            "org/change_role",
            &[("user_id", &admin_id), ("role", "member")],
        )
        .await;
    assert_eq!(
        last_admin.status,
        StatusCode::BAD_REQUEST,
        "{}",
        last_admin.body
    );

    let promoted = admin
        .call(
            "org/change_role",
            &[("user_id", &bob_id), ("role", "admin")],
        )
        .await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.body);
    assert_eq!(bob.viewer().await["org"]["role"], "admin");
    let bad_role = admin
        .call(
            "org/change_role",
            &[("user_id", &bob_id), ("role", "owner")],
        )
        .await;
    assert_eq!(bad_role.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_role.json()["field"], "role");

    let removed = admin
        .call("org/remove_member", &[("user_id", &bob_id)])
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(bob.viewer().await["orgs"].as_array().map(Vec::len), Some(1));

    let audit: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('member.role_changed', 'member.removed', 'invite.created', 'invite.accepted')",
    )
    .fetch_one(app.hub.db.pool())
    .await
    .unwrap();
    assert_eq!(audit, 4, "every write is audited");
}

async fn a_member_switches_between_organisations(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let mut admin = app.browser();
    admin.sign_up("admin@example.com", "Grace").await;
    let token = invite(&mut admin, "bob@example.com", "member").await;
    let mut bob = app.browser();
    bob.sign_up("bob@example.com", "Bob").await;
    let own_org = bob.viewer().await["org"]["id"].as_str().unwrap().to_owned();
    bob.call("invite/accept", &[("token", &token)]).await;
    assert_ne!(bob.viewer().await["org"]["id"], own_org.as_str());
    let switched = bob
        .call("session/switch_org", &[("org_id", &own_org)])
        .await;
    assert_eq!(switched.status, StatusCode::OK, "{}", switched.body);
    assert_eq!(bob.viewer().await["org"]["id"], own_org.as_str());

    let admin_org = admin.viewer().await["org"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut stranger = app.browser();
    stranger.sign_up("stranger@example.com", "Stranger").await;
    let refused = stranger
        .call("session/switch_org", &[("org_id", &admin_org)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

crate::on_both_backends!(
    an_invited_member_joins_the_organisation,
    an_expired_invite_is_refused_with_a_clear_message,
    an_invite_only_works_for_its_email_and_unknown_tokens_are_not_found,
    only_admins_change_roles_and_the_last_admin_stays,
    a_member_switches_between_organisations,
);

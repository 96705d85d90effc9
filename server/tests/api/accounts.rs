//! Sign-up, sign-in, sign-out and the guards around them.

use axum::http::StatusCode;

use crate::helpers::{Backend, TestApp};

async fn sign_up_creates_an_organisation_with_the_user_as_admin(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let mut ada = app.browser();
    let response = ada.sign_up("Ada@Example.com", "Ada Lovelace").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let cookie = response.session_cookie_line().expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("correct horse"),
        "the cookie holds a token, not the password"
    );

    let viewer = ada.viewer().await;
    assert_eq!(viewer["email"], "ada@example.com");
    assert_eq!(viewer["org"]["name"], "Ada Lovelace's organisation");
    assert_eq!(viewer["org"]["role"], "admin");
    assert_eq!(viewer["orgs"].as_array().map(Vec::len), Some(1));
}

async fn duplicate_email_is_refused_on_the_email_field(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    assert_eq!(
        app.browser().sign_up("ada@example.com", "Ada").await.status,
        StatusCode::OK
    );
    let mut again = app.browser();
    let response = again.sign_up("  ADA@example.com ", "Another Ada").await;
    assert_eq!(response.status, StatusCode::CONFLICT, "{}", response.body);
    let error = response.json();
    assert_eq!(error["field"], "email");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );
    assert!(!again.has_session());
}

async fn weak_password_and_bad_email_name_their_fields(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let mut b = app.browser();
    let weak = b
        .call(
            "auth/sign_up",
            &[
                ("display_name", "Bo"),
                ("email", "bo@example.com"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert_eq!(weak.json()["field"], "password");
    assert!(
        weak.json()["message"]
            .as_str()
            .unwrap()
            .contains("10 characters")
    );

    let bad_email = b
        .call(
            "auth/sign_up",
            &[
                ("display_name", "Bo"),
                ("email", "not-an-email"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(bad_email.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_email.json()["field"], "email");
}

async fn wrong_password_does_not_say_which_part_was_wrong(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    app.browser().sign_up("ada@example.com", "Ada").await;

    let mut someone = app.browser();
    let wrong_password = someone.sign_in("ada@example.com", "not the password").await;
    let unknown_email = someone
        .sign_in("nobody@example.com", "not the password")
        .await;
    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong_password.body, unknown_email.body,
        "both answers must be identical"
    );
    assert_eq!(wrong_password.json()["code"], "invalid_credentials");
    assert!(!someone.has_session());

    let right = someone
        .sign_in("ADA@example.com", "correct horse battery")
        .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    assert_eq!(someone.viewer().await["email"], "ada@example.com");
}

async fn repeated_failures_on_one_email_are_rate_limited(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    app.browser().sign_up("ada@example.com", "Ada").await;
    let mut attacker = app.browser();
    for _ in 0..5 {
        let r = attacker
            .sign_in("ada@example.com", "guess guess guess")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let limited = attacker
        .sign_in("ada@example.com", "correct horse battery")
        .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    assert_eq!(limited.json()["code"], "rate_limited");
}

async fn sign_out_ends_the_session(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let old_cookie_viewer = ada.viewer().await;
    assert!(old_cookie_viewer.is_object());
    let out = ada.call("auth/sign_out", &[]).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    assert!(out.session_cookie_line().unwrap().contains("Max-Age=0"));
    assert!(ada.viewer().await.is_null());
}

async fn cross_site_posts_are_refused(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let mut b = app.browser();
    let response = b
        .call_from(
            "auth/sign_up",
            &[
                ("display_name", "Eve"),
                ("email", "eve@example.com"),
                ("password", "correct horse battery"),
            ],
            "https://evil.example",
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(response.json()["error"]["code"], "bad_origin");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(app.hub.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 0, "nothing was created");
}

crate::on_both_backends!(
    sign_up_creates_an_organisation_with_the_user_as_admin,
    duplicate_email_is_refused_on_the_email_field,
    weak_password_and_bad_email_name_their_fields,
    wrong_password_does_not_say_which_part_was_wrong,
    repeated_failures_on_one_email_are_rate_limited,
    sign_out_ends_the_session,
    cross_site_posts_are_refused,
);

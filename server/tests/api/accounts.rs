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

async fn known_email_sign_up_answers_like_a_new_one(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    let first = app.browser().sign_up("ada@example.com", "Ada").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);

    let mut again = app.browser();
    let known = again
        .call(
            "auth/sign_up",
            &[
                ("display_name", "Another Ada"),
                ("email", "  ADA@example.com "),
                ("password", "a different password"),
            ],
        )
        .await;
    let fresh = app.browser().sign_up("bo@example.com", "Bo").await;
    assert_eq!(known.status, fresh.status, "{}", known.body);
    assert_eq!(
        known.body, fresh.body,
        "the same body for a known and a new email"
    );
    assert!(!known.body.contains("exists"), "{}", known.body);
    assert!(!again.has_session(), "a known email starts no session");
    assert!(again.viewer().await.is_null());

    // The account is untouched: its password still works, the sign-up's does not.
    let mut ada = app.browser();
    let wrong = ada.sign_in("ada@example.com", "a different password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let right = ada
        .sign_in("ada@example.com", "correct horse battery")
        .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    assert_eq!(ada.viewer().await["display_name"], "Ada");
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(app.hub.db.pool())
        .await
        .unwrap();
    assert_eq!(users, 2, "ada and bo, nobody else");
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

/// The test router's TCP peer (`MockConnectInfo`), standing in for a reverse proxy.
const PROXY: &str = "192.0.2.10";

async fn sign_up_is_limited_per_ip(backend: Backend) {
    let app = TestApp::builder(backend)
        .with_env("PATCHBAY_TRUSTED_PROXY", PROXY)
        .build()
        .await;
    for n in 0..5 {
        let r = app
            .browser_from("198.51.100.1")
            .sign_up(&format!("person{n}@example.com"), "Person")
            .await;
        assert_eq!(r.status, StatusCode::OK, "sign-up {n}: {}", r.body);
    }
    let mut sixth = app.browser_from("198.51.100.1");
    let limited = sixth.sign_up("person5@example.com", "Person").await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    assert_eq!(limited.json()["code"], "rate_limited");
    assert!(
        limited.json()["message"]
            .as_str()
            .unwrap()
            .contains("try again in"),
        "{}",
        limited.body
    );
    let retry: u64 = limited
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header");
    assert!((1..=3600).contains(&retry), "{retry}");
    assert!(!sixth.has_session());

    let other = app
        .browser_from("198.51.100.2")
        .sign_up("person5@example.com", "Person")
        .await;
    assert_eq!(other.status, StatusCode::OK, "another IP: {}", other.body);
    let ips: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT ip FROM audit_log WHERE action = 'org.created' ORDER BY created_at",
    )
    .fetch_all(app.hub.db.pool())
    .await
    .unwrap();
    assert_eq!(
        ips.last().cloned().flatten().as_deref(),
        Some("198.51.100.2")
    );
}

async fn spoofed_forwarded_for_is_ignored_without_a_trusted_proxy(backend: Backend) {
    let app = TestApp::builder(backend).build().await;
    for n in 0..5 {
        let r = app
            .browser_from(&format!("198.51.100.{n}"))
            .sign_up(&format!("person{n}@example.com"), "Person")
            .await;
        assert_eq!(r.status, StatusCode::OK, "sign-up {n}: {}", r.body);
    }
    let limited = app
        .browser_from("198.51.100.77")
        .sign_up("person5@example.com", "Person")
        .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "every spoofed address counts as the peer's: {}",
        limited.body
    );
    let ips: Vec<Option<String>> = sqlx::query_scalar("SELECT ip FROM audit_log")
        .fetch_all(app.hub.db.pool())
        .await
        .unwrap();
    assert!(!ips.is_empty());
    assert!(ips.iter().all(|ip| ip.as_deref() == Some(PROXY)), "{ips:?}");
}

async fn failures_from_one_ip_do_not_lock_the_victim_out(backend: Backend) {
    let app = TestApp::builder(backend)
        .with_env("PATCHBAY_TRUSTED_PROXY", PROXY)
        .build()
        .await;
    app.browser_from("203.0.113.5")
        .sign_up("victim@example.com", "Victim")
        .await;
    let mut attacker = app.browser_from("198.51.100.66");
    for _ in 0..5 {
        let r = attacker
            .sign_in("victim@example.com", "guess guess guess")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    }
    let limited = attacker
        .sign_in("victim@example.com", "another guess here")
        .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );

    let mut victim = app.browser_from("203.0.113.5");
    let signed_in = victim
        .sign_in("victim@example.com", "correct horse battery")
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert_eq!(victim.viewer().await["email"], "victim@example.com");
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
    known_email_sign_up_answers_like_a_new_one,
    sign_up_is_limited_per_ip,
    spoofed_forwarded_for_is_ignored_without_a_trusted_proxy,
    failures_from_one_ip_do_not_lock_the_victim_out,
    weak_password_and_bad_email_name_their_fields,
    wrong_password_does_not_say_which_part_was_wrong,
    repeated_failures_on_one_email_are_rate_limited,
    sign_out_ends_the_session,
    cross_site_posts_are_refused,
);

/// A body of `len` bytes of form data.
fn big_form(len: usize) -> String {
    let mut body = String::from("email=a%40example.com&password=");
    body.push_str(&"x".repeat(len));
    body
}

fn assert_payload_too_large(response: &crate::helpers::TestResponse) {
    assert_eq!(
        response.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        &response.body[..response.body.len().min(300)]
    );
    assert_eq!(
        response.json()["error"]["code"],
        "payload_too_large",
        "{}",
        response.body
    );
}

#[tokio::test]
async fn an_oversized_server_function_body_is_413() {
    use axum::{body::Body, http::Request};
    let app = TestApp::builder(Backend::Sqlite).build().await;
    let response = app
        .send(
            Request::post("/api/auth/sign_in")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .header("origin", crate::helpers::PUBLIC_URL)
                .body(Body::from(big_form(3 * 1024 * 1024)))
                .unwrap(),
        )
        .await;
    assert_payload_too_large(&response);

    // With a Content-Length header, as a real client sends it (the first request had none).
    let body = big_form(3 * 1024 * 1024);
    let response = app
        .send(
            Request::post("/api/auth/sign_up")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("content-length", body.len())
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_payload_too_large(&response);
}

#[tokio::test]
async fn an_oversized_rest_body_is_413() {
    use axum::{body::Body, http::Request};
    let app = TestApp::builder(Backend::Sqlite).build().await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let cookie = ada.cookie().expect("signed in").to_owned();
    let key = ada.create_api_key("big").await;
    let big = "x".repeat(3 * 1024 * 1024);
    for (path, auth) in [
        ("/api/v1/api-keys", ("cookie", cookie.clone())),
        (
            "/api/integrations/unified",
            ("authorization", format!("Bearer {key}")),
        ),
        (
            "/api/webhooks/nango",
            ("x-nango-hmac-sha256", "00".to_owned()),
        ),
    ] {
        let response = app
            .send(
                Request::post(path)
                    .header("content-type", "application/json")
                    .header(auth.0, auth.1)
                    .body(Body::from(big.clone()))
                    .unwrap(),
            )
            .await;
        assert_payload_too_large(&response);
    }
}

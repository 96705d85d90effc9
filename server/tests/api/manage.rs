//! Health checks, reconnect, disconnect and reconciliation against a standalone sandbox, with
//! the rule that members act on their own connections and admins on all.

use axum::http::StatusCode;
use patchbay::{Error, connections::ConnectionStatus, manage};
use serde_json::{Value, json};

use crate::helpers::{Backend, Browser, SANDBOX_KEY, TestApp};

async fn sandbox_post(app: &TestApp, path: &str, body: Option<Value>) -> Value {
    let base = app.nango_base.as_deref().unwrap();
    let mut request = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(SANDBOX_KEY);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    response.json().await.unwrap_or(Value::Null)
}

/// Connects HubSpot for `browser` through start, the sandbox's approval and confirm; returns
/// (Patchbay's id, Nango's connection id).
async fn connect(app: &TestApp, browser: &mut Browser<'_>) -> (String, String) {
    let started = browser
        .call("connect/start", &[("slug", "hubspot")])
        .await
        .json();
    let token = started["session_token"].as_str().unwrap();
    let approved = sandbox_post(
        app,
        &format!("/_sandbox/oauth-approve/hubspot?connect_session_token={token}"),
        None,
    )
    .await;
    let connection_id = approved["connectionId"].as_str().unwrap().to_owned();
    let confirmed = browser
        .call(
            "connect/confirm",
            &[
                ("provider_config_key", "hubspot"),
                ("connection_id", &connection_id),
            ],
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let id: String =
        sqlx::query_scalar("SELECT id FROM connections WHERE nango_connection_id = $1")
            .bind(&connection_id)
            .fetch_one(app.hub.db.pool())
            .await
            .unwrap();
    (id, connection_id)
}

async fn status_of(app: &TestApp, id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM connections WHERE id = $1")
        .bind(id)
        .fetch_one(app.hub.db.pool())
        .await
        .unwrap()
}

async fn check_now_follows_the_credentials(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let (id, connection_id) = connect(&app, &mut ada).await;
    let viewer = ada.core_viewer().await;

    assert_eq!(
        manage::check(&app.hub, &viewer, &id, None).await.unwrap(),
        ConnectionStatus::Active
    );
    assert!(app.sandbox().invalidate(&connection_id, "hubspot"));
    assert_eq!(
        manage::check(&app.hub, &viewer, &id, None).await.unwrap(),
        ConnectionStatus::NeedsReconnect
    );
    assert_eq!(status_of(&app, &id).await, "needs_reconnect");

    let session = manage::reconnect(&app.hub, &viewer, &id).await.unwrap();
    let approved = sandbox_post(
        &app,
        &format!(
            "/_sandbox/oauth-approve/hubspot?connect_session_token={}",
            session.session_token
        ),
        None,
    )
    .await;
    assert_eq!(
        approved["connectionId"],
        connection_id.as_str(),
        "reconnect keeps the connection id"
    );
    assert_eq!(
        manage::check(&app.hub, &viewer, &id, None).await.unwrap(),
        ConnectionStatus::Active
    );
}

async fn disconnect_deletes_in_nango_and_keeps_the_row(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let (id, connection_id) = connect(&app, &mut ada).await;
    let viewer = ada.core_viewer().await;
    manage::disconnect(&app.hub, &viewer, &id, Some("192.0.2.1"))
        .await
        .unwrap();
    assert_eq!(status_of(&app, &id).await, "disconnected");
    let nango = app.hub.nango().unwrap();
    let gone = nango
        .client
        .get_connection(&connection_id, "hubspot", Default::default())
        .await
        .unwrap_err();
    assert_eq!(gone.status(), Some(404));
    let audited: Option<String> = sqlx::query_scalar(
        "SELECT ip FROM audit_log WHERE action = 'connection.disconnected' AND target = $1",
    )
    .bind(&id)
    .fetch_one(app.hub.db.pool())
    .await
    .unwrap();
    assert_eq!(audited.as_deref(), Some("192.0.2.1"));
}

async fn members_act_on_their_own_connections_admins_on_all(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let mut admin = app.browser();
    admin.sign_up("admin@example.com", "Grace").await;
    let invite = admin
        .call(
            "org/invite",
            &[("email", "bob@example.com"), ("role", "member")],
        )
        .await
        .json();
    let token = invite["link"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let mut bob = app.browser();
    bob.sign_up("bob@example.com", "Bob").await;
    bob.call("invite/accept", &[("token", &token)]).await;

    let (admins_id, _) = connect(&app, &mut admin).await;
    let (bobs_id, _) = connect(&app, &mut bob).await;
    let bob_viewer = bob.core_viewer().await;
    let refused = manage::disconnect(&app.hub, &bob_viewer, &admins_id, None)
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Forbidden(_)), "{refused:?}");
    manage::check(&app.hub, &bob_viewer, &bobs_id, None)
        .await
        .unwrap();
    let admin_viewer = admin.core_viewer().await;
    manage::disconnect(&app.hub, &admin_viewer, &bobs_id, None)
        .await
        .unwrap();

    let mut eve = app.browser();
    eve.sign_up("eve@example.com", "Eve").await;
    let eve_viewer = eve.core_viewer().await;
    for result in [
        manage::check(&app.hub, &eve_viewer, &admins_id, None)
            .await
            .map(|_| ()),
        manage::disconnect(&app.hub, &eve_viewer, &admins_id, None).await,
        manage::reconnect(&app.hub, &eve_viewer, &admins_id)
            .await
            .map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(Error::NotFound("connection"))),
            "{result:?}"
        );
    }
    assert_eq!(status_of(&app, &admins_id).await, "active");
}

async fn reconciliation_picks_up_and_drops_connections(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let org_id = ada.viewer().await["org"]["id"].as_str().unwrap().to_owned();
    let (known_id, known_connection) = connect(&app, &mut ada).await;

    // A connection made in Nango without any webhook reaching Patchbay, and a stranger's.
    let imported = sandbox_post(
        &app,
        "/connections",
        Some(json!({"provider_config_key": "openai", "tags": {"organization_id": org_id}, "credentials": {"type": "API_KEY", "apiKey": "k"}})),
    )
    .await;
    sandbox_post(
        &app,
        "/connections",
        Some(json!({"provider_config_key": "openai", "tags": {"organization_id": "someone-else"}, "credentials": {"type": "API_KEY", "apiKey": "k"}})),
    )
    .await;
    let report = manage::reconcile(&app.hub).await.unwrap();
    assert_eq!((report.picked_up, report.disconnected), (1, 0));
    let picked: String =
        sqlx::query_scalar("SELECT connector_slug FROM connections WHERE nango_connection_id = $1")
            .bind(imported["connection_id"].as_str().unwrap())
            .fetch_one(app.hub.db.pool())
            .await
            .unwrap();
    assert_eq!(picked, "openai");

    // Deleted in Nango behind Patchbay's back.
    app.hub
        .nango()
        .unwrap()
        .client
        .delete_connection(&known_connection, "hubspot")
        .await
        .unwrap();
    let report = manage::reconcile(&app.hub).await.unwrap();
    assert_eq!((report.picked_up, report.disconnected), (0, 1));
    assert_eq!(status_of(&app, &known_id).await, "disconnected");
    assert_eq!(
        manage::reconcile(&app.hub).await.unwrap(),
        Default::default(),
        "a second pass changes nothing"
    );
}

crate::on_both_backends!(
    check_now_follows_the_credentials,
    disconnect_deletes_in_nango_and_keeps_the_row,
    members_act_on_their_own_connections_admins_on_all,
    reconciliation_picks_up_and_drops_connections,
);

//! Hostile input as part of the suite (issue 9): a traversal corpus against every route that
//! takes a path or an id, a cross-tenant sweep generated from the router's own route lists,
//! a webhook fuzzer, and the races of concurrent deliveries on both backends. Shared here: two organisations, A (the victim) and B (the attacker),
//! a snapshot of A's rows, and a sandbox probe that tells what crossed the wire.

mod nul;
mod races;
mod tenants;
mod traversal;
mod webhook_fuzz;

use axum::http::StatusCode;
use patchbay_server::nango_sandbox::{SANDBOX_PANORA_CRM_TOKEN, Sandbox};

use crate::helpers::{Browser, SANDBOX_KEY, TestApp, TestResponse};

/// Organisation A: an admin, a member, a HubSpot connection, an API key, a pending invite and
/// a Panora link. Organisation B: an admin with a session, an API key and connections of its own.
pub struct World<'a> {
    pub app: &'a TestApp,
    pub ada: Browser<'a>,
    pub bob: Browser<'a>,
    pub a_org: String,
    pub a_admin_id: String,
    pub a_member_id: String,
    pub a_key: String,
    pub a_key_id: String,
    pub a_key_prefix: String,
    /// A's connection: Patchbay's row id and Nango's connection id.
    pub a_conn_row: String,
    pub a_conn: String,
    pub a_invite_id: String,
    pub a_invite_token: String,
    pub b_org: String,
    pub b_key: String,
    /// B's own connections (Nango ids): HubSpot, WhatsApp, Twilio.
    pub b_hubspot: String,
    pub b_whatsapp: String,
    pub b_twilio: String,
}

pub const A_ADMIN_EMAIL: &str = "ada.victim@example.com";
pub const A_MEMBER_EMAIL: &str = "ann.victim@example.com";
pub const A_INVITED_EMAIL: &str = "ivy.invited@example.com";
pub const A_ORG_NAME: &str = "Victimcorp Quartzwing";
pub const B_ADMIN_EMAIL: &str = "bob.attacker@example.com";

async fn sign_up_with_org(b: &mut Browser<'_>, email: &str, name: &str, org: &str) {
    let r = b
        .call(
            "auth/sign_up",
            &[
                ("display_name", name),
                ("email", email),
                ("password", "correct horse battery"),
                ("org_name", org),
            ],
        )
        .await;
    assert!(r.status.is_success(), "sign up {email}: {}", r.body);
}

/// Builds both organisations over the app's sandbox.
pub async fn world(app: &TestApp) -> World<'_> {
    let mut ada = app.browser();
    sign_up_with_org(&mut ada, A_ADMIN_EMAIL, "Ada Victim", A_ORG_NAME).await;
    let viewer = ada.viewer().await;
    let a_org = viewer["org"]["id"].as_str().unwrap().to_owned();
    let a_admin_id = viewer["user_id"].as_str().unwrap().to_owned();
    let (_, a_conn) = ada.connect("hubspot", None).await;
    let a_key = ada.create_api_key("victim key").await;
    let saved = ada
        .call(
            "settings/save_panora",
            &[
                ("connection_token", SANDBOX_PANORA_CRM_TOKEN),
                ("label", "victim panora"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);

    // A member who joined through an invite, and an invite still pending.
    let mut ann = app.browser();
    sign_up_with_org(&mut ann, A_MEMBER_EMAIL, "Ann Victim", "Ann own org").await;
    let ann_token = invite_token(&mut ada, A_MEMBER_EMAIL).await;
    let accepted = ann.call("invite/accept", &[("token", &ann_token)]).await;
    assert!(accepted.status.is_success(), "{}", accepted.body);
    let a_member_id = ann.viewer().await["user_id"].as_str().unwrap().to_owned();
    let a_invite_token = invite_token(&mut ada, A_INVITED_EMAIL).await;

    let mut bob = app.browser();
    sign_up_with_org(&mut bob, B_ADMIN_EMAIL, "Bob Attacker", "Attacker Inc").await;
    let b_org = bob.viewer().await["org"]["id"].as_str().unwrap().to_owned();
    let b_key = bob.create_api_key("attacker key").await;
    let (_, b_hubspot) = bob.connect("hubspot", None).await;
    let (_, b_whatsapp) = bob
        .connect(
            "whatsapp-business",
            Some(serde_json::json!({"apiKey": "EAAG-b"})),
        )
        .await;
    let (_, b_twilio) = bob
        .connect(
            "twilio",
            Some(serde_json::json!({"username": "AC0123456789abcdef0123456789abcdef", "password": "pw"})),
        )
        .await;

    let pool = app.hub.db.pool();
    let (a_key_id, a_key_prefix): (String, String) =
        sqlx::query_as("SELECT id, prefix FROM api_keys WHERE org_id = $1")
            .bind(&a_org)
            .fetch_one(pool)
            .await
            .unwrap();
    let a_conn_row: String = sqlx::query_scalar(
        "SELECT id FROM connections WHERE org_id = $1 AND nango_connection_id = $2",
    )
    .bind(&a_org)
    .bind(&a_conn)
    .fetch_one(pool)
    .await
    .unwrap();
    let a_invite_id: String =
        sqlx::query_scalar("SELECT id FROM invites WHERE org_id = $1 AND accepted_at IS NULL")
            .bind(&a_org)
            .fetch_one(pool)
            .await
            .unwrap();
    World {
        app,
        ada,
        bob,
        a_org,
        a_admin_id,
        a_member_id,
        a_key,
        a_key_id,
        a_key_prefix,
        a_conn_row,
        a_conn,
        a_invite_id,
        a_invite_token,
        b_org,
        b_key,
        b_hubspot,
        b_whatsapp,
        b_twilio,
    }
}

async fn invite_token(admin: &mut Browser<'_>, email: &str) -> String {
    let r = admin
        .call("org/invite", &[("email", email), ("role", "member")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let link = r.json()["link"].as_str().unwrap().to_owned();
    link.rsplit('/').next().unwrap().to_owned()
}

impl World<'_> {
    /// Every string that identifies A's data; none may appear in an answer to B unless B sent
    /// it in the request.
    pub fn a_secrets(&self) -> Vec<(&'static str, String)> {
        vec![
            ("A's org id", self.a_org.clone()),
            ("A's org name", A_ORG_NAME.to_owned()),
            ("A's admin id", self.a_admin_id.clone()),
            ("A's admin email", A_ADMIN_EMAIL.to_owned()),
            ("A's member id", self.a_member_id.clone()),
            ("A's member email", A_MEMBER_EMAIL.to_owned()),
            ("A's invited email", A_INVITED_EMAIL.to_owned()),
            ("A's API key", self.a_key.clone()),
            ("A's API key id", self.a_key_id.clone()),
            ("A's API key prefix", self.a_key_prefix.clone()),
            ("A's connection row id", self.a_conn_row.clone()),
            ("A's Nango connection id", self.a_conn.clone()),
            ("A's invite id", self.a_invite_id.clone()),
            ("A's invite token", self.a_invite_token.clone()),
        ]
    }

    /// The names of A's secrets found in `body` that were not in `sent`.
    pub fn leaks(&self, body: &str, sent: &str) -> Vec<&'static str> {
        self.a_secrets()
            .into_iter()
            .filter(|(_, secret)| body.contains(secret.as_str()) && !sent.contains(secret.as_str()))
            .map(|(name, _)| name)
            .collect()
    }

    /// A's rows as they stand (connections, keys, members, invites, Panora link, audit count),
    /// plus whether Nango still has A's connection.
    pub async fn snapshot_a(&self) -> String {
        let pool = self.app.hub.db.pool();
        let conns: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT id, nango_connection_id, status, updated_at FROM connections
             WHERE org_id = $1 OR nango_connection_id = $2 ORDER BY id",
        )
        .bind(&self.a_org)
        .bind(&self.a_conn)
        .fetch_all(pool)
        .await
        .unwrap();
        let keys: Vec<(String, String, Option<i64>)> = sqlx::query_as(
            "SELECT id, org_id, revoked_at FROM api_keys WHERE org_id = $1 ORDER BY id",
        )
        .bind(&self.a_org)
        .fetch_all(pool)
        .await
        .unwrap();
        let members: Vec<(String, String)> = sqlx::query_as(
            "SELECT user_id, role FROM memberships WHERE org_id = $1 ORDER BY user_id",
        )
        .bind(&self.a_org)
        .fetch_all(pool)
        .await
        .unwrap();
        let invites: Vec<(String, String, Option<i64>, i64)> = sqlx::query_as(
            "SELECT id, email, accepted_at, expires_at FROM invites WHERE org_id = $1 ORDER BY id",
        )
        .bind(&self.a_org)
        .fetch_all(pool)
        .await
        .unwrap();
        let panora: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT connection_token, label FROM panora_links WHERE org_id = $1")
                .bind(&self.a_org)
                .fetch_all(pool)
                .await
                .unwrap();
        let audit: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE org_id = $1")
            .bind(&self.a_org)
            .fetch_one(pool)
            .await
            .unwrap();
        let base = self.app.nango_base.as_deref().unwrap();
        let in_nango = reqwest::Client::new()
            .get(format!("{base}/connections/{}", self.a_conn))
            .query(&[("provider_config_key", "hubspot")])
            .bearer_auth(SANDBOX_KEY)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        format!(
            "connections={conns:?}\nkeys={keys:?}\nmembers={members:?}\ninvites={invites:?}\n\
             panora={panora:?}\naudit={audit}\nnango_has_a={in_nango}"
        )
    }
}

/// Watches the sandbox's request log around one hostile call. `arm` clears the log (through
/// the sandbox's handle) and leaves one marker entry in it (over HTTP); `check` reads it back: a
/// log without the marker means the call cleared it (reached `/_sandbox`), and every other
/// entry must be one the caller may cause.
pub struct Probe {
    http: reqwest::Client,
    base: String,
    sandbox: Sandbox,
    marker: String,
    n: u64,
}

impl Probe {
    pub fn new(app: &TestApp) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: app.nango_base.clone().expect("built with a sandbox"),
            sandbox: app.sandbox().clone(),
            marker: String::new(),
            n: 0,
        }
    }

    pub async fn arm(&mut self) {
        self.n += 1;
        self.marker = format!("/providers/probe-marker-{}", self.n);
        self.sandbox.clear_received();
        self.http
            .get(format!("{}{}", self.base, self.marker))
            .bearer_auth(SANDBOX_KEY)
            .send()
            .await
            .unwrap();
    }

    /// The upstream calls the last hostile call caused outside `/proxy/` for one of
    /// `own_connections` (and outside reading one of them by its exact path); `response` is
    /// checked for the log's marker (a read of `/_sandbox/requests` through Patchbay).
    pub async fn check(&self, response: &TestResponse, own_connections: &[&str]) -> Vec<String> {
        let mut bad = Vec::new();
        if response.body.contains("probe-marker-") {
            bad.push("the answer holds the sandbox's own request log".to_owned());
        }
        let log = self.sandbox.received();
        let mut entries = log.iter();
        match entries.next() {
            Some(first) if first.path == self.marker => {}
            _ => bad.push("the sandbox's request log was cleared (reached /_sandbox)".to_owned()),
        }
        for entry in entries {
            let (path, method) = (entry.path.as_str(), entry.method.as_str());
            let connection = entry.header("connection-id").unwrap_or_default();
            let own = own_connections.contains(&connection);
            let allowed = (path.starts_with("/proxy/") && own)
                || (method == "GET"
                    && own_connections
                        .iter()
                        .any(|c| path == format!("/connections/{c}")));
            if !allowed {
                bad.push(format!("{method} {path} (connection-id {connection:?})"));
            }
        }
        bad
    }
}

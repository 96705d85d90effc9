//! The cross-tenant sweep, generated from the router's own lists: every REST route
//! (`patchbay_server::router::rest_routes`, the routes of the generated OpenAPI document, which
//! the router is built from), every registered server function (`server_fn_paths`) and every
//! Leptos page (`generate_route_list`) is called as organisation B (session and API key) with A's ids.
//! No answer may hold A's data and A's rows must not move. A route, server function or page
//! with a parameter that has no case below fails the sweep, naming it.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{A_ADMIN_EMAIL, Probe, World, world};
use crate::helpers::{Backend, Browser, TestApp, TestResponse};

struct Sweep {
    calls: usize,
    failures: Vec<String>,
}

impl Sweep {
    /// Checks one answer given to B: no 5xx, no 2xx-with-A's-data, nothing upstream for A.
    fn check(&mut self, w: &World<'_>, label: &str, sent: &str, r: &TestResponse) {
        self.calls += 1;
        if r.status.is_server_error() {
            let body: String = r.body.chars().take(200).collect();
            self.failures.push(format!("{label}: {} {body}", r.status));
        }
        let leaks = w.leaks(&r.body, sent);
        if !leaks.is_empty() {
            self.failures
                .push(format!("{label}: {} holds {leaks:?}", r.status));
        }
    }

    fn refused(&mut self, label: &str, r: &TestResponse) {
        if r.status.is_success() {
            let body: String = r.body.chars().take(200).collect();
            self.failures
                .push(format!("{label}: B was allowed ({}) {body}", r.status));
        }
    }
}

/// The REST calls B makes for one route: `(method, uri, body)`, or `None` for a route without
/// a case (which fails the sweep).
fn rest_cases(w: &World<'_>, path: &str, method: &str) -> Option<Vec<(String, Option<Value>)>> {
    let none = |uri: &str| Some(vec![(uri.to_owned(), None)]);
    match (path, method) {
        ("/healthz" | "/readyz" | "/api/openapi.json" | "/api/docs", "GET")
        | ("/api/v1/connectors" | "/api/v1/connectors/categories", "GET")
        | ("/api/v1/connections" | "/api/v1/api-keys", "GET") => none(path),
        ("/api/v1/api-keys", "POST") => Some(vec![(
            path.to_owned(),
            Some(json!({"name": "b's own", "org_id": w.a_org})),
        )]),
        ("/api/v1/api-keys/{id}", "DELETE") => Some(vec![
            (format!("/api/v1/api-keys/{}", w.a_key_id), None),
            (format!("/api/v1/api-keys/{}", w.a_key_prefix), None),
        ]),
        ("/api/integrations/unified", "POST") => Some(vec![
            (
                path.to_owned(),
                Some(
                    json!({"provider": "nango", "resource": "crm.contact", "operation": "list", "connectionId": w.a_conn}),
                ),
            ),
            (
                path.to_owned(),
                Some(
                    json!({"provider": "nango", "resource": "crm.contact", "operation": "get", "connectionId": w.a_conn, "providerConfigKey": "hubspot", "id": "1"}),
                ),
            ),
            (
                path.to_owned(),
                Some(
                    json!({"provider": "nango", "resource": "crm.contact", "operation": "list", "connectionId": w.a_conn_row}),
                ),
            ),
        ]),
        ("/api/proxy/{connection}/{path}", _) => Some(vec![
            (
                format!("/api/proxy/{}/crm/v3/objects/contacts", w.a_conn),
                (method != "GET" && method != "DELETE").then(|| json!({"properties": {}})),
            ),
            (
                format!("/api/proxy/{}/crm/v3/objects/contacts", w.a_conn_row),
                None,
            ),
        ]),
        ("/api/webhooks/nango", "POST") => Some(vec![(
            path.to_owned(),
            Some(
                json!({"from": "nango", "type": "auth", "operation": "deletion", "success": true,
                "connectionId": w.a_conn, "providerConfigKey": "hubspot",
                "tags": {"organization_id": w.a_org}}),
            ),
        )]),
        _ => None,
    }
}

/// The server-function calls B makes: fields with A's ids. `None`: no case.
fn fn_cases(w: &World<'_>, endpoint: &str) -> Option<Vec<Vec<(&'static str, String)>>> {
    let one = |k: &'static str, v: &str| Some(vec![vec![(k, v.to_owned())]]);
    let nothing = Some(vec![vec![]]);
    match endpoint {
        "config/public"
        | "session/viewer"
        | "connections/list"
        | "org/members"
        | "settings/load"
        | "settings/remove_panora" => nothing,
        "admin/overview" => Some(vec![
            vec![],
            vec![
                ("connector", "hubspot".to_owned()),
                ("user", w.a_admin_id.clone()),
            ],
        ]),
        "catalog/browse" => Some(vec![vec![("q", String::new())], vec![("q", "hub".into())]]),
        "catalog/connector" | "connect/start" => one("slug", "hubspot"),
        "connect/confirm" => Some(vec![vec![
            ("provider_config_key", "hubspot".to_owned()),
            ("connection_id", w.a_conn.clone()),
        ]]),
        "connections/check" | "connections/reconnect" | "connections/disconnect" => Some(vec![
            vec![("id", w.a_conn_row.clone())],
            vec![("id", w.a_conn.clone())],
        ]),
        "org/invite" => Some(vec![vec![
            ("email", "someone.else@example.com".to_owned()),
            ("role", "member".to_owned()),
        ]]),
        "org/revoke_invite" => one("invite_id", &w.a_invite_id),
        "org/change_role" => Some(vec![
            vec![("user_id", w.a_member_id.clone()), ("role", "admin".into())],
            vec![("user_id", w.a_admin_id.clone()), ("role", "member".into())],
        ]),
        "org/remove_member" => Some(vec![
            vec![("user_id", w.a_member_id.clone())],
            vec![("user_id", w.a_admin_id.clone())],
        ]),
        "session/switch_org" => one("org_id", &w.a_org),
        // The token is the capability; B holds only A's invite's id.
        "invite/info" | "invite/accept" => one("token", &w.a_invite_id),
        "settings/create_api_key" => one("name", "b's second"),
        "settings/revoke_api_key" => Some(vec![
            vec![("id", w.a_key_id.clone())],
            vec![("id", w.a_key_prefix.clone())],
        ]),
        "settings/save_panora" => Some(vec![vec![
            ("connection_token", "b-token".to_owned()),
            ("label", "b".to_owned()),
        ]]),
        // Account functions run in a throwaway browser (see below).
        "auth/sign_up" => Some(vec![vec![
            ("display_name", "Impostor".to_owned()),
            ("email", A_ADMIN_EMAIL.to_owned()),
            ("password", "correct horse battery".to_owned()),
        ]]),
        "auth/sign_in" => Some(vec![vec![
            ("email", A_ADMIN_EMAIL.to_owned()),
            ("password", "not ada's password".to_owned()),
        ]]),
        "auth/sign_out" => nothing,
        _ => None,
    }
}

/// What B asks for on a page with parameters. `None`: no case.
fn page_cases(w: &World<'_>, path: &str) -> Option<Vec<String>> {
    let with_param = path.contains(':') || path.contains('{');
    if !with_param {
        return Some(vec![path.to_owned()]);
    }
    match path {
        "/connectors/:slug" | "/connectors/{slug}" => Some(vec!["/connectors/hubspot".to_owned()]),
        "/invite/:token" | "/invite/{token}" => Some(vec![format!("/invite/{}", w.a_invite_id)]),
        _ => None,
    }
}

async fn org_b_reaches_nothing_of_org_a_through_any_route(backend: Backend) {
    let app = TestApp::builder(backend).with_nango_sandbox().build().await;
    let mut w = world(&app).await;
    let before = w.snapshot_a().await;
    let mut probe = Probe::new(&app);
    let b_own = [
        w.b_hubspot.clone(),
        w.b_whatsapp.clone(),
        w.b_twilio.clone(),
    ];
    let own: Vec<&str> = b_own.iter().map(String::as_str).collect();
    let mut s = Sweep {
        calls: 0,
        failures: Vec::new(),
    };
    let b_key = w.b_key.clone();
    let b_cookie = w.bob.cookie().unwrap().to_owned();

    // REST, from the table the router is built from.
    let routes = patchbay_server::router::rest_routes();
    for route in &routes {
        for method in &route.methods {
            let Some(cases) = rest_cases(&w, &route.path, method) else {
                s.failures.push(format!(
                    "REST {method} {}: no tenant case in security/tenants.rs",
                    route.path
                ));
                continue;
            };
            for (uri, body) in cases {
                for (who, bearer, cookie) in [
                    ("key", Some(b_key.as_str()), None),
                    ("session", None, Some(b_cookie.as_str())),
                ] {
                    probe.arm().await;
                    let r = app.rest(method, &uri, bearer, cookie, body.as_ref()).await;
                    let label = format!("REST {method} {uri} as B's {who}");
                    let sent = format!("{uri} {body:?}");
                    s.check(&w, &label, &sent, &r);
                    for up in probe.check(&r, &own).await {
                        s.failures.push(format!("{label}: upstream {up}"));
                    }
                    let targets_a = [&w.a_key_id, &w.a_conn, &w.a_conn_row]
                        .iter()
                        .any(|id| sent.contains(id.as_str()));
                    if targets_a {
                        s.refused(&label, &r);
                    }
                }
            }
        }
        // The table's methods are the route's: another method is a 405.
        if route.methods.len() == 1 {
            let other = if route.methods[0] == "GET" {
                "PUT"
            } else {
                "GET"
            };
            let uri = route
                .path
                .replace("{id}", "x")
                .replace("{connection}", "x")
                .replace("{path}", "x");
            let r = app.rest(other, &uri, Some(&b_key), None, None).await;
            s.calls += 1;
            if r.status != StatusCode::METHOD_NOT_ALLOWED {
                s.failures.push(format!(
                    "REST {other} {uri}: {} (the table says only {:?})",
                    r.status, route.methods
                ));
            }
        }
    }

    // Server functions, as registered at run time.
    let mut endpoints: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    endpoints.sort();
    for path in &endpoints {
        let endpoint = path.trim_start_matches("/api/");
        let Some(cases) = fn_cases(&w, endpoint) else {
            s.failures.push(format!(
                "server fn {path}: no tenant case in security/tenants.rs"
            ));
            continue;
        };
        for fields in cases {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let sent = format!("{fields:?}");
            probe.arm().await;
            let r = if endpoint.starts_with("auth/") {
                let mut stranger: Browser<'_> = app.browser();
                if endpoint == "auth/sign_out" {
                    stranger
                        .sign_in(super::B_ADMIN_EMAIL, "correct horse battery")
                        .await;
                }
                stranger.call(endpoint, &fields).await
            } else {
                w.bob.call(endpoint, &fields).await
            };
            let label = format!("fn {endpoint} {sent} as B");
            s.check(&w, &label, &sent, &r);
            // Connect legitimately opens sessions and confirm reads the reported connection
            // from Nango to check whose it is; nothing else may cross.
            let legitimate = |up: &String| match endpoint {
                "connect/start" | "connections/reconnect" => {
                    up.starts_with("POST /connect/sessions ")
                }
                "connect/confirm" => up.starts_with("GET /connections/"),
                _ => false,
            };
            for up in probe
                .check(&r, &own)
                .await
                .into_iter()
                .filter(|u| !legitimate(u))
            {
                s.failures.push(format!("{label}: upstream {up}"));
            }
            let targets_a = [
                &w.a_key_id,
                &w.a_conn,
                &w.a_conn_row,
                &w.a_org,
                &w.a_invite_id,
                &w.a_member_id,
                &w.a_admin_id,
            ]
            .iter()
            .any(|id| sent.contains(id.as_str()))
                || endpoint == "auth/sign_in";
            if endpoint == "auth/sign_up" {
                // A sign-up with a known email answers like a new one (no account
                // enumeration), so "refused" means: it started no session.
                if r.session_cookie().is_some_and(|c| !c.is_empty()) {
                    s.failures.push(format!(
                        "{label}: a sign-up with A's email started a session"
                    ));
                }
            } else if targets_a && endpoint != "admin/overview" {
                s.refused(&label, &r);
            }
        }
    }

    // Pages, from the app's route list.
    let pages = leptos_axum::generate_route_list(app::App);
    let mut with_params = 0;
    for listing in &pages {
        let path = listing.path();
        if path.contains(':') || path.contains('{') {
            with_params += 1;
        }
        let Some(uris) = page_cases(&w, path) else {
            s.failures.push(format!(
                "page {path}: no tenant case in security/tenants.rs"
            ));
            continue;
        };
        for uri in uris {
            probe.arm().await;
            let r = w.bob.page(&uri).await;
            let label = format!("page {uri} as B");
            s.check(&w, &label, &uri, &r);
            for up in probe.check(&r, &own).await {
                s.failures.push(format!("{label}: upstream {up}"));
            }
        }
    }

    // B is still only B, and A has not moved.
    let viewer = w.bob.viewer().await;
    if viewer["org"]["id"] != Value::String(w.b_org.clone()) {
        s.failures.push(format!(
            "B's session now acts for another organisation: {viewer}"
        ));
    }
    let after = w.snapshot_a().await;
    if before != after {
        s.failures.push(format!(
            "A's rows changed:\nbefore:\n{before}\nafter:\n{after}"
        ));
    }
    let a_still_works = app
        .rest("GET", "/api/v1/connections", Some(&w.a_key), None, None)
        .await;
    if !a_still_works.body.contains(&w.a_conn) {
        s.failures.push(format!(
            "A no longer sees its own connection: {}",
            a_still_works.body
        ));
    }
    eprintln!(
        "security::tenants ({backend:?}): REST routes swept {}, server fns swept {}, pages swept \
         {} ({} with parameters), calls made {}, failures {}",
        routes.len(),
        endpoints.len(),
        pages.len(),
        with_params,
        s.calls,
        s.failures.len()
    );
    assert!(
        !routes.is_empty() && !endpoints.is_empty() && !pages.is_empty(),
        "the route lists are empty: the sweep would prove nothing"
    );
    let _ = &mut w.ada;
    assert!(s.failures.is_empty(), "{}", s.failures.join("\n"));
}

crate::on_both_backends!(org_b_reaches_nothing_of_org_a_through_any_route);

//! Load run: what Patchbay's proxy adds. The same provider call (HubSpot's contact 1 in the
//! sandbox) made straight to the Nango sandbox's `/proxy` and through Patchbay's
//! `/api/proxy/{connection}/…` (API-key check, connection lookup, header filtering, streaming),
//! in one run, with a real HTTP client (reqwest, keep-alive, fixed concurrency). A third target
//! is the same read through the unified API. Run with
//! `cargo bench -p server --bench proxy_overhead`.
//! Environment: `BENCH_SECONDS` (per target, default 10), `BENCH_CONCURRENCY` (default 16).

mod support;

use std::{net::SocketAddr, time::Duration};

use leptos::config::LeptosOptions;
use patchbay::{
    Db,
    accounts::{sessions, users},
    caller::Caller,
    catalog::Catalog,
    connections::{self, Recorded},
};
use patchbay_server::{
    AppState, Config,
    nango_sandbox::{SandboxConfig, standalone_router},
};
use serde_json::{Value, json};
use support::{env_number, load};

const KEY: &str = "8f4c5a5e-2a47-4c39-9a7e-0c5f1d0b7e21";

async fn listen() -> (tokio::net::TcpListener, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let addr = listener.local_addr().expect("address");
    (listener, addr)
}

#[tokio::main]
async fn main() {
    let seconds = env_number("BENCH_SECONDS", 10);
    let concurrency = env_number("BENCH_CONCURRENCY", 16) as usize;
    let work = std::env::temp_dir().join(format!("patchbay-proxy-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("bench folder");
    let catalog = Catalog::builtin().expect("catalog");

    // The sandbox on its own port, as a real Nango would be.
    let (sandbox_listener, sandbox_addr) = listen().await;
    let sandbox = format!("http://{sandbox_addr}");
    let sandbox_router = standalone_router(
        SandboxConfig {
            secret_key: KEY.to_owned(),
            public_url: sandbox.clone(),
            webhook_url: None,
            webhook_signing_key: "bench-webhook-key".to_owned(),
            environment: "dev".to_owned(),
            integrations: patchbay_server::state::sandbox_integrations(&catalog),
        },
        "bench-panora-key".to_owned(),
    )
    .expect("sandbox");
    tokio::spawn(async move { axum::serve(sandbox_listener, sandbox_router).await });

    // Patchbay pointed at it like at Nango Cloud.
    let (app_listener, app_addr) = listen().await;
    let config = Config::from_lookup(|name| match name {
        "PATCHBAY_PUBLIC_URL" => Some(format!("http://{app_addr}")),
        "PATCHBAY_SECRET" => Some("bench-secret-bench-secret-bench-secret".to_owned()),
        "NANGO_SECRET_KEY" => Some(KEY.to_owned()),
        "NANGO_API_BASE" => Some(sandbox.clone()),
        "NANGO_CONNECT_UI_URL" => Some(format!("{sandbox}/connect")),
        "NANGO_WEBHOOK_SECRET" => Some("bench-webhook-key".to_owned()),
        _ => None,
    })
    .expect("config");
    let db = Db::connect(&format!("sqlite://{}/bench.db", work.display()))
        .await
        .expect("database");
    let state = AppState::from_parts(
        config,
        db,
        catalog,
        LeptosOptions::builder().output_name("patchbay").build(),
    )
    .expect("state");
    let hub = state.hub.clone();
    let app = patchbay_server::router(state);
    tokio::spawn(async move {
        axum::serve(
            app_listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });

    // An organisation with an API key and a HubSpot connection known to both sides.
    let users::SignedUp::Created(_, session) = users::sign_up(
        &hub,
        users::SignUp {
            email: "bench@example.com".to_owned(),
            display_name: "Bench".to_owned(),
            password: "correct horse battery".to_owned(),
            org_name: None,
        },
        None,
    )
    .await
    .expect("sign up") else {
        panic!("a fresh database has no accounts");
    };
    let viewer = sessions::load(&hub, &session.token)
        .await
        .expect("load")
        .expect("viewer");
    let caller = Caller::from_viewer(&viewer).expect("caller");
    let api_key = patchbay::api_keys::create(&hub, &caller, "bench", None)
        .await
        .expect("key")
        .secret;
    let imported: Value = reqwest::Client::new()
        .post(format!("{sandbox}/connections"))
        .bearer_auth(KEY)
        .json(&json!({
            "provider_config_key": "hubspot", "connection_id": "bench-hubspot",
            "tags": {"organization_id": caller.org_id},
            "credentials": {"type": "OAUTH2", "access_token": "bench-token"}
        }))
        .send()
        .await
        .expect("import")
        .json()
        .await
        .expect("import answer");
    assert_eq!(imported["connection_id"], "bench-hubspot", "{imported}");
    let mut tx = hub.db.begin_write().await.expect("tx");
    connections::record_active(
        &mut tx,
        &hub.catalog,
        Recorded {
            org_id: &caller.org_id,
            provider_config_key: "hubspot",
            provider: Some("hubspot"),
            nango_connection_id: "bench-hubspot",
            connected_by: caller.user_id(),
            auth_mode: Some("OAUTH2"),
            via: "bench",
            ip: None,
        },
    )
    .await
    .expect("record");
    tx.commit().await.expect("commit");

    let direct_url = format!("{sandbox}/proxy/crm/v3/objects/contacts/1");
    let direct = move |c: &reqwest::Client| {
        c.get(&direct_url)
            .bearer_auth(KEY)
            .header("Connection-Id", "bench-hubspot")
            .header("Provider-Config-Key", "hubspot")
    };
    let proxied_url =
        format!("http://{app_addr}/api/proxy/bench-hubspot/crm/v3/objects/contacts/1");
    let key = api_key.clone();
    let proxied = move |c: &reqwest::Client| c.get(&proxied_url).bearer_auth(&key);
    let unified_url = format!("http://{app_addr}/api/integrations/unified");
    let unified = move |c: &reqwest::Client| {
        c.post(&unified_url).bearer_auth(&api_key).json(&json!({
            "provider": "nango", "resource": "crm.contact", "operation": "get", "id": "1"
        }))
    };
    for (name, check) in [
        ("direct", direct.clone()(&reqwest::Client::new())),
        ("proxied", proxied.clone()(&reqwest::Client::new())),
        ("unified", unified.clone()(&reqwest::Client::new())),
    ] {
        let r = check.send().await.expect("first call");
        assert!(r.status().is_success(), "{name}: {}", r.status());
    }

    println!(
        "proxy overhead: {concurrency} concurrent keep-alive clients, {seconds}s per target, one run"
    );
    load(direct.clone(), concurrency, Duration::from_secs(1)).await;
    load(proxied.clone(), concurrency, Duration::from_secs(1)).await;
    load(unified.clone(), concurrency, Duration::from_secs(1)).await;
    let straight = load(direct, concurrency, Duration::from_secs(seconds)).await;
    let through = load(proxied, concurrency, Duration::from_secs(seconds)).await;
    let mapped = load(unified, concurrency, Duration::from_secs(seconds)).await;
    println!(
        "{:<34} {:>9} {:>8} {:>8} {:>8} {:>7}",
        "target", "requests", "req/s", "p50 ms", "p99 ms", "errors"
    );
    for (name, o) in [
        ("sandbox /proxy (direct)", &straight),
        ("Patchbay /api/proxy", &through),
        ("Patchbay unified get", &mapped),
    ] {
        println!(
            "{name:<34} {:>9} {:>8.0} {:>8.2} {:>8.2} {:>7}",
            o.requests,
            o.rps(),
            o.percentile_ms(0.50),
            o.percentile_ms(0.99),
            o.errors
        );
    }
    println!(
        "added by the proxy: p50 {:+.2} ms, p99 {:+.2} ms",
        through.percentile_ms(0.50) - straight.percentile_ms(0.50),
        through.percentile_ms(0.99) - straight.percentile_ms(0.99)
    );
    let _ = std::fs::remove_dir_all(&work);
}

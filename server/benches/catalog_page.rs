//! Load run: the server-rendered catalog page with 1,000 generated connectors against the very
//! same bytes served as a static file by the same server, in one run, with a real HTTP client
//! (reqwest, keep-alive, fixed concurrency). Run with `cargo bench -p server --bench catalog_page`.
//! Environment: `BENCH_SECONDS` (per target, default 10), `BENCH_CONCURRENCY` (default 16).

mod support;

use std::{net::SocketAddr, time::Duration};

use leptos::config::LeptosOptions;
use patchbay::{Db, catalog::Catalog};
use patchbay_server::{AppState, Config};
use support::{env_number, load};

#[tokio::main]
async fn main() {
    let seconds = env_number("BENCH_SECONDS", 10);
    let concurrency = env_number("BENCH_CONCURRENCY", 16) as usize;
    let work = std::env::temp_dir().join(format!("patchbay-bench-{}", std::process::id()));
    let site_root = work.join("site");
    std::fs::create_dir_all(&site_root).expect("bench folder");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let addr = listener.local_addr().expect("address");
    let config = Config::from_lookup(|name| match name {
        "PATCHBAY_PUBLIC_URL" => Some(format!("http://{addr}")),
        "PATCHBAY_SECRET" => Some("bench-secret-bench-secret-bench-secret".to_owned()),
        "NANGO_SANDBOX_KEY" => Some("8f4c5a5e-2a47-4c39-9a7e-0c5f1d0b7e21".to_owned()),
        "NANGO_WEBHOOK_SECRET" => Some("bench-webhook-key".to_owned()),
        _ => None,
    })
    .expect("config");
    let db = Db::connect(&format!("sqlite://{}/bench.db", work.display()))
        .await
        .expect("database");
    let leptos_options = LeptosOptions::builder()
        .output_name("patchbay")
        .site_root(site_root.display().to_string())
        .build();
    let state =
        AppState::from_parts(config, db, Catalog::generated(1000), leptos_options).expect("state");
    let app = patchbay_server::router(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("server");
    });

    let page_url = format!("http://{addr}/");
    let page = reqwest::get(&page_url)
        .await
        .expect("first page")
        .bytes()
        .await
        .expect("page body");
    let cards = String::from_utf8_lossy(&page)
        .matches("data-testid=\"connector-card\"")
        .count();
    assert_eq!(
        cards, 1000,
        "the page must render every generated connector"
    );
    std::fs::write(site_root.join("catalog.html"), &page).expect("static copy");
    let static_url = format!("http://{addr}/catalog.html");

    println!(
        "catalog page: 1000 connectors, {} bytes; {concurrency} concurrent keep-alive clients, {seconds}s per target",
        page.len()
    );
    // Warm both paths so the first measured requests do not pay for start-up.
    load(
        {
            let url = page_url.clone();
            move |c: &reqwest::Client| c.get(&url)
        },
        concurrency,
        Duration::from_secs(1),
    )
    .await;
    load(
        {
            let url = static_url.clone();
            move |c: &reqwest::Client| c.get(&url)
        },
        concurrency,
        Duration::from_secs(1),
    )
    .await;
    let ssr = load(
        {
            let url = page_url.clone();
            move |c: &reqwest::Client| c.get(&url)
        },
        concurrency,
        Duration::from_secs(seconds),
    )
    .await;
    let file = load(
        {
            let url = static_url.clone();
            move |c: &reqwest::Client| c.get(&url)
        },
        concurrency,
        Duration::from_secs(seconds),
    )
    .await;
    println!(
        "{:<22} {:>10} {:>9} {:>9} {:>9} {:>7}",
        "target", "requests", "req/s", "p50 ms", "p99 ms", "errors"
    );
    for (name, o) in [("SSR page /", &ssr), ("static catalog.html", &file)] {
        println!(
            "{name:<22} {:>10} {:>9.0} {:>9.2} {:>9.2} {:>7}",
            o.requests,
            o.rps(),
            o.percentile_ms(0.50),
            o.percentile_ms(0.99),
            o.errors
        );
    }
    println!(
        "SSR throughput is {:.1}% of the static file's",
        100.0 * ssr.rps() / file.rps()
    );
    let _ = std::fs::remove_dir_all(&work);
}

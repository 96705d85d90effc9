//! A client that hangs up mid-render must not make the server panic: pages are rendered through
//! the real router and dropped after a few hundred microseconds to a few milliseconds, many
//! times, on a multi-threaded runtime, while a panic hook counts every panic (in this test
//! binary of its own, so that no other test's failure is counted).
//!
//! Not fixed yet, so ignored: it reproduces the panic (about 1 in 200 dropped renders: a
//! `Suspense`/`Transition` task of leptos still running on another worker after the dropped
//! response disposed the page's owner). Rendering each page in a detached task stopped the
//! panics but made page renders hang now and then on a current-thread runtime, so it was
//! withdrawn. Run it with `cargo test -p server --test hangup -- --ignored`.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    body::Body,
    http::{Request, header},
};
use helpers::{Backend, TestApp};
use tower::ServiceExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "reproduces the hang-up panic of issue 9 item 10, which is not fixed yet"]
async fn hanging_up_mid_render_panics_nowhere() {
    let panics = Arc::new(AtomicUsize::new(0));
    let messages = Arc::new(Mutex::new(Vec::<String>::new()));
    {
        let (panics, messages) = (panics.clone(), messages.clone());
        std::panic::set_hook(Box::new(move |info| {
            panics.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut m) = messages.lock() {
                m.push(info.to_string());
            }
        }));
    }

    let app = TestApp::builder(Backend::Sqlite).build().await;
    let mut ada = app.browser();
    ada.sign_up("ada@example.com", "Ada").await;
    let cookie = ada.cookie().map(str::to_owned);

    let rounds: u64 = std::env::var("HANGUP_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let paths = [
        "/",
        "/connections",
        "/?q=hub",
        "/settings",
        "/connectors/hubspot",
    ];
    let mut tasks = Vec::new();
    for round in 0..rounds {
        let path = paths[(round as usize) % paths.len()];
        let mut request = Request::get(path).header(header::ACCEPT, "text/html");
        if round % 2 == 0
            && let Some(cookie) = &cookie
        {
            request = request.header(header::COOKIE, cookie);
        }
        let request = request.body(Body::empty()).expect("request");
        let router = app.router.clone();
        // From 0.2 ms to about 6 ms: before, during and after the render.
        let after = Duration::from_micros(200 + (round * 7919) % 6000);
        tasks.push(tokio::spawn(async move {
            let _ = tokio::time::timeout(after, router.oneshot(request)).await;
        }));
        if tasks.len() >= 16 {
            for task in tasks.drain(..) {
                let _ = task.await;
            }
        }
    }
    for task in tasks {
        let _ = task.await;
    }
    // Let detached work (effects, resource loads) of the abandoned renders finish.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = std::panic::take_hook();

    let seen = messages.lock().map(|m| m.clone()).unwrap_or_default();
    let mut distinct: Vec<&String> = seen.iter().collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        panics.load(Ordering::SeqCst),
        0,
        "panics after hang-ups ({} in {rounds} requests): {distinct:#?}",
        seen.len()
    );
}

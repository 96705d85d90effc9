//! Patchbay's user interface: the HTML shell, the router and the pages, rendered on the server
//! and hydrated in the browser. Server-only code sits behind the `ssr` feature.

// Leptos view types nest deeply; the release builds need more room than the default 128.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
#[cfg(feature = "hydrate")]
pub mod connect_bridge;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod response;
pub mod session;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::{
    components::header::Header,
    pages::{
        admin::AdminPage,
        auth::{SignInPage, SignUpPage},
        catalog::CatalogPage,
        connections::ConnectionsPage,
        connector::ConnectorPage,
        invite::InvitePage,
        members::MembersPage,
        not_found::NotFound,
        settings::SettingsPage,
    },
};

/// Applies the saved or system colour scheme before the first paint (no flash of light mode).
const THEME_SCRIPT: &str = "(function(){try{var t=localStorage.getItem('patchbay-theme');\
if(t==='dark'||(!t&&window.matchMedia('(prefers-color-scheme: dark)').matches))\
{document.documentElement.classList.add('dark');}}catch(e){}})();";

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <script nonce=use_nonce() inner_html=THEME_SCRIPT></script>
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App />
            </body>
        </html>
    }
}

/// The application: header, routes, and the session shared by every page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    session::provide_session();
    // Effects run only in the browser: mark the page once the wasm has taken over, so
    // browser tests (and people watching the network) know when clicks are handled.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/patchbay.css" />
        <Title formatter=|text: String| {
            if text.is_empty() { "Patchbay".to_owned() } else { format!("{text} · Patchbay") }
        } />
        <Router>
            <a
                href="#main"
                class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-sm dark:focus:bg-slate-800"
            >
                "Skip to content"
            </a>
            <Header />
            <main id="main" class="mx-auto w-full max-w-7xl px-4 pb-16 pt-6 sm:px-6 lg:px-8">
                // Async: every page is rendered whole on the server before it is sent, so it
                // reads complete without JavaScript (streamed out-of-order chunks need the wasm
                // to be put in place).
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=CatalogPage ssr=SsrMode::Async />
                    <Route path=path!("/connectors/:slug") view=ConnectorPage ssr=SsrMode::Async />
                    <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/sign-up") view=SignUpPage ssr=SsrMode::Async />
                    <Route path=path!("/invite/:token") view=InvitePage ssr=SsrMode::Async />
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/members") view=MembersPage ssr=SsrMode::Async />
                    <Route path=path!("/connections") view=ConnectionsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

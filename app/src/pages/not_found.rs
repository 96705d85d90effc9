//! The page for addresses that lead nowhere (served with status 404).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::button::{PrimaryLink, Size};

#[component]
pub fn NotFound() -> impl IntoView {
    set_not_found_status();
    view! {
        <Title text="Not found" />
        <div class="mx-auto max-w-md py-24 text-center">
            <p class="text-sm font-semibold text-indigo-600 dark:text-indigo-400">"404"</p>
            <h1 class="mt-2 text-2xl font-semibold tracking-tight">"This page does not exist"</h1>
            <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">"The link may be old or mistyped."</p>
            <PrimaryLink href="/" size=Size::Quiet class="mt-6 inline-block">
                "Back to the catalog"
            </PrimaryLink>
        </div>
    }
}

/// Marks the server's response as 404 (does nothing in the browser).
pub fn set_not_found_status() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
}

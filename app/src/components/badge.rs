//! Small labelled pills: the Nango badge, beta, and connection status.

use leptos::prelude::*;

/// A pill with a tone: `nango`, `beta`, `ok`, `warn`, `error` or `muted`.
#[component]
pub fn Badge(#[prop(into)] tone: String, children: Children) -> impl IntoView {
    let tone_classes = match tone.as_str() {
        "nango" => {
            "bg-indigo-50 text-indigo-700 ring-indigo-600/20 dark:bg-indigo-500/10 dark:text-indigo-300 dark:ring-indigo-400/30"
        }
        "beta" => {
            "bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-500/10 dark:text-amber-300 dark:ring-amber-400/30"
        }
        "ok" => {
            "bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-500/10 dark:text-emerald-300 dark:ring-emerald-400/30"
        }
        "warn" => {
            "bg-orange-50 text-orange-800 ring-orange-600/20 dark:bg-orange-500/10 dark:text-orange-300 dark:ring-orange-400/30"
        }
        "error" => {
            "bg-red-50 text-red-700 ring-red-600/20 dark:bg-red-500/10 dark:text-red-300 dark:ring-red-400/30"
        }
        _ => {
            "bg-slate-100 text-slate-600 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-300 dark:ring-slate-400/20"
        }
    };
    view! {
        <span class=format!(
            "inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {tone_classes}",
        )>{children()}</span>
    }
}

/// The tone and words for a stored connection status.
pub fn status_badge(status: &str) -> (&'static str, &'static str) {
    match status {
        "active" => ("ok", "Connected"),
        "syncing" => ("nango", "Syncing"),
        "error" => ("error", "Error"),
        "needs_reconnect" => ("warn", "Needs reconnect"),
        "disconnected" => ("muted", "Disconnected"),
        _ => ("muted", "Unknown"),
    }
}

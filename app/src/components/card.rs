//! A connector's card in the catalog grid: logo, name, description, badges and, for a signed-in
//! organisation, how many accounts it has connected.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{components::badge::Badge, model::ConnectorCard};

#[component]
pub fn ConnectorCardView(card: ConnectorCard) -> impl IntoView {
    let href = format!("/connectors/{}", card.slug);
    let connected = (card.accounts > 0).then(|| {
        let text = if card.accounts == 1 {
            "Connected".to_owned()
        } else {
            format!("Connected · {}", card.accounts)
        };
        let tone = if card.needing_attention > 0 {
            "warn"
        } else {
            "ok"
        };
        view! { <Badge tone=tone><span data-testid="connected-badge">{text}</span></Badge> }
    });
    view! {
        <li data-testid="connector-card" data-slug=card.slug.clone()>
            <A
                href=href
                attr:class="group flex h-full flex-col gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm transition hover:border-indigo-300 hover:shadow-md focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-slate-800 dark:bg-slate-900 dark:hover:border-indigo-500/60"
            >
                <div class="flex items-start gap-3">
                    <img
                        src=card.logo_url.clone()
                        alt=""
                        width="40"
                        height="40"
                        loading="lazy"
                        class="h-10 w-10 shrink-0 rounded-lg"
                    />
                    <div class="min-w-0 flex-1">
                        <h3 class="truncate font-semibold text-slate-900 group-hover:text-indigo-700 dark:text-white dark:group-hover:text-indigo-300">
                            {card.name.clone()}
                        </h3>
                        <p class="truncate text-xs text-slate-500 dark:text-slate-400">{card.category_label.clone()}</p>
                    </div>
                </div>
                <p class="line-clamp-2 flex-1 text-sm text-slate-600 dark:text-slate-300">{card.description.clone()}</p>
                <div class="flex flex-wrap items-center gap-1.5">
                    {card.nango_enabled.then(|| view! {
                        <Badge tone="nango"><span data-testid="nango-badge" title="Connections are powered by Nango">"Nango"</span></Badge>
                    })}
                    {card.beta.then(|| view! { <Badge tone="beta">"Beta"</Badge> })}
                    {connected}
                </div>
            </A>
        </li>
    }
}

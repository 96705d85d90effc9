//! A connector's page (`/connectors/:slug`): what it is, how it authenticates, where its docs
//! are, and the organisation's accounts of it, with the Connect button.

use leptos::{either::EitherOf3, prelude::*};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::{
    api::catalog::load_connector,
    components::{
        badge::{Badge, status_badge},
        button::{PrimaryButton, PrimaryLink},
        connect_flow::{ConnectFlow, Toast},
    },
    model::{ConnectTarget, ConnectionItem, ConnectorDetail, format_date},
    pages::not_found::{NotFound, set_not_found_status},
    session::use_session,
};

#[component]
pub fn ConnectorPage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let slug = Memo::new(move |_| params.read().get("slug").unwrap_or_default());
    let flow = ConnectFlow::new();
    let detail = Resource::new(
        move || (slug.get(), session.version(), flow.refresh.get()),
        |(slug, _, _)| load_connector(slug),
    );
    view! {
        <Toast flow />
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading the connector…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => EitherOf3::A(view! { <Detail detail flow /> }),
                    Err(err) if err.code == "not_found" => {
                        set_not_found_status();
                        EitherOf3::B(view! { <NotFound /> })
                    }
                    Err(err) => EitherOf3::C(view! {
                        <p role="alert" class="text-sm text-red-600 dark:text-red-400">{err.message}</p>
                    }),
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(detail: ConnectorDetail, flow: ConnectFlow) -> impl IntoView {
    let ConnectorDetail {
        card,
        nango_provider_key,
        docs_url,
        signed_in,
        connections,
        connect,
    } = detail;
    let name = card.name.clone();
    let category_href = format!("/?category={}", card.category_slug);
    let category_label = card.category_label.clone();
    view! {
        <Title text=card.name.clone() />
        <nav class="mb-4 text-sm" aria-label="Breadcrumb">
            <A href="/" attr:class="text-indigo-600 hover:underline dark:text-indigo-400">"Catalog"</A>
            <span class="mx-2 text-slate-400">"/"</span>
            <A href=category_href attr:class="text-slate-500 hover:underline dark:text-slate-400">
                {category_label}
            </A>
        </nav>
        <div class="grid gap-8 lg:grid-cols-3">
            <section class="lg:col-span-2">
                <div class="flex items-start gap-4">
                    <img src=card.logo_url.clone() alt="" width="56" height="56" class="h-14 w-14 rounded-xl" />
                    <div class="min-w-0">
                        <h1 class="text-2xl font-semibold tracking-tight">{card.name.clone()}</h1>
                        <div class="mt-1 flex flex-wrap gap-1.5">
                            {card.nango_enabled.then(|| view! { <Badge tone="nango"><span data-testid="nango-badge">"Nango"</span></Badge> })}
                            {card.beta.then(|| view! { <Badge tone="beta">"Beta"</Badge> })}
                            <Badge tone="muted">{format!("v{}", card.version)}</Badge>
                        </div>
                    </div>
                </div>
                <p class="mt-4 text-slate-700 dark:text-slate-300">{card.description.clone()}</p>
                <dl class="mt-6 grid grid-cols-1 gap-4 sm:grid-cols-2">
                    <Fact term="Category" value=card.category_label.clone() />
                    <Fact term="Authentication" value=auth_mode_label(&card.auth_mode).to_owned() />
                    <Fact
                        term="Nango provider"
                        value=nango_provider_key.unwrap_or_else(|| "Not powered by Nango".to_owned())
                    />
                    <div>
                        <dt class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Documentation"</dt>
                        <dd class="mt-1 text-sm">
                            <a href=docs_url target="_blank" rel="noopener noreferrer" class="text-indigo-600 hover:underline dark:text-indigo-400">
                                {format!("{} API docs", card.name)}
                                <span class="sr-only">" (opens in a new tab)"</span>
                            </a>
                        </dd>
                    </div>
                </dl>
            </section>
            <aside class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                <ConnectAction slug=card.slug.clone() name=name.clone() signed_in nango_enabled=card.nango_enabled connect flow />
                <h2 class="mt-6 text-sm font-semibold">"Your organisation's accounts"</h2>
                <Connections signed_in connections slug=card.slug.clone() />
            </aside>
        </div>
    }
}

#[component]
fn Fact(term: &'static str, value: String) -> impl IntoView {
    view! {
        <div>
            <dt class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{term}</dt>
            <dd class="mt-1 text-sm">{value}</dd>
        </div>
    }
}

/// The Connect button: a sign-in link for visitors; for members it opens Connect UI, creates
/// the session, and confirms the connection Connect UI reports.
#[component]
fn ConnectAction(
    slug: String,
    name: String,
    signed_in: bool,
    nango_enabled: bool,
    connect: Option<ConnectTarget>,
    flow: ConnectFlow,
) -> impl IntoView {
    if !signed_in {
        let href = format!("/sign-in?next=/connectors/{slug}&reason=connect");
        return EitherOf3::A(view! {
            <PrimaryLink href=href block=true raised=true focus_ring=true attr:data-testid="connect-button">
                {format!("Connect {name}")}
            </PrimaryLink>
            <p class="mt-2 text-xs text-slate-500 dark:text-slate-400">"You will be asked to sign in first."</p>
        });
    }
    let Some(target) = connect else {
        let reason = if nango_enabled {
            "Nango is switched off on this Patchbay, so accounts cannot be connected."
        } else {
            "This connector is not powered by Nango, so it cannot be connected from here yet."
        };
        return EitherOf3::B(view! {
            <p class="text-sm text-slate-500 dark:text-slate-400" data-testid="connect-unavailable">{reason}</p>
        });
    };
    let label = format!("Connect {name}");
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let slug = slug.clone();
            crate::components::connect_flow::open_connect_ui(
                &target,
                async move { crate::api::connect::start_connect(slug).await },
                format!("{name} is connected"),
                flow,
            );
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&target, &slug, &name);
    };
    EitherOf3::C(view! {
        <PrimaryButton kind="button" block=true raised=true focus_ring=true class="disabled:cursor-progress"
            attr:data-testid="connect-button" on:click=on_click disabled=move || flow.pending.get()>
            {move || if flow.pending.get() { "Connecting…".to_owned() } else { label.clone() }}
        </PrimaryButton>
        {move || flow.error.get().map(|message| view! {
            <p role="alert" data-testid="connect-error" class="mt-2 text-sm text-red-600 dark:text-red-400">{message}</p>
        })}
    })
}

#[component]
fn Connections(signed_in: bool, connections: Vec<ConnectionItem>, slug: String) -> impl IntoView {
    if !signed_in {
        let href = format!("/sign-in?next=/connectors/{slug}");
        return EitherOf3::A(view! {
            <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">
                <A href=href attr:class="text-indigo-600 hover:underline dark:text-indigo-400">"Sign in"</A>
                " to see the accounts your organisation has connected."
            </p>
        });
    }
    if connections.is_empty() {
        return EitherOf3::B(view! {
            <p class="mt-2 text-sm text-slate-500 dark:text-slate-400" data-testid="no-connections">
                "No accounts connected yet."
            </p>
        });
    }
    EitherOf3::C(view! {
        <ul class="mt-2 divide-y divide-slate-200 dark:divide-slate-800">
            {connections.into_iter().map(|c| {
                let (tone, label) = status_badge(&c.status);
                view! {
                    <li class="flex items-center justify-between gap-2 py-2 text-sm">
                        <div class="min-w-0">
                            <p class="truncate font-medium">{c.account}</p>
                            <p class="text-xs text-slate-500 dark:text-slate-400">
                                {c.connected_by.map(|by| format!("by {by}, ")).unwrap_or_default()}
                                {format_date(c.connected_at)}
                            </p>
                        </div>
                        <Badge tone=tone>{label}</Badge>
                    </li>
                }
            }).collect_view()}
        </ul>
    })
}

/// How an auth mode reads to a person.
fn auth_mode_label(mode: &str) -> &'static str {
    match mode {
        "OAUTH2" => "OAuth 2.0",
        "OAUTH1" => "OAuth 1.0a",
        "OAUTH2_CC" => "OAuth 2.0 client credentials",
        "API_KEY" => "API key",
        "BASIC" => "Username and password",
        "APP" => "App installation",
        "JWT" => "JSON Web Token",
        "TBA" => "Token-based authentication",
        "NONE" => "No authentication",
        _ => "Other",
    }
}

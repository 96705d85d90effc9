//! The admin view (`/admin`): every connection of the organisation with filters (connector,
//! status, person), the webhook log and the audit log. Members are told it is for admins.

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::admin::load_admin,
    components::{
        badge::{Badge, status_badge},
        button::{PrimaryButton, Size},
    },
    model::{AdminView, FilterOption, format_date, format_datetime},
    session::use_session,
};

const STATUSES: &[(&str, &str)] = &[
    ("active", "Connected"),
    ("syncing", "Syncing"),
    ("error", "Error"),
    ("needs_reconnect", "Needs reconnect"),
    ("disconnected", "Disconnected"),
];

#[component]
pub fn AdminPage() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let filter = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let admin = Resource::new(
        move || {
            (
                filter("connector"),
                filter("status"),
                filter("user"),
                session.version(),
            )
        },
        |(connector, status, user, _)| load_admin(connector, status, user),
    );
    view! {
        <Title text="Admin" />
        <h1 class="mb-6 text-2xl font-semibold tracking-tight">"Admin"</h1>
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match admin.await {
                    Ok(view) => Either::Left(view! {
                        <Overview view selected=(filter("connector"), filter("status"), filter("user")) />
                    }),
                    Err(err) => Either::Right(view! {
                        <p role="alert" data-testid="admin-forbidden" class="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800 dark:border-amber-500/30 dark:bg-amber-500/10 dark:text-amber-200">
                            {if err.code == "forbidden" { "Only admins of this organisation can open the admin view.".to_owned() } else { err.message }}
                        </p>
                    }),
                }
            })}
        </Transition>
    }
}

fn options(all: &[FilterOption], selected: Option<&str>) -> AnyView {
    all.iter()
        .map(|o| {
            let chosen = selected == Some(o.value.as_str());
            view! { <option value=o.value.clone() selected=chosen>{o.label.clone()}</option> }
        })
        .collect_view()
        .into_any()
}

const TH: &str = "px-3 py-2 text-left text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400";
const TD: &str = "px-3 py-2";
const SELECT: &str = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900";

#[component]
fn Overview(
    view: AdminView,
    selected: (Option<String>, Option<String>, Option<String>),
) -> impl IntoView {
    let AdminView {
        connections,
        connectors,
        users,
        webhooks,
        audit,
    } = view;
    let (connector, status, user) = selected;
    let statuses: Vec<FilterOption> = STATUSES
        .iter()
        .map(|(v, l)| FilterOption {
            value: (*v).to_owned(),
            label: (*l).to_owned(),
        })
        .collect();
    view! {
        <section class="mb-10" aria-labelledby="admin-connections">
            <h2 id="admin-connections" class="mb-3 text-lg font-semibold">"Connections"</h2>
            <form method="get" action="/admin" class="mb-3 flex flex-wrap items-end gap-3" data-testid="admin-filters">
                <label class="text-sm">"Connector" <br />
                    <select name="connector" class=SELECT><option value="">"Any"</option>{options(&connectors, connector.as_deref())}</select>
                </label>
                <label class="text-sm">"Status" <br />
                    <select name="status" class=SELECT><option value="">"Any"</option>{options(&statuses, status.as_deref())}</select>
                </label>
                <label class="text-sm">"Connected by" <br />
                    <select name="user" class=SELECT><option value="">"Anyone"</option>{options(&users, user.as_deref())}</select>
                </label>
                <PrimaryButton size=Size::Compact>"Filter"</PrimaryButton>
            </form>
            <div class="overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
                <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="admin-connections">
                    <thead><tr><th class=TH>"Connector"</th><th class=TH>"Account"</th><th class=TH>"Status"</th><th class=TH>"Connected by"</th><th class=TH>"Connected"</th></tr></thead>
                    <tbody class="divide-y divide-slate-200 dark:divide-slate-800">
                        {connections.into_iter().map(|c| {
                            let (tone, label) = status_badge(&c.status);
                            view! {
                                <tr data-testid="admin-connection-row">
                                    <td class=TD>{c.connector_name}</td>
                                    <td class=format!("{TD} font-mono text-xs")>{c.account}</td>
                                    <td class=TD><Badge tone=tone>{label}</Badge></td>
                                    <td class=TD>{c.connected_by.unwrap_or_else(|| "–".to_owned())}</td>
                                    <td class=TD>{format_date(c.connected_at)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="mb-10" aria-labelledby="admin-webhooks">
            <h2 id="admin-webhooks" class="mb-3 text-lg font-semibold">"Webhook log"</h2>
            {if webhooks.is_empty() {
                Either::Left(view! { <p class="text-sm text-slate-500" data-testid="no-webhooks">"No webhook from Nango has concerned this organisation yet."</p> })
            } else {
                Either::Right(view! {
                    <div class="overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
                        <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="webhook-log">
                            <thead><tr><th class=TH>"Time"</th><th class=TH>"Type"</th><th class=TH>"Operation"</th><th class=TH>"Connection"</th><th class=TH>"Signature"</th><th class=TH>"Outcome"</th></tr></thead>
                            <tbody class="divide-y divide-slate-200 dark:divide-slate-800">
                                {webhooks.into_iter().map(|w| view! {
                                    <tr data-testid="webhook-row">
                                        <td class=TD>{format_datetime(w.received_at)}</td>
                                        <td class=TD>{w.event_type}</td>
                                        <td class=TD>{w.operation.unwrap_or_default()}</td>
                                        <td class=format!("{TD} font-mono text-xs")>{w.connection.unwrap_or_default()}</td>
                                        <td class=TD><Badge tone="ok">{format!("valid ({})", w.signature)}</Badge></td>
                                        <td class=TD title=w.detail.clone().unwrap_or_default()>{w.outcome}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                })
            }}
        </section>
        <section aria-labelledby="admin-audit">
            <h2 id="admin-audit" class="mb-3 text-lg font-semibold">"Audit log"</h2>
            <div class="overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
                <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="audit-log">
                    <thead><tr><th class=TH>"Time"</th><th class=TH>"Who"</th><th class=TH>"What"</th><th class=TH>"From"</th></tr></thead>
                    <tbody class="divide-y divide-slate-200 dark:divide-slate-800">
                        {audit.into_iter().map(|a| view! {
                            <tr>
                                <td class=TD>{format_datetime(a.at)}</td>
                                <td class=TD>{a.actor.unwrap_or_else(|| "Nango".to_owned())}</td>
                                <td class=TD>{a.action}</td>
                                <td class=TD>{a.ip.unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

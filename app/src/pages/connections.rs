//! The connections page (`/connections`): every connection of the organisation with its status,
//! and, on the ones the person may manage, Check now, Reconnect and Disconnect (confirmed).

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    api::connections::{CheckConnection, DisconnectConnection, load_connections},
    components::{
        badge::{Badge, status_badge},
        button::PrimaryLink,
        connect_flow::{ConnectFlow, Toast},
        field::FormError,
    },
    model::{ConnectTarget, ConnectionRow, format_date},
    session::use_session,
};

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let session = use_session();
    let flow = ConnectFlow::new();
    let check = ServerAction::<CheckConnection>::new();
    let disconnect = ServerAction::<DisconnectConnection>::new();
    let confirming = RwSignal::new(None::<String>);
    let connections = Resource::new(
        move || {
            session.version()
                + flow.refresh.get()
                + check.version().get()
                + disconnect.version().get()
        },
        |_| load_connections(),
    );
    let action_error = Signal::derive(move || {
        check
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| disconnect.value().get().and_then(Result::err))
            .map(|e| e.message)
            .or_else(|| flow.error.get())
    });
    view! {
        <Title text="Connections" />
        <Toast flow />
        <div class="mb-6">
            <h1 class="text-2xl font-semibold tracking-tight">"Connections"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Every account your organisation has connected. You can manage the ones you connected; admins can manage all."
            </p>
        </div>
        <FormError error=action_error />
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading connections…"</p> }>
            {move || Suspend::new(async move {
                match connections.await {
                    Ok(view) if view.rows.is_empty() => Either::Left(view! {
                        <div class="rounded-xl border border-dashed border-slate-300 px-6 py-16 text-center dark:border-slate-700" data-testid="no-connections">
                            <p class="font-medium">"No connections yet"</p>
                            <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">"Open a connector in the catalog and connect an account."</p>
                            <A href="/" attr:class="mt-4 inline-block text-sm font-medium text-indigo-600 hover:underline dark:text-indigo-400">"Browse the catalog"</A>
                        </div>
                    }.into_any()),
                    Ok(view) => Either::Left(view! {
                        <Table rows=view.rows connect=view.connect check disconnect confirming flow />
                    }.into_any()),
                    Err(err) if err.code == "unauthenticated" => Either::Right(view! {
                        <div class="mx-auto max-w-md py-16 text-center">
                            <h2 class="text-xl font-semibold">"Sign in to see your organisation's connections"</h2>
                            <PrimaryLink href="/sign-in?next=/connections" class="mt-4 inline-block">"Sign in"</PrimaryLink>
                        </div>
                    }.into_any()),
                    Err(err) => Either::Right(view! {
                        <p role="alert" class="text-sm text-red-600 dark:text-red-400">{err.message}</p>
                    }.into_any()),
                }
            })}
        </Transition>
    }
}

#[component]
fn Table(
    rows: Vec<ConnectionRow>,
    connect: Option<ConnectTarget>,
    check: ServerAction<CheckConnection>,
    disconnect: ServerAction<DisconnectConnection>,
    confirming: RwSignal<Option<String>>,
    flow: ConnectFlow,
) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="connections-table">
                <thead class="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500 dark:bg-slate-800/50 dark:text-slate-400">
                    <tr>
                        <th scope="col" class="px-4 py-2">"Connector"</th>
                        <th scope="col" class="px-4 py-2">"Account"</th>
                        <th scope="col" class="px-4 py-2">"Status"</th>
                        <th scope="col" class="px-4 py-2">"Connected by"</th>
                        <th scope="col" class="px-4 py-2">"Connected"</th>
                        <th scope="col" class="px-4 py-2">"Last checked"</th>
                        <th scope="col" class="px-4 py-2"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-200 dark:divide-slate-800">
                    {rows.into_iter().map(|row| view! { <Row row connect=connect.clone() check disconnect confirming flow /> }.into_any()).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Row(
    row: ConnectionRow,
    connect: Option<ConnectTarget>,
    check: ServerAction<CheckConnection>,
    disconnect: ServerAction<DisconnectConnection>,
    confirming: RwSignal<Option<String>>,
    flow: ConnectFlow,
) -> impl IntoView {
    let (tone, label) = status_badge(&row.status);
    let manageable = row.can_manage && row.status != "disconnected";
    let id = row.id.clone();
    let name = row.connector_name.clone();
    let actions = manageable.then(|| {
        let (id_check, id_confirm, id_reconnect) = (id.clone(), id.clone(), id.clone());
        let id_disconnect = StoredValue::new(id.clone());
        let is_confirming = {
            let id = id.clone();
            move || confirming.get().as_deref() == Some(id.as_str())
        };
        let on_reconnect = {
            let name = name.clone();
            move |_| {
                #[cfg(feature = "hydrate")]
                if let Some(target) = &connect {
                    let id = id_reconnect.clone();
                    crate::components::connect_flow::open_connect_ui(
                        target,
                        async move { crate::api::connections::reconnect_connection(id).await },
                        format!("{name} is reconnected"),
                        flow,
                    );
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = (&connect, &id_reconnect, &name, flow);
            }
        };
        view! {
            <div class="flex flex-wrap justify-end gap-2">
                <ActionForm action=check>
                    <input type="hidden" name="id" value=id_check />
                    <button type="submit" data-testid="check-now" class="rounded-md px-2 py-1 text-xs font-medium text-indigo-600 hover:bg-indigo-50 dark:text-indigo-400 dark:hover:bg-indigo-500/10">"Check now"</button>
                </ActionForm>
                <button type="button" data-testid="reconnect" on:click=on_reconnect disabled=move || flow.pending.get()
                    class="rounded-md px-2 py-1 text-xs font-medium text-indigo-600 hover:bg-indigo-50 disabled:opacity-50 dark:text-indigo-400 dark:hover:bg-indigo-500/10">"Reconnect"</button>
                <Show
                    when=is_confirming
                    fallback=move || {
                        let id = id_confirm.clone();
                        view! {
                            <button type="button" data-testid="disconnect" on:click=move |_| confirming.set(Some(id.clone()))
                                class="rounded-md px-2 py-1 text-xs font-medium text-red-600 hover:bg-red-50 dark:text-red-400 dark:hover:bg-red-500/10">"Disconnect"</button>
                        }
                    }
                >
                    <div role="alertdialog" aria-label="Confirm disconnect" class="flex items-center gap-2 rounded-md bg-red-50 px-2 py-1 dark:bg-red-500/10">
                        <span class="text-xs text-red-700 dark:text-red-300">"Disconnect? It is deleted in Nango."</span>
                        <button type="button" on:click=move |_| confirming.set(None) class="text-xs font-medium underline">"Cancel"</button>
                        <ActionForm action=disconnect on:submit=move |_| confirming.set(None)>
                            <input type="hidden" name="id" value=id_disconnect.get_value() />
                            <button type="submit" data-testid="confirm-disconnect" class="rounded bg-red-600 px-2 py-0.5 text-xs font-semibold text-white hover:bg-red-500">"Disconnect"</button>
                        </ActionForm>
                    </div>
                </Show>
            </div>
        }
    });
    view! {
        <tr data-testid="connection-row" data-connector=row.connector_slug.clone() data-status=row.status.clone()>
            <td class="px-4 py-2">
                <A href=format!("/connectors/{}", row.connector_slug) attr:class="flex items-center gap-2 font-medium hover:underline">
                    <img src=row.logo_url.clone() alt="" width="24" height="24" class="h-6 w-6 rounded" />
                    {row.connector_name.clone()}
                </A>
            </td>
            <td class="px-4 py-2 font-mono text-xs" data-testid="connection-account">{row.account.clone()}</td>
            <td class="px-4 py-2">
                <Badge tone=tone><span data-testid="connection-status">{label}</span></Badge>
                {row.status_detail.clone().map(|d| { let title = d.clone(); view! { <p class="mt-1 max-w-48 truncate text-xs text-slate-500" title=title>{d}</p> } })}
            </td>
            <td class="px-4 py-2">{row.connected_by.clone().unwrap_or_else(|| "–".to_owned())}</td>
            <td class="px-4 py-2 text-slate-500 dark:text-slate-400">{format_date(row.connected_at)}</td>
            <td class="px-4 py-2 text-slate-500 dark:text-slate-400">{row.last_checked_at.map_or_else(|| "never".to_owned(), format_date)}</td>
            <td class="px-4 py-2">{actions}</td>
        </tr>
    }
}

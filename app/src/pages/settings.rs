//! The settings page (`/settings`, admins): API keys for backends and AI agents (created and
//! shown once, listed with their prefix and last use, revoked with a confirmation) and the
//! organisation's Panora connection token.

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;

use crate::{
    api::settings::{CreateApiKey, RemovePanora, RevokeApiKey, SavePanora, load_settings},
    components::{
        badge::Badge,
        button::{PrimaryButton, PrimaryLink},
        field::{Field, FormError},
    },
    model::{
        ApiKeyItem, CreatedApiKey, PanoraLinkInfo, SettingsView, format_date, format_datetime,
    },
    session::use_session,
};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let session = use_session();
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let save_panora = ServerAction::<SavePanora>::new();
    let remove_panora = ServerAction::<RemovePanora>::new();
    let settings = Resource::new(
        move || {
            session.version()
                + create.version().get()
                + revoke.version().get()
                + save_panora.version().get()
                + remove_panora.version().get()
        },
        |_| load_settings(),
    );
    let actions = Actions {
        create,
        revoke,
        save_panora,
        remove_panora,
    };
    view! {
        <Title text="Settings" />
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading settings…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(view) => Either::Left(view! { <Settings view actions /> }),
                    Err(err) if err.code == "unauthenticated" => Either::Right(view! {
                        <div class="mx-auto max-w-md py-16 text-center">
                            <h1 class="text-xl font-semibold">"Sign in to manage your organisation's settings"</h1>
                            <PrimaryLink href="/sign-in?next=/settings" class="mt-4 inline-block">"Sign in"</PrimaryLink>
                        </div>
                    }.into_any()),
                    Err(err) => Either::Right(view! {
                        <div class="mx-auto max-w-md py-16 text-center" data-testid="settings-refused">
                            <h1 class="text-xl font-semibold">"Settings are for admins"</h1>
                            <p role="alert" class="mt-2 text-sm text-slate-600 dark:text-slate-400">{err.message}</p>
                        </div>
                    }.into_any()),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<CreateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
    save_panora: ServerAction<SavePanora>,
    remove_panora: ServerAction<RemovePanora>,
}

#[component]
fn Settings(view: SettingsView, actions: Actions) -> impl IntoView {
    let SettingsView {
        org_name,
        api_keys,
        panora,
        panora_enabled,
        api_docs_url,
    } = view;
    view! {
        <div class="mb-6">
            <h1 class="text-2xl font-semibold tracking-tight">"Settings"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                {format!("How backends and AI agents reach {org_name}'s integrations.")}
            </p>
        </div>
        <section aria-labelledby="api-keys-heading" class="grid gap-8 lg:grid-cols-3">
            <div class="lg:col-span-2">
                <h2 id="api-keys-heading" class="text-lg font-semibold">"API keys"</h2>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Send a key as " <code class="rounded bg-slate-100 px-1 font-mono text-xs dark:bg-slate-800">"Authorization: Bearer pbk_…"</code>
                    " to the unified API and the proxy. See the "
                    <a href=api_docs_url class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"API reference"</a> "."
                </p>
                <KeyTable keys=api_keys revoke=actions.revoke />
            </div>
            <CreateKeyForm create=actions.create />
        </section>
        <PanoraSection link=panora enabled=panora_enabled save=actions.save_panora remove=actions.remove_panora />
    }
}

#[component]
fn KeyTable(keys: Vec<ApiKeyItem>, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let confirming = RwSignal::new(None::<String>);
    let error = Signal::derive(move || {
        revoke
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.message)
    });
    if keys.is_empty() {
        return Either::Left(view! {
            <div class="mt-4 rounded-xl border border-dashed border-slate-300 px-6 py-10 text-center dark:border-slate-700" data-testid="no-api-keys">
                <p class="font-medium">"No API keys yet"</p>
                <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">"Create one for each service or agent, so each can be revoked on its own."</p>
            </div>
        });
    }
    Either::Right(view! {
        <div class="mt-4"><FormError error /></div>
        <div class="mt-2 overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="api-keys-table">
                <thead class="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500 dark:bg-slate-800/50 dark:text-slate-400">
                    <tr>
                        <th scope="col" class="px-4 py-2">"Name"</th>
                        <th scope="col" class="px-4 py-2">"Key"</th>
                        <th scope="col" class="px-4 py-2">"Created"</th>
                        <th scope="col" class="px-4 py-2">"Last used"</th>
                        <th scope="col" class="px-4 py-2">"Status"</th>
                        <th scope="col" class="px-4 py-2"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-200 dark:divide-slate-800">
                    {keys.into_iter().map(|key| view! { <KeyRow key revoke confirming /> }).collect_view()}
                </tbody>
            </table>
        </div>
    })
}

#[component]
fn KeyRow(
    key: ApiKeyItem,
    revoke: ServerAction<RevokeApiKey>,
    confirming: RwSignal<Option<String>>,
) -> impl IntoView {
    let revoked = key.revoked_at.is_some();
    let id = StoredValue::new(key.id.clone());
    let is_confirming = move || confirming.get().as_deref() == Some(id.get_value().as_str());
    let created = match &key.created_by {
        Some(by) => format!("{} by {by}", format_date(key.created_at)),
        None => format_date(key.created_at),
    };
    view! {
        <tr data-testid="api-key-row" data-name=key.name.clone() data-revoked=revoked.to_string()>
            <td class="px-4 py-2 font-medium">{key.name.clone()}</td>
            <td class="px-4 py-2 font-mono text-xs" data-testid="api-key-prefix">{format!("{}…", key.prefix)}</td>
            <td class="px-4 py-2 text-slate-500 dark:text-slate-400">{created}</td>
            <td class="px-4 py-2 text-slate-500 dark:text-slate-400" data-testid="api-key-last-used">
                {key.last_used_at.map_or_else(|| "never".to_owned(), format_datetime)}
            </td>
            <td class="px-4 py-2">
                {match key.revoked_at {
                    Some(at) => Either::Left(view! { <Badge tone="neutral">{format!("Revoked {}", format_date(at))}</Badge> }),
                    None => Either::Right(view! { <Badge tone="ok">"Active"</Badge> }),
                }}
            </td>
            <td class="px-4 py-2 text-right">
                {(!revoked).then(|| view! {
                    <Show when=is_confirming fallback=move || view! {
                        <button type="button" data-testid="revoke-api-key" on:click=move |_| confirming.set(Some(id.get_value()))
                            class="rounded-md px-2 py-1 text-xs font-medium text-red-600 hover:bg-red-50 dark:text-red-400 dark:hover:bg-red-500/10">"Revoke"</button>
                    }>
                        <div role="alertdialog" aria-label="Confirm revoke" class="inline-flex items-center gap-2 rounded-md bg-red-50 px-2 py-1 dark:bg-red-500/10">
                            <span class="text-xs text-red-700 dark:text-red-300">"Revoke? Calls with it stop at once."</span>
                            <button type="button" on:click=move |_| confirming.set(None) class="text-xs font-medium underline">"Cancel"</button>
                            <ActionForm action=revoke on:submit=move |_| confirming.set(None)>
                                <input type="hidden" name="id" value=id.get_value() />
                                <button type="submit" data-testid="confirm-revoke" class="rounded bg-red-600 px-2 py-0.5 text-xs font-semibold text-white hover:bg-red-500">"Revoke"</button>
                            </ActionForm>
                        </div>
                    </Show>
                })}
            </td>
        </tr>
    }
}

#[component]
fn CreateKeyForm(create: ServerAction<CreateApiKey>) -> impl IntoView {
    let value = create.value();
    let name_error = Signal::derive(move || {
        value
            .get()
            .and_then(Result::err)
            .and_then(|e| e.for_field("name"))
    });
    let general_error = Signal::derive(move || {
        value
            .get()
            .and_then(Result::err)
            .and_then(|e| e.general(&["name"]))
    });
    view! {
        <aside class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h3 class="text-sm font-semibold">"Create an API key"</h3>
            <ActionForm action=create attr:class="mt-4 space-y-4" attr:novalidate=true>
                <FormError error=general_error />
                <Field name="name" label="Name" hint="What will use it, e.g. “billing sync” or “support agent”." required=true error=name_error />
                <PrimaryButton block=true raised=true attr:data-testid="create-api-key" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { "Creating…" } else { "Create key" }}
                </PrimaryButton>
            </ActionForm>
            {move || value.get().and_then(Result::ok).map(|created| view! { <NewKey created /> })}
        </aside>
    }
}

/// The key, shown once, with a copy button.
#[component]
fn NewKey(created: CreatedApiKey) -> impl IntoView {
    let copied = RwSignal::new(false);
    let secret = StoredValue::new(created.secret.clone());
    let on_copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let clipboard = window().navigator().clipboard();
            let _ = clipboard.write_text(&secret.get_value());
            copied.set(true);
        }
    };
    view! {
        <div class="mt-4 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm dark:border-amber-500/30 dark:bg-amber-500/10" role="status" data-testid="new-api-key">
            <p class="font-medium text-amber-900 dark:text-amber-100">
                {format!("“{}” is ready. Copy the key now: it is shown only this once.", created.name)}
            </p>
            <label for="new-api-key" class="sr-only">"API key"</label>
            <div class="mt-2 flex gap-2">
                <input id="new-api-key" data-testid="new-api-key-value" readonly value=secret.get_value()
                    class="block w-full rounded-md border border-slate-300 bg-white px-2 py-1 font-mono text-xs dark:border-slate-700 dark:bg-slate-900" />
                <button type="button" on:click=on_copy class="rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800">
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
        </div>
    }
}

#[component]
fn PanoraSection(
    link: Option<PanoraLinkInfo>,
    enabled: bool,
    save: ServerAction<SavePanora>,
    remove: ServerAction<RemovePanora>,
) -> impl IntoView {
    let value = save.value();
    let token_error = Signal::derive(move || {
        value
            .get()
            .and_then(Result::err)
            .and_then(|e| e.for_field("connection_token"))
    });
    let label_error = Signal::derive(move || {
        value
            .get()
            .and_then(Result::err)
            .and_then(|e| e.for_field("label"))
    });
    let general_error = Signal::derive(move || {
        value
            .get()
            .and_then(Result::err)
            .and_then(|e| e.general(&["connection_token", "label"]))
            .or_else(|| {
                remove
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|e| e.message)
            })
    });
    let current = link.map(|l| {
        let who = l.updated_by.map(|b| format!(" by {b}")).unwrap_or_default();
        let label = l.label.map(|l| format!(" ({l})")).unwrap_or_default();
        view! {
            <div class="flex items-center justify-between gap-2 rounded-md bg-slate-50 px-3 py-2 text-sm dark:bg-slate-800/50" data-testid="panora-token">
                <span>{format!("Token {}{label}, saved {}{who}", l.token_hint, format_date(l.updated_at))}</span>
                <ActionForm action=remove>
                    <button type="submit" class="text-xs font-medium text-red-600 hover:underline dark:text-red-400">"Remove"</button>
                </ActionForm>
            </div>
        }
    });
    view! {
        <section aria-labelledby="panora-heading" class="mt-10 max-w-2xl">
            <h2 id="panora-heading" class="text-lg font-semibold">"Panora"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Unified calls with " <code class="font-mono text-xs">"\"provider\": \"panora\""</code>
                " use this connection token unless the request brings its own."
            </p>
            {if enabled {
                Either::Left(view! {
                    <div class="mt-4 space-y-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                        {current}
                        <ActionForm action=save attr:class="space-y-4" attr:novalidate=true>
                            <FormError error=general_error />
                            <Field name="connection_token" label="Connection token" kind="password" autocomplete="off"
                                hint="The connection_token Panora gave for your organisation's connection (a UUID)." required=true error=token_error />
                            <Field name="label" label="Label (optional)" hint="e.g. “HubSpot via Panora”." error=label_error />
                            <PrimaryButton raised=true disabled=move || save.pending().get()>
                                {move || if save.pending().get() { "Saving…" } else { "Save token" }}
                            </PrimaryButton>
                        </ActionForm>
                    </div>
                })
            } else {
                Either::Right(view! {
                    <p class="mt-4 rounded-md border border-dashed border-slate-300 px-4 py-3 text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
                        "Panora is not configured on this Patchbay. Set PANORA_API_URL and PANORA_API_KEY, then restart."
                    </p>
                })
            }}
        </section>
    }
}

//! The top bar: brand, navigation, organisation switcher, account menu and theme switch.

use leptos::{either::Either, prelude::*};
use leptos_router::components::A;

use crate::{
    components::{
        button::{PrimaryLink, Size},
        theme::ThemeToggle,
    },
    model::ViewerInfo,
    session::use_session,
};

#[component]
pub fn Header() -> impl IntoView {
    let session = use_session();
    let config = Resource::new(|| (), |_| crate::api::auth::load_public_config());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                config.await.ok().filter(|c| c.sandbox).map(|_| view! {
                    <div role="note" data-testid="sandbox-banner" class="bg-amber-100 px-4 py-1 text-center text-xs font-medium text-amber-900 dark:bg-amber-500/20 dark:text-amber-200">
                        "Sandbox mode: connections go to Patchbay's built-in Nango sandbox with test data. Set NANGO_SECRET_KEY to use Nango."
                    </div>
                })
            })}
        </Transition>
        <header class="border-b border-slate-200 bg-white/80 backdrop-blur dark:border-slate-800 dark:bg-slate-900/80">
            <div class="mx-auto flex h-14 max-w-7xl items-center gap-4 px-4 sm:px-6 lg:px-8">
                <A href="/" attr:class="flex items-center gap-2 font-semibold tracking-tight">
                    <img src="/favicon.svg" alt="" class="h-6 w-6" />
                    <span>"Patchbay"</span>
                </A>
                <nav class="flex items-center gap-1 text-sm" aria-label="Main">
                    <A href="/" attr:class="rounded-md px-2 py-1 text-slate-600 hover:text-slate-900 aria-[current=page]:font-semibold aria-[current=page]:text-slate-900 dark:text-slate-300 dark:hover:text-white dark:aria-[current=page]:text-white">
                        "Catalog"
                    </A>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            session.viewer.await.ok().flatten().map(|viewer| view! {
                                <A href="/connections" attr:class="rounded-md px-2 py-1 text-slate-600 hover:text-slate-900 aria-[current=page]:font-semibold aria-[current=page]:text-slate-900 dark:text-slate-300 dark:hover:text-white dark:aria-[current=page]:text-white">
                                    "Connections"
                                </A>
                                <A href="/settings/members" attr:class="rounded-md px-2 py-1 text-slate-600 hover:text-slate-900 aria-[current=page]:font-semibold aria-[current=page]:text-slate-900 dark:text-slate-300 dark:hover:text-white dark:aria-[current=page]:text-white">
                                    "Members"
                                </A>
                                {viewer.is_admin().then(|| view! {
                                    <A href="/admin" attr:class="rounded-md px-2 py-1 text-slate-600 hover:text-slate-900 aria-[current=page]:font-semibold aria-[current=page]:text-slate-900 dark:text-slate-300 dark:hover:text-white dark:aria-[current=page]:text-white">
                                        "Admin"
                                    </A>
                                    <A href="/settings" attr:class="rounded-md px-2 py-1 text-slate-600 hover:text-slate-900 aria-[current=page]:font-semibold aria-[current=page]:text-slate-900 dark:text-slate-300 dark:hover:text-white dark:aria-[current=page]:text-white">
                                        "Settings"
                                    </A>
                                })}
                            })
                        })}
                    </Transition>
                </nav>
                <div class="ml-auto flex items-center gap-2">
                    <Transition fallback=|| view! { <span class="text-sm text-slate-400">"…"</span> }>
                        {move || Suspend::new(async move {
                            match session.viewer.await {
                                Ok(Some(viewer)) => Either::Left(view! { <Account viewer /> }),
                                _ => Either::Right(view! { <SignedOutLinks /> }),
                            }
                        })}
                    </Transition>
                    <ThemeToggle />
                </div>
            </div>
        </header>
    }
}

#[component]
fn SignedOutLinks() -> impl IntoView {
    view! {
        <A href="/sign-in" attr:class="rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800">
            "Sign in"
        </A>
        <PrimaryLink href="/sign-up" size=Size::Compact raised=true focus_ring=true>
            "Sign up"
        </PrimaryLink>
    }
}

/// The organisation switcher and the sign-out button of a signed-in person.
#[component]
fn Account(viewer: ViewerInfo) -> impl IntoView {
    let session = use_session();
    let current = viewer
        .org
        .as_ref()
        .map(|o| o.id.clone())
        .unwrap_or_default();
    let several = viewer.orgs.len() > 1;
    let org_name = viewer
        .org
        .as_ref()
        .map(|o| o.name.clone())
        .unwrap_or_default();
    view! {
        {if several {
            Either::Left(view! {
                <ActionForm action=session.switch_org attr:class="flex items-center">
                    <label for="org-switcher" class="sr-only">"Organisation"</label>
                    <select
                        id="org-switcher"
                        name="org_id"
                        data-testid="org-switcher"
                        class="max-w-48 truncate rounded-md border border-slate-300 bg-white py-1 pl-2 pr-7 text-sm dark:border-slate-700 dark:bg-slate-900"
                        on:change=move |ev| {
                            #[cfg(feature = "hydrate")]
                            {
                                if let Some(form) = event_target::<web_sys::HtmlSelectElement>(&ev).form() {
                                    let _ = form.request_submit();
                                }
                            }
                            #[cfg(not(feature = "hydrate"))]
                            let _ = ev;
                        }
                    >
                        {viewer.orgs.iter().map(|o| {
                            let selected = o.id == current;
                            view! { <option value=o.id.clone() selected=selected>{o.name.clone()}</option> }
                        }).collect_view()}
                    </select>
                    <noscript>
                        <button type="submit" class="ml-1 text-sm underline">"Switch"</button>
                    </noscript>
                </ActionForm>
            })
        } else {
            Either::Right(view! {
                <span class="hidden text-sm text-slate-500 sm:inline dark:text-slate-400" data-testid="org-name">{org_name}</span>
            })
        }}
        <span class="hidden text-sm font-medium md:inline" data-testid="viewer-name">{viewer.display_name.clone()}</span>
        <ActionForm action=session.sign_out>
            <button type="submit" class="rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800">
                "Sign out"
            </button>
        </ActionForm>
    }
}

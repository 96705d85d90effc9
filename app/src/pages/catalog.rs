//! The catalog (`/`): search, category chips and the connector grid. The filter lives in the
//! URL (`?category=crm&q=hub`), so it renders on the server, survives reloads, can be shared,
//! and works without JavaScript (a plain GET form and plain links); with JavaScript the grid
//! follows the search box as the person types.

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
};

use crate::{
    api::catalog::browse_catalog,
    components::{
        button::{PrimaryButton, Size},
        card::ConnectorCardView,
    },
    model::{CatalogView, CategoryChip, ConnectorCard, catalog_href},
    session::use_session,
};

#[component]
pub fn CatalogPage() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let q = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let category = Memo::new(move |_| query.read().get("category").filter(|c| !c.is_empty()));
    let catalog = Resource::new(
        move || (q.get(), category.get(), session.version()),
        |(q, category, _)| browse_catalog(q, category),
    );
    let (pending, set_pending) = signal(false);

    view! {
        <Title text="Connector catalog" />
        <section class="mb-6 flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">"Connector catalog"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Connect the tools your team uses. Connectors marked Nango authenticate through Nango's Connect UI."
                </p>
            </div>
            <SearchBox q category pending />
        </section>
        <Transition
            fallback=|| view! { <GridSkeleton /> }
            set_pending=set_pending
        >
            {move || Suspend::new(async move {
                match catalog.await {
                    Ok(view) => Either::Left(view! { <CatalogResults view q=q.get_untracked() /> }),
                    Err(err) => Either::Right(view! {
                        <div role="alert" class="rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-700 dark:border-red-500/30 dark:bg-red-500/10 dark:text-red-300">
                            <p class="font-medium">"The catalog could not be loaded."</p>
                            <p>{err.message}</p>
                            <p class="mt-2">"Reload the page to try again."</p>
                        </div>
                    }),
                }
            })}
        </Transition>
    }
}

/// The search form. Without JavaScript it submits as a GET; with JavaScript every keystroke
/// (debounced) replaces the URL, "/" focuses it and Escape clears it.
#[component]
fn SearchBox(
    q: Memo<String>,
    category: Memo<Option<String>>,
    pending: ReadSignal<bool>,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let navigate = use_navigate();
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let go = move |text: String| {
        let href = catalog_href(&text, category.get_untracked().as_deref());
        navigate(
            &href,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let on_input = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let text = event_target_value(&ev);
            if let Some(handle) = timer.get_value() {
                handle.clear();
            }
            let go = go.clone();
            let handle =
                set_timeout_with_handle(move || go(text), std::time::Duration::from_millis(150))
                    .ok();
            timer.set_value(handle);
        }
    };
    let on_keydown = {
        let go = go.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Escape" {
                if let Some(el) = input.get() {
                    el.set_value("");
                }
                go(String::new());
            }
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(el) = input.get_untracked() {
            go(el.value());
        }
    };

    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() != "/" || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                return;
            }
            let typing = ev
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .is_some_and(|el| {
                    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                        || el.has_attribute("contenteditable")
                });
            if !typing && let Some(el) = input.get_untracked() {
                ev.prevent_default();
                let _ = el.focus();
            }
        });
        on_cleanup(move || handle.remove());
    }

    view! {
        <form method="get" action="/" role="search" class="w-full sm:w-96" on:submit=on_submit>
            <label for="catalog-search" class="sr-only">"Search connectors"</label>
            <div class="relative">
                <svg class="pointer-events-none absolute left-3 top-2.5 h-4 w-4 text-slate-400" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true">
                    <path fill-rule="evenodd" d="M9 3.5a5.5 5.5 0 100 11 5.5 5.5 0 000-11zM2 9a7 7 0 1112.452 4.391l3.328 3.329a.75.75 0 11-1.06 1.06l-3.329-3.328A7 7 0 012 9z" clip-rule="evenodd" />
                </svg>
                <input
                    id="catalog-search"
                    node_ref=input
                    type="search"
                    name="q"
                    value=q.get_untracked()
                    placeholder="Search connectors"
                    autocomplete="off"
                    aria-keyshortcuts="/"
                    on:input=on_input
                    on:keydown=on_keydown
                    class="block w-full rounded-lg border border-slate-300 bg-white py-2 pl-9 pr-16 text-sm shadow-sm placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/40 dark:border-slate-700 dark:bg-slate-900"
                />
                <span class="pointer-events-none absolute right-2 top-1.5 flex items-center gap-1">
                    <Show when=move || pending.get()>
                        <span class="h-3 w-3 animate-spin rounded-full border-2 border-indigo-500 border-t-transparent" role="status" aria-label="Searching"></span>
                    </Show>
                    <kbd class="rounded border border-slate-300 px-1.5 text-xs text-slate-400 dark:border-slate-600">"/"</kbd>
                </span>
            </div>
            {move || category.get().map(|c| view! { <input type="hidden" name="category" value=c /> })}
            <noscript>
                <PrimaryButton size=Size::Compact no_hover=true class="mt-2">"Search"</PrimaryButton>
            </noscript>
        </form>
    }
}

#[component]
fn CatalogResults(view: CatalogView, q: String) -> impl IntoView {
    let CatalogView {
        connectors,
        categories,
        category,
        unknown_category,
        total_in_catalog,
    } = view;
    let selected = category.as_ref().map(|c| c.slug.clone());
    let total_matching: usize = categories.iter().map(|c| c.count).sum();
    let count_text = match connectors.len() {
        1 => "1 connector".to_owned(),
        n => format!("{n} connectors"),
    };
    let grouped = q.trim().is_empty() && selected.is_none();
    let results = if connectors.is_empty() {
        Either::Left(view! { <EmptyState q=q.clone() category=category.clone() /> })
    } else if grouped {
        Either::Right(Either::Left(
            view! { <GroupedGrid connectors categories=categories.clone() /> },
        ))
    } else {
        Either::Right(Either::Right(view! { <Grid connectors /> }))
    };
    view! {
        {unknown_category.map(|slug| view! {
            <p role="status" class="mb-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800 dark:border-amber-500/30 dark:bg-amber-500/10 dark:text-amber-200">
                "There is no category “" {slug} "”; showing every category."
            </p>
        })}
        <nav aria-label="Categories" class="mb-6">
            <ul class="flex flex-wrap gap-2">
                <li>
                    <CategoryLink
                        href=catalog_href(&q, None)
                        label="All".to_owned()
                        count=total_matching
                        active=selected.is_none()
                        slug=String::new()
                    />
                </li>
                {categories.into_iter().map(|chip| {
                    let active = selected.as_deref() == Some(chip.slug.as_str());
                    view! {
                        <li>
                            <CategoryLink
                                href=catalog_href(&q, Some(&chip.slug))
                                label=chip.label
                                count=chip.count
                                active
                                slug=chip.slug
                            />
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
        <p class="mb-3 text-sm text-slate-500 dark:text-slate-400" aria-live="polite" data-testid="result-count">
            {count_text} " of " {total_in_catalog}
        </p>
        {results}
    }
}

/// A category chip. A plain anchor (the router still navigates client-side) so that the
/// selected state is ours alone: `aria-current="true"` on the chosen category.
#[component]
fn CategoryLink(
    href: String,
    label: String,
    count: usize,
    active: bool,
    slug: String,
) -> impl IntoView {
    let class = if active {
        "inline-flex items-center gap-1.5 rounded-full border border-indigo-600 bg-indigo-600 px-3 py-1 text-sm font-medium text-white focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2"
    } else if count == 0 {
        "inline-flex items-center gap-1.5 rounded-full border border-slate-200 bg-white px-3 py-1 text-sm text-slate-400 hover:border-indigo-400 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-500"
    } else {
        "inline-flex items-center gap-1.5 rounded-full border border-slate-300 bg-white px-3 py-1 text-sm text-slate-700 hover:border-indigo-400 hover:text-indigo-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200 dark:hover:border-indigo-400 dark:hover:text-indigo-300"
    };
    let count_class = if active {
        "text-indigo-100"
    } else {
        "text-slate-400"
    };
    view! {
        <a href=href class=class data-category=slug data-noscroll="" aria-current=active.then_some("true")>
            {label}
            <span class=count_class>{count}</span>
        </a>
    }
}

#[component]
fn Grid(connectors: Vec<ConnectorCard>) -> impl IntoView {
    view! {
        <ul class="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4" data-testid="connector-grid">
            {connectors.into_iter().map(|card| view! { <ConnectorCardView card /> }).collect_view()}
        </ul>
    }
}

#[component]
fn GroupedGrid(connectors: Vec<ConnectorCard>, categories: Vec<CategoryChip>) -> impl IntoView {
    categories
        .into_iter()
        .filter_map(|chip| {
            let in_category: Vec<ConnectorCard> = connectors
                .iter()
                .filter(|c| c.category_slug == chip.slug)
                .cloned()
                .collect();
            (!in_category.is_empty()).then(|| {
                let heading_id = format!("category-{}", chip.slug);
                let labelled_by = heading_id.clone();
                view! {
                    <section class="mb-10" aria-labelledby=labelled_by>
                        <h2 id=heading_id class="mb-3 text-lg font-semibold tracking-tight">{chip.label}</h2>
                        <Grid connectors=in_category />
                    </section>
                }
            })
        })
        .collect_view()
}

#[component]
fn EmptyState(q: String, category: Option<CategoryChip>) -> impl IntoView {
    let within = category
        .as_ref()
        .map(|c| format!(" in {}", c.label))
        .unwrap_or_default();
    let headline = if q.trim().is_empty() {
        format!("No connectors{within} yet")
    } else {
        format!("No connectors match “{}”{within}", q.trim())
    };
    let everywhere = (category.is_some() && !q.trim().is_empty()).then(|| {
        view! {
            <A href=catalog_href(&q, None) attr:class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                "Search every category"
            </A>
        }
    });
    view! {
        <div class="rounded-xl border border-dashed border-slate-300 px-6 py-16 text-center dark:border-slate-700" data-testid="empty-state">
            <p class="text-base font-medium">{headline}</p>
            <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">
                "Check the spelling, try a shorter word, or browse by category."
            </p>
            <div class="mt-4 flex justify-center gap-4 text-sm">
                {everywhere}
                <A href="/" attr:class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"Clear the search"</A>
            </div>
        </div>
    }
}

#[component]
fn GridSkeleton() -> impl IntoView {
    view! {
        <ul class="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4" aria-busy="true" aria-label="Loading connectors">
            {(0..8).map(|_| view! {
                <li class="h-36 animate-pulse rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900"></li>
            }).collect_view()}
        </ul>
    }
}

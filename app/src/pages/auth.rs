//! Sign-in and sign-up. Both are plain forms that also work before the wasm loads; with it,
//! errors appear next to the field they concern without a reload.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    components::{
        button::PrimaryButton,
        field::{Field, FormError},
    },
    error::AppError,
    session::use_session,
};

/// The message for `field` from the last failed submit, as a signal.
fn field_error(
    value: Signal<Option<Result<(), AppError>>>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        value
            .get()
            .and_then(Result::err)
            .and_then(|e| e.for_field(field))
    })
}

/// The message that belongs to no field of the form.
fn form_error(
    value: Signal<Option<Result<(), AppError>>>,
    fields: &'static [&'static str],
) -> Signal<Option<String>> {
    Signal::derive(move || {
        value
            .get()
            .and_then(Result::err)
            .and_then(|e| e.general(fields))
    })
}

fn next_param() -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get("next").unwrap_or_else(|| "/".to_owned()))
}

#[component]
fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title />
        <div class="mx-auto mt-8 max-w-md rounded-xl border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h1 class="mb-6 text-xl font-semibold tracking-tight">{title}</h1>
            {children()}
        </div>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = use_session().sign_in;
    let next = next_param();
    let query = use_query_map();
    let reason = move || match query.read().get("reason").as_deref() {
        Some("connect") => Some("Sign in to connect an account to your organisation."),
        Some("invite") => Some("Sign in with the invited address to join the organisation."),
        Some("sign-up") => Some(
            "That sign-up did not start a session. If you already have an account with this email, sign in with its password.",
        ),
        _ => None,
    };
    let value = Signal::derive(move || action.value().get());
    const FIELDS: &[&str] = &["email", "password"];
    view! {
        <AuthCard title="Sign in">
            {move || reason().map(|text| view! {
                <p role="status" data-testid="sign-in-reason" class="mb-4 rounded-md bg-indigo-50 px-3 py-2 text-sm text-indigo-800 dark:bg-indigo-500/10 dark:text-indigo-200">{text}</p>
            })}
            <ActionForm action attr:class="space-y-4" attr:novalidate=true>
                <FormError error=form_error(value, FIELDS) />
                <input type="hidden" name="next" value=move || next.get() />
                <Field name="email" label="Email" kind="email" autocomplete="email" required=true error=field_error(value, "email") />
                <Field name="password" label="Password" kind="password" autocomplete="current-password" required=true error=field_error(value, "password") />
                <PrimaryButton block=true raised=true focus_ring=true disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </PrimaryButton>
            </ActionForm>
            <p class="mt-6 text-center text-sm text-slate-600 dark:text-slate-400">
                "New to Patchbay? "
                <A href=move || format!("/sign-up?next={}", crate::model::encode_query_value(&next.get())) attr:class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                    "Create an account"
                </A>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = use_session().sign_up;
    let next = next_param();
    let value = Signal::derive(move || action.value().get());
    const FIELDS: &[&str] = &["display_name", "email", "password", "org_name"];
    view! {
        <AuthCard title="Create your account">
            <ActionForm action attr:class="space-y-4" attr:novalidate=true>
                <FormError error=form_error(value, FIELDS) />
                <input type="hidden" name="next" value=move || next.get() />
                <Field name="display_name" label="Your name" autocomplete="name" required=true error=field_error(value, "display_name") />
                <Field name="email" label="Work email" kind="email" autocomplete="email" required=true error=field_error(value, "email") />
                <Field
                    name="password"
                    label="Password"
                    kind="password"
                    autocomplete="new-password"
                    required=true
                    hint="At least 10 characters. A passphrase is easiest to remember."
                    error=field_error(value, "password")
                />
                <Field
                    name="org_name"
                    label="Organisation name"
                    autocomplete="organization"
                    hint="Optional. You can invite your team once it exists."
                    error=field_error(value, "org_name")
                />
                <PrimaryButton block=true raised=true focus_ring=true disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating your account…" } else { "Create account" }}
                </PrimaryButton>
            </ActionForm>
            <p class="mt-6 text-center text-sm text-slate-600 dark:text-slate-400">
                "Already have an account? "
                <A href=move || format!("/sign-in?next={}", crate::model::encode_query_value(&next.get())) attr:class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                    "Sign in"
                </A>
            </p>
        </AuthCard>
    }
}

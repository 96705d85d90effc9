//! An invite link (`/invite/:token`): who invites whom to which organisation, and the button to
//! join. Signed-out visitors are sent to sign in or up and brought back here.

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::{
    api::orgs::load_invite,
    components::{
        button::{PrimaryButton, PrimaryLink},
        field::FormError,
    },
    model::{InviteInfo, encode_query_value, format_date},
    session::use_session,
};

#[component]
pub fn InvitePage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let info = Resource::new(
        move || (token.get(), session.version()),
        |(token, _)| load_invite(token),
    );
    view! {
        <Title text="Invitation" />
        <div class="mx-auto mt-8 max-w-lg rounded-xl border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Checking the invitation…"</p> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(info) => Either::Left(view! { <Invite info token=token.get_untracked() /> }),
                        Err(err) => Either::Right(view! {
                            <h1 class="text-xl font-semibold">"This invitation cannot be used"</h1>
                            <p role="alert" class="mt-2 text-sm text-red-600 dark:text-red-400" data-testid="invite-error">
                                {if err.code == "not_found" {
                                    "The link is not valid. Check that it was copied whole, or ask your admin for a new one.".to_owned()
                                } else {
                                    err.message
                                }}
                            </p>
                        }),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Invite(info: InviteInfo, token: String) -> impl IntoView {
    let session = use_session();
    let accept = session.accept_invite;
    let here = format!("/invite/{token}");
    let body = if let Some(reason) = info.unusable.clone() {
        view! {
            <p role="alert" class="mt-4 text-sm text-red-600 dark:text-red-400" data-testid="invite-error">{reason}</p>
        }
        .into_any()
    } else if let Some(email) = info.signed_in_as.clone() {
        if email == info.email {
            let join = format!("Join {}", info.org_name);
            let error = Signal::derive(move || {
                accept
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|e| e.message)
            });
            view! {
                <ActionForm action=accept attr:class="mt-6 space-y-3">
                    <FormError error />
                    <input type="hidden" name="token" value=token.clone() />
                    <PrimaryButton block=true raised=true attr:data-testid="accept-invite" disabled=move || accept.pending().get()>
                        {join}
                    </PrimaryButton>
                </ActionForm>
            }
            .into_any()
        } else {
            view! {
                <p role="alert" class="mt-4 text-sm text-amber-700 dark:text-amber-300" data-testid="invite-error">
                    {format!(
                        "You are signed in as {email}, but this invitation is for {}. Sign out and sign in with that address to accept it.",
                        info.email
                    )}
                </p>
            }
            .into_any()
        }
    } else {
        let next = encode_query_value(&here);
        view! {
            <p class="mt-4 text-sm text-slate-600 dark:text-slate-400">
                {format!("Sign in or create an account with {} to accept.", info.email)}
            </p>
            <div class="mt-6 flex gap-3">
                <PrimaryLink href=format!("/sign-up?next={next}") class="flex-1 text-center">
                    "Create an account"
                </PrimaryLink>
                <A href=format!("/sign-in?next={next}&reason=invite") attr:class="flex-1 rounded-md border border-slate-300 px-4 py-2 text-center text-sm font-semibold hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800">
                    "Sign in"
                </A>
            </div>
        }
        .into_any()
    };
    view! {
        <h1 class="text-xl font-semibold tracking-tight" data-testid="invite-title">
            {format!("Join {} on Patchbay", info.org_name)}
        </h1>
        <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
            {format!(
                "{} invited {} as {}. The invitation is valid until {}.",
                info.invited_by,
                info.email,
                if info.role == "admin" { "an admin" } else { "a member" },
                format_date(info.expires_at)
            )}
        </p>
        {body}
    }
}

//! The members page (`/settings/members`): everyone sees who belongs to the organisation;
//! admins also invite people, change roles, remove members and withdraw pending invites.

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;

use crate::{
    api::orgs::{ChangeRole, CreateInvite, RemoveMember, RevokeInvite, load_members},
    components::{
        badge::Badge,
        button::{PrimaryButton, PrimaryLink},
        field::{Field, FormError},
    },
    model::{MembersView, format_date},
    session::use_session,
};

#[component]
pub fn MembersPage() -> impl IntoView {
    let session = use_session();
    let invite = ServerAction::<CreateInvite>::new();
    let revoke = ServerAction::<RevokeInvite>::new();
    let change_role = ServerAction::<ChangeRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let members = Resource::new(
        move || {
            session.version()
                + invite.version().get()
                + revoke.version().get()
                + change_role.version().get()
                + remove.version().get()
        },
        |_| load_members(),
    );
    let row_error = Signal::derive(move || {
        change_role
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| remove.value().get().and_then(Result::err))
            .or_else(|| revoke.value().get().and_then(Result::err))
            .map(|e| e.message)
    });
    view! {
        <Title text="Members" />
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading members…"</p> }>
            {move || Suspend::new(async move {
                match members.await {
                    Ok(view) => Either::Left(view! {
                        <Members view invite revoke change_role remove row_error />
                    }),
                    Err(err) if err.code == "unauthenticated" => Either::Right(view! {
                        <div class="mx-auto max-w-md py-16 text-center">
                            <h1 class="text-xl font-semibold">"Sign in to see your organisation's members"</h1>
                            <PrimaryLink href="/sign-in?next=/settings/members" class="mt-4 inline-block">"Sign in"</PrimaryLink>
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
fn Members(
    view: MembersView,
    invite: ServerAction<CreateInvite>,
    revoke: ServerAction<RevokeInvite>,
    change_role: ServerAction<ChangeRole>,
    remove: ServerAction<RemoveMember>,
    row_error: Signal<Option<String>>,
) -> impl IntoView {
    let MembersView {
        org_name,
        can_manage,
        members,
        invites,
    } = view;
    view! {
        <div class="mb-6">
            <h1 class="text-2xl font-semibold tracking-tight">"Members"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                {format!("People who belong to {org_name}.")}
            </p>
        </div>
        <div class="grid gap-8 lg:grid-cols-3">
            <section class="lg:col-span-2">
                <FormError error=row_error />
                <div class="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                    <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="members-table">
                        <thead class="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500 dark:bg-slate-800/50 dark:text-slate-400">
                            <tr>
                                <th scope="col" class="px-4 py-2">"Name"</th>
                                <th scope="col" class="px-4 py-2">"Role"</th>
                                <th scope="col" class="px-4 py-2">"Joined"</th>
                                {can_manage.then(|| view! { <th scope="col" class="px-4 py-2"><span class="sr-only">"Actions"</span></th> })}
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-slate-200 dark:divide-slate-800">
                            {members.into_iter().map(|m| {
                                let other_role = if m.role == "admin" { "member" } else { "admin" };
                                let manage = (can_manage && !m.is_self).then(|| {
                                    let (uid1, uid2) = (m.user_id.clone(), m.user_id.clone());
                                    view! {
                                        <td class="px-4 py-2 text-right">
                                            <div class="flex justify-end gap-2">
                                                <ActionForm action=change_role>
                                                    <input type="hidden" name="user_id" value=uid1 />
                                                    <input type="hidden" name="role" value=other_role />
                                                    <button type="submit" class="rounded-md px-2 py-1 text-xs font-medium text-indigo-600 hover:bg-indigo-50 dark:text-indigo-400 dark:hover:bg-indigo-500/10">
                                                        {format!("Make {other_role}")}
                                                    </button>
                                                </ActionForm>
                                                <ActionForm action=remove>
                                                    <input type="hidden" name="user_id" value=uid2 />
                                                    <button type="submit" class="rounded-md px-2 py-1 text-xs font-medium text-red-600 hover:bg-red-50 dark:text-red-400 dark:hover:bg-red-500/10">
                                                        "Remove"
                                                    </button>
                                                </ActionForm>
                                            </div>
                                        </td>
                                    }
                                });
                                let blank = (can_manage && m.is_self).then(|| view! { <td class="px-4 py-2"></td> });
                                view! {
                                    <tr data-testid="member-row" data-email=m.email.clone()>
                                        <td class="px-4 py-2">
                                            <p class="font-medium">{m.display_name.clone()} {m.is_self.then_some(" (you)")}</p>
                                            <p class="text-xs text-slate-500 dark:text-slate-400">{m.email.clone()}</p>
                                        </td>
                                        <td class="px-4 py-2">
                                            <Badge tone=if m.role == "admin" { "nango" } else { "muted" }>
                                                <span data-testid="member-role">{m.role.clone()}</span>
                                            </Badge>
                                        </td>
                                        <td class="px-4 py-2 text-slate-500 dark:text-slate-400">{format_date(m.joined_at)}</td>
                                        {manage}
                                        {blank}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                {(can_manage && !invites.is_empty()).then(|| view! {
                    <h2 class="mb-2 mt-8 text-sm font-semibold">"Pending invitations"</h2>
                    <ul class="divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white text-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                        {invites.into_iter().map(|i| view! {
                            <li class="flex items-center justify-between gap-2 px-4 py-2" data-testid="pending-invite">
                                <span>
                                    <span class="font-medium">{i.email.clone()}</span>
                                    <span class="text-slate-500 dark:text-slate-400">
                                        {format!(" · {} · valid until {}", i.role, format_date(i.expires_at))}
                                    </span>
                                </span>
                                <ActionForm action=revoke>
                                    <input type="hidden" name="invite_id" value=i.id.clone() />
                                    <button type="submit" class="text-xs font-medium text-red-600 hover:underline dark:text-red-400">"Withdraw"</button>
                                </ActionForm>
                            </li>
                        }).collect_view()}
                    </ul>
                })}
            </section>
            {can_manage.then(|| view! { <InviteForm invite /> })}
        </div>
    }
}

#[component]
fn InviteForm(invite: ServerAction<CreateInvite>) -> impl IntoView {
    let value = invite.value();
    let email_error = Signal::derive(move || {
        value
            .get()
            .and_then(Result::err)
            .and_then(|e| e.for_field("email"))
    });
    let general_error = Signal::derive(move || {
        value
            .get()
            .and_then(Result::err)
            .and_then(|e| e.general(&["email"]))
    });
    view! {
        <aside class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h2 class="text-sm font-semibold">"Invite someone"</h2>
            <ActionForm action=invite attr:class="mt-4 space-y-4" attr:novalidate=true>
                <FormError error=general_error />
                <Field name="email" label="Email" kind="email" required=true error=email_error />
                <div class="space-y-1">
                    <label for="invite-role" class="block text-sm font-medium text-slate-700 dark:text-slate-200">"Role"</label>
                    <select id="invite-role" name="role" class="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900">
                        <option value="member" selected>"Member"</option>
                        <option value="admin">"Admin"</option>
                    </select>
                </div>
                <PrimaryButton block=true raised=true disabled=move || invite.pending().get()>
                    {move || if invite.pending().get() { "Creating the link…" } else { "Create invite link" }}
                </PrimaryButton>
            </ActionForm>
            {move || value.get().and_then(Result::ok).map(|created| view! {
                <div class="mt-4 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm dark:border-emerald-500/30 dark:bg-emerald-500/10" role="status">
                    <p class="font-medium text-emerald-800 dark:text-emerald-200">
                        {format!("Send this link to {}. It works once, until {}.", created.email, format_date(created.expires_at))}
                    </p>
                    <label for="invite-link" class="sr-only">"Invite link"</label>
                    <input id="invite-link" data-testid="invite-link" readonly value=created.link.clone()
                        on:focus=move |ev| {
                            #[cfg(feature = "hydrate")]
                            {
                                use wasm_bindgen::JsCast;
                                if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                    input.select();
                                }
                            }
                            #[cfg(not(feature = "hydrate"))]
                            let _ = ev;
                        }
                        class="mt-2 block w-full rounded-md border border-slate-300 bg-white px-2 py-1 font-mono text-xs dark:border-slate-700 dark:bg-slate-900" />
                </div>
            })}
        </aside>
    }
}

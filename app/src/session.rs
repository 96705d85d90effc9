//! The session as every page sees it: the actions that change who is signed in or where they
//! work, and the viewer resource that refetches whenever one of them completes.

use leptos::prelude::*;

use crate::{
    api::{
        auth::{SignIn, SignOut, SignUp, SwitchOrg, current_viewer},
        orgs::AcceptInvite,
    },
    error::AppError,
    model::ViewerInfo,
};

#[derive(Clone, Copy)]
pub struct Session {
    pub sign_in: ServerAction<SignIn>,
    pub sign_up: ServerAction<SignUp>,
    pub sign_out: ServerAction<SignOut>,
    pub switch_org: ServerAction<SwitchOrg>,
    pub accept_invite: ServerAction<AcceptInvite>,
    pub viewer: Resource<Result<Option<ViewerInfo>, AppError>>,
}

impl Session {
    /// A counter that moves whenever the viewer or their organisation may have changed; page
    /// resources include it in their source so they refetch too.
    pub fn version(&self) -> usize {
        self.sign_in.version().get()
            + self.sign_up.version().get()
            + self.sign_out.version().get()
            + self.switch_org.version().get()
            + self.accept_invite.version().get()
    }
}

/// Creates the session actions and resource and provides them as context.
pub fn provide_session() -> Session {
    let sign_in = ServerAction::<SignIn>::new();
    let sign_up = ServerAction::<SignUp>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let switch_org = ServerAction::<SwitchOrg>::new();
    let accept_invite = ServerAction::<AcceptInvite>::new();
    let viewer = Resource::new(
        move || {
            sign_in.version().get()
                + sign_up.version().get()
                + sign_out.version().get()
                + switch_org.version().get()
                + accept_invite.version().get()
        },
        |_| current_viewer(),
    );
    let session = Session {
        sign_in,
        sign_up,
        sign_out,
        switch_org,
        accept_invite,
        viewer,
    };
    provide_context(session);
    session
}

/// The session provided by `App` (a fresh one if a component is rendered on its own).
pub fn use_session() -> Session {
    use_context::<Session>().unwrap_or_else(provide_session)
}

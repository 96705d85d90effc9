//! The Connect flow's page state and its one entry point: open Connect UI (through the Rust
//! bridge), hand it a session token, confirm what it reports, and tell the person how it went.

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::{
    error::AppError,
    model::{ConnectStart, ConnectTarget},
};

/// The state of the Connect flow. It lives on the page, not in the detail view, so that it
/// survives the detail's refetch after a connection lands.
#[derive(Clone, Copy)]
pub struct ConnectFlow {
    pub pending: RwSignal<bool>,
    pub error: RwSignal<Option<String>>,
    pub toast: RwSignal<Option<String>>,
    pub refresh: RwSignal<usize>,
}

impl ConnectFlow {
    pub fn new() -> Self {
        Self {
            pending: RwSignal::new(false),
            error: RwSignal::new(None),
            toast: RwSignal::new(None),
            refresh: RwSignal::new(0),
        }
    }
}

impl Default for ConnectFlow {
    fn default() -> Self {
        Self::new()
    }
}

/// The flow's success message, bottom right, for a few seconds.
#[component]
pub fn Toast(flow: ConnectFlow) -> impl IntoView {
    move || {
        flow.toast.get().map(|text| {
            view! {
                <div role="status" data-testid="toast"
                    class="fixed bottom-4 right-4 z-50 rounded-lg bg-emerald-600 px-4 py-3 text-sm font-medium text-white shadow-lg">
                    {text}
                </div>
            }
        })
    }
}

/// Opens Connect UI at once (inside the click), then fetches the session token for it; on
/// `connect` confirms the connection with the server, on `error` shows why, on `close` stops.
#[cfg(feature = "hydrate")]
pub fn open_connect_ui(
    target: &ConnectTarget,
    session: impl std::future::Future<Output = Result<ConnectStart, AppError>> + 'static,
    success: String,
    flow: ConnectFlow,
) {
    use leptos::task::spawn_local;

    use crate::{
        api::connect::confirm_connect,
        connect_bridge::{ConnectEvent, ConnectUi},
    };

    flow.error.set(None);
    flow.pending.set(true);
    let ui = ConnectUi::open(
        &target.connect_ui_url,
        &target.api_url,
        move |event| match event {
            ConnectEvent::Connect {
                provider_config_key,
                connection_id,
            } => {
                let success = success.clone();
                spawn_local(async move {
                    match confirm_connect(provider_config_key, connection_id).await {
                        Ok(()) => {
                            flow.toast.try_set(Some(success));
                            flow.refresh.try_update(|n| *n += 1);
                            set_timeout(
                                move || {
                                    flow.toast.try_set(None);
                                },
                                std::time::Duration::from_secs(5),
                            );
                        }
                        Err(err) => {
                            flow.error.try_set(Some(err.message));
                        }
                    }
                });
            }
            ConnectEvent::Error { message, .. } => {
                flow.error.try_set(Some(message));
            }
            ConnectEvent::Close => {
                flow.pending.try_set(false);
            }
            ConnectEvent::Ready => {}
        },
    );
    match ui {
        Ok(ui) => spawn_local(async move {
            match session.await {
                Ok(start) => ui.set_session_token(start.session_token),
                Err(err) => {
                    ui.close();
                    flow.pending.try_set(false);
                    flow.error.try_set(Some(err.message));
                }
            }
        }),
        Err(message) => {
            flow.pending.set(false);
            flow.error.set(Some(message));
        }
    }
}

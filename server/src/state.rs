//! `AppState`: everything a request may need, built once at start-up and cloned cheaply into
//! every handler, page render and server function.

use std::sync::Arc;

use app::ssr::ServerContext;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use patchbay::{Db, Hub, catalog::Catalog};

use crate::config::Config;

#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub hub: Hub,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// Connects the database (applying migrations) and bundles the services.
    pub async fn build(
        config: Config,
        catalog: Catalog,
        leptos_options: LeptosOptions,
    ) -> patchbay::Result<Self> {
        let db = Db::connect(&config.database_url).await?;
        let hub = Hub::new(db, Arc::new(catalog), config.secret_bytes())?;
        Ok(Self {
            leptos_options,
            config: Arc::new(config),
            hub,
        })
    }

    /// What the Leptos pages and server functions receive as context.
    pub fn server_context(&self) -> ServerContext {
        ServerContext {
            hub: self.hub.clone(),
            secure_cookies: self.config.secure_cookies(),
            public_url: self
                .config
                .public_url
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
        }
    }
}

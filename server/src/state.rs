//! `AppState`: everything a request may need, built once at start-up and cloned cheaply into
//! every handler, page render and server function.

use std::sync::Arc;

use app::ssr::ServerContext;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use patchbay::unified::messaging::WhatsappBases;
use patchbay::{
    Db, Hub, NangoLink,
    catalog::Catalog,
    nango::{NangoClient, NangoClientConfig},
    unified::panora::{PanoraClient, PanoraConfig},
};
use secrecy::ExposeSecret;

use crate::config::{Config, NangoTarget, PanoraTarget};

/// Where the built-in sandbox is mounted (defined by the sandbox crate, whose warnings name it).
pub use nango_sandbox::SANDBOX_MOUNT;
/// Where the sandbox's fake Panora is mounted.
pub const SANDBOX_PANORA_MOUNT: &str = "/sandbox/panora";

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
        Self::from_parts(config, db, catalog, leptos_options)
    }

    /// Bundles the services around an open database (tests and benchmarks bring their own).
    pub fn from_parts(
        config: Config,
        db: Db,
        catalog: Catalog,
        leptos_options: LeptosOptions,
    ) -> patchbay::Result<Self> {
        let mut hub = Hub::new(db, Arc::new(catalog), config.secret_bytes())?;
        if config.nango.enabled {
            hub = hub.with_nango(nango_link(&config)?);
        }
        if let Some(panora) = panora_client(&config)? {
            hub = hub.with_panora(panora);
        }
        hub = hub.with_whatsapp_bases(WhatsappBases::new(config.whatsapp_base_urls.clone()));
        Ok(Self {
            leptos_options,
            config: Arc::new(config),
            hub,
        })
    }

    /// True when the built-in sandbox stands in for Nango.
    pub fn sandbox_mode(&self) -> bool {
        self.config.nango_sandbox()
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

/// The Nango client and public URLs for the configured target. In sandbox mode the server calls
/// its own sandbox over loopback HTTP, exactly as it would call Nango.
fn nango_link(config: &Config) -> patchbay::Result<NangoLink> {
    let public = config.public_url.as_str().trim_end_matches('/');
    let (api_base, key, connect_ui_url, browser_api_url, sandbox) = match &config.nango.target {
        NangoTarget::Remote {
            api_base,
            secret_key,
            connect_ui_url,
        } => {
            let api_base = api_base.as_str().trim_end_matches('/').to_owned();
            (
                api_base.clone(),
                secret_key.expose_secret().to_owned(),
                connect_ui_url.as_str().trim_end_matches('/').to_owned(),
                api_base,
                false,
            )
        }
        NangoTarget::Sandbox { secret_key } => (
            format!("{}{SANDBOX_MOUNT}", config.loopback_url()),
            secret_key.expose_secret().to_owned(),
            format!("{public}{SANDBOX_MOUNT}/connect"),
            format!("{public}{SANDBOX_MOUNT}"),
            true,
        ),
    };
    Ok(NangoLink {
        client: NangoClient::new(NangoClientConfig {
            request_timeout: config.upstream_timeout,
            ..NangoClientConfig::new(api_base, key)
        })?,
        webhook_signing_key: config.nango.webhook_secret.expose_secret().to_owned(),
        connect_ui_url,
        browser_api_url,
        sandbox,
    })
}

/// The Panora client for the configured target (the sandbox's fake over loopback HTTP).
fn panora_client(config: &Config) -> patchbay::Result<Option<PanoraClient>> {
    let (api_url, api_key) = match &config.panora {
        PanoraTarget::Off => return Ok(None),
        PanoraTarget::Remote { api_url, api_key } => {
            (api_url.as_str().trim_end_matches('/').to_owned(), api_key)
        }
        PanoraTarget::Sandbox { api_key } => (
            format!("{}{SANDBOX_PANORA_MOUNT}", config.loopback_url()),
            api_key,
        ),
    };
    PanoraClient::new(PanoraConfig {
        request_timeout: config.upstream_timeout,
        ..PanoraConfig::new(api_url, api_key.expose_secret())
    })
    .map(Some)
}

impl AppState {
    /// The key of the sandbox's fake Panora, when it stands in for Panora.
    pub fn sandbox_panora_key(&self) -> Option<String> {
        match &self.config.panora {
            PanoraTarget::Sandbox { api_key } => Some(api_key.expose_secret().to_owned()),
            _ => None,
        }
    }

    /// The sandbox's settings: the configured key, mounted under the public URL, sending its
    /// webhooks to this server over loopback, with one integration per Nango-powered connector.
    pub fn sandbox_config(&self) -> Option<crate::nango_sandbox::SandboxConfig> {
        let NangoTarget::Sandbox { secret_key } = &self.config.nango.target else {
            return None;
        };
        if !self.config.nango.enabled {
            return None;
        }
        let public = self.config.public_url.as_str().trim_end_matches('/');
        Some(crate::nango_sandbox::SandboxConfig {
            secret_key: secret_key.expose_secret().to_owned(),
            public_url: format!("{public}{SANDBOX_MOUNT}"),
            webhook_url: Some(format!("{}/api/webhooks/nango", self.config.loopback_url())),
            webhook_signing_key: self.config.nango.webhook_secret.expose_secret().to_owned(),
            environment: self.config.nango.environment.clone(),
            integrations: sandbox_integrations(&self.hub.catalog),
        })
    }
}

/// One sandbox integration per Nango provider key of the catalog (Patchbay names integrations
/// after their provider).
pub fn sandbox_integrations(catalog: &Catalog) -> Vec<crate::nango_sandbox::SandboxIntegration> {
    let mut seen = std::collections::HashSet::new();
    catalog
        .all()
        .iter()
        .filter_map(|c| {
            let key = c.nango_provider_key.as_ref()?;
            seen.insert(key.clone())
                .then(|| crate::nango_sandbox::SandboxIntegration {
                    unique_key: key.clone(),
                    provider: key.clone(),
                    display_name: c.name.clone(),
                    auth_mode: c.auth_mode.clone(),
                })
        })
        .collect()
}

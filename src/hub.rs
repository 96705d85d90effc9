//! `Hub`: the core's services bundled once at start-up (database, catalog, session key, login
//! limits) and shared by reference with every request. Cloning is cheap.

use std::sync::Arc;

use crate::{
    Db, Result,
    accounts::{limiter::LoginLimiter, sessions},
    catalog::Catalog,
    crypto::SecretBox,
    nango::NangoClient,
    unified::{messaging::WhatsappBases, panora::PanoraClient},
};

/// How Patchbay reaches Nango: the client, the key webhooks are signed with, and the public
/// URLs the browser's Connect UI uses (never secret).
#[derive(Clone)]
pub struct NangoLink {
    pub client: NangoClient,
    pub webhook_signing_key: String,
    /// Where the browser opens Connect UI (Nango's `baseURL`).
    pub connect_ui_url: String,
    /// The API URL Connect UI talks to (Nango's `apiURL`).
    pub browser_api_url: String,
    /// True when this is Patchbay's built-in sandbox rather than a real Nango.
    pub sandbox: bool,
}

impl std::fmt::Debug for NangoLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NangoLink")
            .field("api_base", &self.client.api_base())
            .field("connect_ui_url", &self.connect_ui_url)
            .field("sandbox", &self.sandbox)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct Hub {
    pub db: Db,
    pub catalog: Arc<Catalog>,
    pub limiter: Arc<LoginLimiter>,
    /// `None` when Nango is switched off (`NANGO_ENABLED=false`).
    pub nango: Option<Arc<NangoLink>>,
    /// `None` unless `PANORA_API_URL` is set (or the sandbox stands in for Panora).
    pub panora: Option<Arc<PanoraClient>>,
    /// The base URLs `data.baseUrlOverride` of `whatsapp.message` may name
    /// (graph.facebook.com plus `PATCHBAY_WHATSAPP_BASE_URLS`).
    pub whatsapp_bases: WhatsappBases,
    session_mac: sessions::TokenMac,
    /// Encrypts stored credentials; keyed by the server secret.
    secrets: Arc<SecretBox>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("db", &self.db)
            .field("catalog", &self.catalog.len())
            .field("nango", &self.nango)
            .finish_non_exhaustive()
    }
}

impl Hub {
    /// Bundles the services; `session_key` is the server secret that keys token digests.
    pub fn new(db: Db, catalog: Arc<Catalog>, session_key: &[u8]) -> Result<Self> {
        Ok(Self {
            db,
            catalog,
            limiter: Arc::new(LoginLimiter::default()),
            nango: None,
            panora: None,
            whatsapp_bases: WhatsappBases::default(),
            session_mac: sessions::token_mac(session_key)?,
            secrets: Arc::new(SecretBox::from_secret(session_key)?),
        })
    }

    /// Connects the hub to Nango (or the sandbox).
    pub fn with_nango(mut self, link: NangoLink) -> Self {
        self.nango = Some(Arc::new(link));
        self
    }

    /// Connects the hub to Panora.
    pub fn with_panora(mut self, client: PanoraClient) -> Self {
        self.panora = Some(Arc::new(client));
        self
    }

    /// Allows these base URLs (besides graph.facebook.com) for WhatsApp's `baseUrlOverride`.
    pub fn with_whatsapp_bases(mut self, bases: WhatsappBases) -> Self {
        self.whatsapp_bases = bases;
        self
    }

    /// The Nango link, or a clear error when Nango is switched off.
    pub fn nango(&self) -> Result<&NangoLink> {
        self.nango.as_deref().ok_or_else(|| {
            crate::Error::Forbidden(
                "Nango is switched off on this Patchbay (NANGO_ENABLED=false)".to_owned(),
            )
        })
    }

    /// Seals and opens credentials stored in the database.
    pub fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    /// The stored form of a session or invite token.
    pub fn session_digest(&self, token: &str) -> String {
        sessions::token_digest(&self.session_mac, token)
    }
}

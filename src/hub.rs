//! `Hub`: the core's services bundled once at start-up (database, catalog, session key, login
//! limits) and shared by reference with every request. Cloning is cheap.

use std::sync::Arc;

use crate::{
    Db, Result,
    accounts::{limiter::LoginLimiter, sessions},
    catalog::Catalog,
};

#[derive(Clone)]
pub struct Hub {
    pub db: Db,
    pub catalog: Arc<Catalog>,
    pub limiter: Arc<LoginLimiter>,
    session_mac: sessions::TokenMac,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("db", &self.db)
            .field("catalog", &self.catalog.len())
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
            session_mac: sessions::token_mac(session_key)?,
        })
    }

    /// The stored form of a session or invite token.
    pub fn session_digest(&self, token: &str) -> String {
        sessions::token_digest(&self.session_mac, token)
    }
}

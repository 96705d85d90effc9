//! Typed configuration, read once at start-up from the environment (and `.env`). Every variable
//! is documented in `.env.example`; a bad value stops start-up with the variable's name.

use std::{net::SocketAddr, path::PathBuf};

use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// A configuration problem, naming the variable at fault.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

fn bad(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://…` (default `sqlite://data/patchbay.db`) or `postgres://…`.
    pub database_url: String,
    /// `PATCHBAY_BIND`: the address to listen on (default `LEPTOS_SITE_ADDR`, else 127.0.0.1:3000).
    pub bind: SocketAddr,
    /// `PATCHBAY_PUBLIC_URL`: how browsers reach this server (default `http://<bind>`).
    pub public_url: Url,
    /// `PATCHBAY_SECRET`: at least 32 characters; keys session and invite token digests. When
    /// unset, a random one is generated once and kept in `<PATCHBAY_DATA_DIR>/secret`.
    pub secret: SecretString,
    /// `PATCHBAY_DATA_DIR`: where the default database and the generated secret live (`data`).
    pub data_dir: PathBuf,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let data_dir = PathBuf::from(get("PATCHBAY_DATA_DIR").unwrap_or_else(|| "data".to_owned()));
        let database_url = get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/patchbay.db", data_dir.display()));
        if patchbay::db::Backend::from_url(&database_url).is_none() {
            return Err(bad(
                "DATABASE_URL",
                "must start with sqlite:// or postgres:// (for example sqlite://data/patchbay.db)",
            ));
        }

        let (bind_var, bind_raw) = match get("PATCHBAY_BIND") {
            Some(v) => ("PATCHBAY_BIND", v),
            None => (
                "LEPTOS_SITE_ADDR",
                get("LEPTOS_SITE_ADDR").unwrap_or_else(|| "127.0.0.1:3000".to_owned()),
            ),
        };
        let bind: SocketAddr = bind_raw.parse().map_err(|_| {
            bad(
                bind_var,
                format!("{bind_raw:?} is not an address like 127.0.0.1:3000"),
            )
        })?;

        let public_raw = get("PATCHBAY_PUBLIC_URL").unwrap_or_else(|| format!("http://{bind}"));
        let public_url = Url::parse(&public_raw)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                bad(
                    "PATCHBAY_PUBLIC_URL",
                    format!(
                        "{public_raw:?} is not an http(s) URL like https://patchbay.example.com"
                    ),
                )
            })?;

        let secret = match get("PATCHBAY_SECRET") {
            Some(s) if s.chars().count() >= 32 => SecretString::from(s),
            Some(_) => {
                return Err(bad(
                    "PATCHBAY_SECRET",
                    "must be at least 32 characters (try: openssl rand -hex 32)",
                ));
            }
            None => SecretString::from(generated_secret(&data_dir)?),
        };

        Ok(Self {
            database_url,
            bind,
            public_url,
            secret,
            data_dir,
        })
    }

    /// True when cookies must carry `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The origin browsers send in `Origin` for this server (`scheme://host[:port]`).
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    pub fn secret_bytes(&self) -> &[u8] {
        self.secret.expose_secret().as_bytes()
    }
}

/// Reads the secret kept in the data folder, creating it (owner-only) on first start.
fn generated_secret(data_dir: &std::path::Path) -> Result<String, ConfigError> {
    use rand::RngCore;
    let path = data_dir.join("secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if existing.len() >= 32 {
            return Ok(existing);
        }
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(data_dir)?;
        std::fs::write(&path, &secret)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(())
    };
    write().map_err(|e| {
        bad(
            "PATCHBAY_SECRET",
            format!(
                "is unset and {} could not be written ({e}); set it explicitly",
                path.display()
            ),
        )
    })?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(move |name| map.get(name).cloned())
    }

    const SECRET: (&str, &str) = ("PATCHBAY_SECRET", "0123456789abcdef0123456789abcdef");

    #[test]
    fn defaults_are_sqlite_and_localhost() {
        let c = config(&[SECRET]).unwrap();
        assert_eq!(c.database_url, "sqlite://data/patchbay.db");
        assert_eq!(c.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(c.public_origin(), "http://127.0.0.1:3000");
        assert!(!c.secure_cookies());
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases = [
            ("DATABASE_URL", "mysql://x"),
            ("PATCHBAY_BIND", "not-an-address"),
            ("PATCHBAY_PUBLIC_URL", "ftp://x"),
            ("PATCHBAY_SECRET", "short"),
        ];
        for (var, value) in cases {
            let mut vars = vec![SECRET];
            vars.retain(|(k, _)| *k != var);
            vars.push((var, value));
            let err = config(&vars).unwrap_err();
            assert_eq!(err.var, var, "{err}");
            assert!(err.to_string().starts_with(var));
        }
    }

    #[test]
    fn https_public_url_means_secure_cookies() {
        let c = config(&[SECRET, ("PATCHBAY_PUBLIC_URL", "https://hub.example.com/")]).unwrap();
        assert!(c.secure_cookies());
        assert_eq!(c.public_origin(), "https://hub.example.com");
    }

    #[test]
    fn a_missing_secret_is_generated_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("pb-secret-{}", std::process::id()));
        let dir_str = dir.display().to_string();
        let first = config(&[("PATCHBAY_DATA_DIR", &dir_str)]).unwrap();
        let second = config(&[("PATCHBAY_DATA_DIR", &dir_str)]).unwrap();
        assert_eq!(first.secret.expose_secret(), second.secret.expose_secret());
        assert_eq!(first.secret.expose_secret().len(), 64);
        std::fs::remove_dir_all(dir).unwrap();
    }
}

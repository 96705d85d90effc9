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
    /// How Patchbay reaches Nango: the `NANGO_*` variables of the README's Configuration table.
    pub nango: NangoConfig,
    /// `PATCHBAY_RECONCILE_SECS` (default 300; 0 switches it off): how often the connections
    /// are reconciled with Nango's list.
    pub reconcile_every_secs: u64,
    /// `PATCHBAY_UPSTREAM_TIMEOUT_SECS` (default 30, 1 to 600): how long one call to Nango or
    /// Panora may take before it counts as timed out (504 `upstream_timeout` after retries).
    pub upstream_timeout: std::time::Duration,
    /// How Patchbay reaches Panora, if at all.
    pub panora: PanoraTarget,
    /// `PATCHBAY_WHATSAPP_BASE_URLS` (comma-separated http(s) URLs, default none): base URLs
    /// `data.baseUrlOverride` of `whatsapp.message` may name besides https://graph.facebook.com.
    pub whatsapp_base_urls: Vec<Url>,
    /// `PATCHBAY_TRUSTED_PROXY`: comma-separated proxy addresses or CIDR blocks whose
    /// `X-Forwarded-For` is believed (default none: the header is ignored).
    pub trusted_proxies: patchbay::client_ip::TrustedProxies,
}

/// How Patchbay reaches Panora: `PANORA_API_URL` and `PANORA_API_KEY` (README, Configuration).
#[derive(Debug, Clone)]
pub enum PanoraTarget {
    /// No `PANORA_API_URL` and no sandbox: the unified API offers Nango only.
    Off,
    /// `PANORA_API_URL` with `PANORA_API_KEY`.
    Remote { api_url: Url, api_key: SecretString },
    /// Sandbox mode without `PANORA_API_URL`: the sandbox's fake Panora, mounted at
    /// `/sandbox/panora`, with `PANORA_API_KEY` or a fixed local key.
    Sandbox { api_key: SecretString },
}

/// The key the sandbox's fake Panora accepts when `PANORA_API_KEY` is unset (local only).
pub const SANDBOX_PANORA_KEY: &str = "sk_sandbox_3f1c9a7e-5b2d-4e8a-9c61-7d0f2b4a8e15";

/// Nango settings. Without a secret key Patchbay runs on its built-in sandbox.
#[derive(Debug, Clone)]
pub struct NangoConfig {
    /// `NANGO_ENABLED` (default true): false switches every Nango feature off.
    pub enabled: bool,
    /// `NANGO_ENVIRONMENT` (default `dev`): picks `NANGO_SECRET_KEY_<ENV>` / `NANGO_API_BASE_<ENV>`.
    pub environment: String,
    pub target: NangoTarget,
    /// `NANGO_WEBHOOK_SECRET`: the webhook signing key (defaults to the secret key; generated
    /// once for the sandbox).
    pub webhook_secret: SecretString,
}

#[derive(Debug, Clone)]
pub enum NangoTarget {
    /// Nango Cloud or a self-hosted Nango.
    Remote {
        /// `NANGO_API_BASE_<ENV>` > `NANGO_API_BASE` > `NANGO_HOST` > `https://api.nango.dev`.
        api_base: Url,
        /// `NANGO_SECRET_KEY_<ENV>` > `NANGO_SECRET_KEY`.
        secret_key: SecretString,
        /// `NANGO_CONNECT_UI_URL` (default `https://connect.nango.dev` for Nango Cloud;
        /// required for a self-hosted Nango).
        connect_ui_url: Url,
    },
    /// The built-in sandbox, mounted at `/sandbox/nango`.
    Sandbox {
        /// `NANGO_SANDBOX_KEY`, else generated once into `<data dir>/nango-sandbox-key`.
        secret_key: SecretString,
    },
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

        let nango = nango_config(&get, &data_dir)?;
        let reconcile_every_secs = match get("PATCHBAY_RECONCILE_SECS") {
            None => 300,
            Some(raw) => raw.parse().map_err(|_| {
                bad(
                    "PATCHBAY_RECONCILE_SECS",
                    format!("{raw:?} is not a number of seconds"),
                )
            })?,
        };

        let upstream_timeout = match get("PATCHBAY_UPSTREAM_TIMEOUT_SECS") {
            None => 30,
            Some(raw) => raw
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=600).contains(n))
                .ok_or_else(|| {
                    bad(
                        "PATCHBAY_UPSTREAM_TIMEOUT_SECS",
                        format!("{raw:?} is not a number of seconds from 1 to 600"),
                    )
                })?,
        };
        let upstream_timeout = std::time::Duration::from_secs(upstream_timeout);
        let panora = panora_config(&get, &nango)?;
        let whatsapp_base_urls = match get("PATCHBAY_WHATSAPP_BASE_URLS") {
            None => Vec::new(),
            Some(raw) => whatsapp_base_urls(&raw)?,
        };
        let trusted_proxies = crate::client_ip::trusted_proxies(&get)?;
        Ok(Self {
            database_url,
            bind,
            public_url,
            secret,
            data_dir,
            nango,
            reconcile_every_secs,
            upstream_timeout,
            panora,
            whatsapp_base_urls,
            trusted_proxies,
        })
    }

    /// True when the built-in sandbox stands in for Nango.
    pub fn nango_sandbox(&self) -> bool {
        self.nango.enabled && matches!(self.nango.target, NangoTarget::Sandbox { .. })
    }

    /// The URL this process reaches itself on (loopback when bound to every interface).
    pub fn loopback_url(&self) -> String {
        let ip = if self.bind.ip().is_unspecified() {
            std::net::IpAddr::from([127, 0, 0, 1])
        } else {
            self.bind.ip()
        };
        format!("http://{}", SocketAddr::new(ip, self.bind.port()))
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

/// `PATCHBAY_WHATSAPP_BASE_URLS`: comma-separated http(s) URLs with a host and nothing but a
/// path (no user info, query or fragment); empty items are skipped.
fn whatsapp_base_urls(raw: &str) -> Result<Vec<Url>, ConfigError> {
    const VAR: &str = "PATCHBAY_WHATSAPP_BASE_URLS";
    raw.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            patchbay::unified::messaging::parse_base_url(item).ok_or_else(|| {
                    bad(
                        VAR,
                        format!(
                            "{item:?} is not an http(s) base URL like https://graph.example.com (comma-separated, no user, query or fragment)"
                        ),
                    )
                })
        })
        .collect()
}

fn parse_url(var: &'static str, raw: &str) -> Result<Url, ConfigError> {
    patchbay::upstream_path::api_base(raw.trim_end_matches('/'))
        .ok_or_else(|| bad(var, format!("{raw:?} is not an http(s) URL")))
}

fn nango_config(
    get: &impl Fn(&str) -> Option<String>,
    data_dir: &std::path::Path,
) -> Result<NangoConfig, ConfigError> {
    let enabled = match get("NANGO_ENABLED").map(|v| v.to_lowercase()).as_deref() {
        None | Some("true" | "1" | "yes" | "on") => true,
        Some("false" | "0" | "no" | "off") => false,
        Some(other) => {
            return Err(bad(
                "NANGO_ENABLED",
                format!("{other:?} is not true or false"),
            ));
        }
    };
    let environment = get("NANGO_ENVIRONMENT").unwrap_or_else(|| "dev".to_owned());
    if environment.is_empty()
        || !environment
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return Err(bad(
            "NANGO_ENVIRONMENT",
            "use a lower-case environment name such as dev or prod",
        ));
    }
    let env_upper = environment.to_uppercase().replace('-', "_");
    let key_var: &'static str = match env_upper.as_str() {
        "DEV" => "NANGO_SECRET_KEY_DEV",
        "PROD" => "NANGO_SECRET_KEY_PROD",
        _ => "NANGO_SECRET_KEY",
    };
    let base_var: &'static str = match env_upper.as_str() {
        "DEV" => "NANGO_API_BASE_DEV",
        "PROD" => "NANGO_API_BASE_PROD",
        _ => "NANGO_API_BASE",
    };
    let secret_key = get(key_var).or_else(|| get("NANGO_SECRET_KEY"));
    let target = match secret_key {
        Some(key) => {
            if key.chars().any(char::is_whitespace) {
                return Err(bad(
                    key_var,
                    "must be the environment's secret key, without spaces",
                ));
            }
            let (var, raw) = [base_var, "NANGO_API_BASE", "NANGO_HOST"]
                .into_iter()
                .find_map(|var| get(var).map(|v| (var, v)))
                .unwrap_or(("NANGO_API_BASE", "https://api.nango.dev".to_owned()));
            let api_base = parse_url(var, &raw)?;
            let connect_ui_url = match get("NANGO_CONNECT_UI_URL") {
                Some(raw) => parse_url("NANGO_CONNECT_UI_URL", &raw)?,
                None if api_base.host_str() == Some("api.nango.dev") => {
                    parse_url("NANGO_CONNECT_UI_URL", "https://connect.nango.dev")?
                }
                None => {
                    return Err(bad(
                        "NANGO_CONNECT_UI_URL",
                        "is required with a self-hosted Nango (its NANGO_PUBLIC_CONNECT_URL)",
                    ));
                }
            };
            NangoTarget::Remote {
                api_base,
                secret_key: SecretString::from(key),
                connect_ui_url,
            }
        }
        None => NangoTarget::Sandbox {
            secret_key: SecretString::from(match get("NANGO_SANDBOX_KEY") {
                Some(key) => key,
                None => kept_secret(data_dir, "nango-sandbox-key", "NANGO_SANDBOX_KEY", true)?,
            }),
        },
    };
    let webhook_secret = match (get("NANGO_WEBHOOK_SECRET"), &target) {
        (Some(secret), _) => SecretString::from(secret),
        (None, NangoTarget::Remote { secret_key, .. }) => secret_key.clone(),
        (None, NangoTarget::Sandbox { .. }) => SecretString::from(kept_secret(
            data_dir,
            "nango-sandbox-webhook-key",
            "NANGO_WEBHOOK_SECRET",
            true,
        )?),
    };
    Ok(NangoConfig {
        enabled,
        environment,
        target,
        webhook_secret,
    })
}

/// Reads the secret kept in the data folder, creating it (owner-only) on first start.
fn generated_secret(data_dir: &std::path::Path) -> Result<String, ConfigError> {
    kept_secret(data_dir, "secret", "PATCHBAY_SECRET", false)
}

/// A random secret generated once and kept in `<data_dir>/<file>` (a UUID v4 when `uuid`, the
/// format Nango keys have; else 64 hex characters).
fn kept_secret(
    data_dir: &std::path::Path,
    file: &str,
    var: &'static str,
    uuid: bool,
) -> Result<String, ConfigError> {
    use rand::RngCore;
    let path = data_dir.join(file);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if existing.len() >= 32 {
            return Ok(existing);
        }
    }
    let secret = if uuid {
        uuid::Uuid::new_v4().to_string()
    } else {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        hex::encode(bytes)
    };
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
            var,
            format!(
                "is unset and {} could not be written ({e}); set it explicitly",
                path.display()
            ),
        )
    })?;
    Ok(secret)
}

fn panora_config(
    get: &impl Fn(&str) -> Option<String>,
    nango: &NangoConfig,
) -> Result<PanoraTarget, ConfigError> {
    let key = get("PANORA_API_KEY").map(SecretString::from);
    match get("PANORA_API_URL") {
        Some(raw) => {
            let api_url = Url::parse(&raw)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .ok_or_else(|| {
                    bad(
                        "PANORA_API_URL",
                        format!("{raw:?} is not an http(s) URL like http://localhost:3000"),
                    )
                })?;
            let api_key = key.ok_or_else(|| {
                bad(
                    "PANORA_API_KEY",
                    "is required when PANORA_API_URL is set (Dashboard > API Keys in Panora)",
                )
            })?;
            Ok(PanoraTarget::Remote { api_url, api_key })
        }
        None if nango.enabled && matches!(nango.target, NangoTarget::Sandbox { .. }) => {
            Ok(PanoraTarget::Sandbox {
                api_key: key.unwrap_or_else(|| SecretString::from(SANDBOX_PANORA_KEY)),
            })
        }
        None => Ok(PanoraTarget::Off),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        // Generated secrets go to a scratch folder, never into the source tree.
        map.entry("PATCHBAY_DATA_DIR".to_owned())
            .or_insert_with(|| {
                std::env::temp_dir()
                    .join(format!("pb-config-{}", std::process::id()))
                    .display()
                    .to_string()
            });
        Config::from_lookup(move |name| map.get(name).cloned())
    }

    const SECRET: (&str, &str) = ("PATCHBAY_SECRET", "0123456789abcdef0123456789abcdef");

    #[test]
    fn defaults_are_sqlite_and_localhost() {
        let c = config(&[
            SECRET,
            ("PATCHBAY_DATA_DIR", "data"),
            ("NANGO_SANDBOX_KEY", "8f4c5a5e-2a47-4c39-9a7e-0c5f1d0b7e21"),
            ("NANGO_WEBHOOK_SECRET", "hook"),
        ])
        .unwrap();
        assert_eq!(c.database_url, "sqlite://data/patchbay.db");
        assert!(
            matches!(c.nango.target, NangoTarget::Sandbox { .. }),
            "no key: the sandbox"
        );
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
            ("PATCHBAY_UPSTREAM_TIMEOUT_SECS", "0"),
            ("PATCHBAY_UPSTREAM_TIMEOUT_SECS", "soon"),
            ("PANORA_API_URL", "not a url"),
            ("PATCHBAY_WHATSAPP_BASE_URLS", "graph.example.com"),
            ("PATCHBAY_WHATSAPP_BASE_URLS", "https://ok.example,ftp://x"),
            (
                "PATCHBAY_WHATSAPP_BASE_URLS",
                "https://user@graph.example.com",
            ),
            (
                "PATCHBAY_WHATSAPP_BASE_URLS",
                "https://graph.example.com/?x=1",
            ),
            ("PATCHBAY_TRUSTED_PROXY", "10.0.0.1, proxy.local"),
            ("PATCHBAY_TRUSTED_PROXY", "10.0.0.0/40"),
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
    fn nango_settings_follow_design_precedence() {
        let c = config(&[
            SECRET,
            ("NANGO_ENVIRONMENT", "prod"),
            ("NANGO_SECRET_KEY", "generic-key"),
            ("NANGO_SECRET_KEY_PROD", "prod-key"),
            ("NANGO_HOST", "https://host.example"),
            ("NANGO_API_BASE", "https://base.example/"),
            ("NANGO_API_BASE_PROD", "https://prod.example"),
            ("NANGO_CONNECT_UI_URL", "https://connect.example"),
        ])
        .unwrap();
        let NangoTarget::Remote {
            api_base,
            secret_key,
            connect_ui_url,
        } = c.nango.target
        else {
            panic!("a key means a real Nango");
        };
        assert_eq!(api_base.as_str(), "https://prod.example/");
        assert_eq!(secret_key.expose_secret(), "prod-key");
        assert_eq!(connect_ui_url.as_str(), "https://connect.example/");
        assert_eq!(
            c.nango.webhook_secret.expose_secret(),
            "prod-key",
            "falls back to the key"
        );

        let base_over_host = config(&[
            SECRET,
            ("NANGO_SECRET_KEY", "k"),
            ("NANGO_HOST", "https://host.example"),
            ("NANGO_API_BASE", "https://base.example"),
            ("NANGO_CONNECT_UI_URL", "https://connect.example"),
            ("NANGO_WEBHOOK_SECRET", "hook"),
        ])
        .unwrap();
        let NangoTarget::Remote { api_base, .. } = base_over_host.nango.target else {
            panic!("remote");
        };
        assert_eq!(api_base.host_str(), Some("base.example"));
        assert_eq!(base_over_host.nango.webhook_secret.expose_secret(), "hook");

        let cloud = config(&[SECRET, ("NANGO_SECRET_KEY", "k")]).unwrap();
        let NangoTarget::Remote { connect_ui_url, .. } = cloud.nango.target else {
            panic!("remote");
        };
        assert_eq!(connect_ui_url.host_str(), Some("connect.nango.dev"));
    }

    #[test]
    fn nango_mistakes_name_their_variable() {
        let self_hosted = config(&[
            SECRET,
            ("NANGO_SECRET_KEY", "k"),
            ("NANGO_HOST", "http://nango:3003"),
        ]);
        assert_eq!(self_hosted.unwrap_err().var, "NANGO_CONNECT_UI_URL");
        let enabled = config(&[SECRET, ("NANGO_ENABLED", "maybe")]);
        assert_eq!(enabled.unwrap_err().var, "NANGO_ENABLED");
        let host = config(&[SECRET, ("NANGO_SECRET_KEY", "k"), ("NANGO_HOST", "nango")]);
        assert_eq!(host.unwrap_err().var, "NANGO_HOST");
    }

    #[test]
    fn whatsapp_base_urls_are_a_checked_list() {
        let none = config(&[SECRET]).unwrap();
        assert!(none.whatsapp_base_urls.is_empty());
        let some = config(&[
            SECRET,
            (
                "PATCHBAY_WHATSAPP_BASE_URLS",
                " https://graph.example.test , http://10.0.0.5:8080/meta/,",
            ),
        ])
        .unwrap();
        let listed: Vec<&str> = some.whatsapp_base_urls.iter().map(Url::as_str).collect();
        assert_eq!(
            listed,
            ["https://graph.example.test/", "http://10.0.0.5:8080/meta/"]
        );
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

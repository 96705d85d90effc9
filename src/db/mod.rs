//! The database handle: one sqlx `AnyPool` over SQLite (default) or PostgreSQL, chosen by the URL,
//! with the per-backend migrations embedded at compile time. Every query in the core is written
//! once, in portable SQL with `$n` placeholders and only TEXT/BIGINT columns.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    AnyPool,
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
};

use crate::{Error, Result};

#[cfg(test)]
mod migrations_in_step;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// The default database: a SQLite file under `data/`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/patchbay.db";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a URL names, or `None` for a scheme Patchbay does not speak.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// A cloneable handle to the pool, knowing which backend it talks to.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    /// Connects to `url` (creating a SQLite file and its folder when needed) and applies the
    /// backend's migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, 10).await
    }

    /// Like [`Db::connect`] with an explicit pool size.
    pub async fn connect_with(url: &str, max_connections: u32) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| {
            Error::validation("DATABASE_URL", "must start with sqlite:// or postgres://")
        })?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        if backend == Backend::Sqlite {
            // WAL lets readers proceed while one writer writes; the setting sticks to the file.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        let db = Self { pool, backend };
        db.migrate().await?;
        Ok(db)
    }

    /// Applies the embedded migrations of this backend (idempotent).
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead of one failing with
    /// "database is locked" when it upgrades a read lock; PostgreSQL needs no such care.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Round-trips a trivial query: the readiness probe.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every pooled connection (used by tests before dropping their database).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Makes sure a file-backed SQLite URL may create its file, and that the folder exists.
fn prepare_sqlite_url(url: &str) -> Result<String> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_owned());
    }
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|e| {
            Error::internal(format!("cannot create the database folder {parent:?}"), e)
        })?;
    }
    let query = if query.split('&').any(|kv| kv.starts_with("mode=")) {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/x.db"),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://u@h/db"), None);
    }

    #[test]
    fn sqlite_url_gains_create_mode() {
        let dir = std::env::temp_dir().join(format!("pb-url-{}", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}/a.db", dir.display());
        let prepared = prepare_sqlite_url(&url).unwrap();
        assert!(prepared.ends_with("a.db?mode=rwc"), "{prepared}");
        assert!(dir.exists());
        let kept = prepare_sqlite_url(&format!("sqlite://{}/a.db?mode=ro", dir.display())).unwrap();
        assert!(kept.ends_with("?mode=ro"), "{kept}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

//! Patchbay's core: everything the product does, as plain async functions over a database pool,
//! with no web framework in sight. The Leptos server functions and the axum routes call into
//! this crate and nothing else holds SQL, business rules or outbound HTTP.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod caller;
pub mod catalog;
pub mod client_ip;
pub mod connect;
pub mod connections;
pub mod crypto;
pub mod db;
pub mod error;
pub mod hub;
pub mod jobs;
pub mod manage;
pub mod nango;
pub mod orgs;
pub mod proxy;
pub mod sync;
pub mod time;
pub mod unified;
pub mod upstream_path;
pub mod webhooks;

pub use db::Db;
pub use error::{Error, Result};
pub use hub::{Hub, NangoLink};

//! The `patchbay` server as a library, so the binary and the integration tests build the very
//! same router from the very same state.

pub mod api_error;
pub mod auth;
pub mod body_limit;
pub mod cli;
pub mod client_ip;
pub mod config;
pub mod log_throttle;
pub mod origin;
pub mod router;
pub mod routes;
pub mod security_headers;
pub mod state;

/// The built-in Nango sandbox, its own crate (`server/sandbox`), re-exported under its old path.
pub use ::nango_sandbox;
pub use config::Config;
pub use router::router;
pub use state::AppState;

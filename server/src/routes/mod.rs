//! The plain axum routes (not Leptos pages): health probes and the REST API.

pub mod connectors;
pub mod health;
pub mod webhooks;

//! Everything Patchbay knows about Nango: the HTTP client, its types and errors, retries, and
//! webhook signatures. docs/nango.md is the reference for every path, header and shape here.

pub mod client;
pub mod error;
pub mod retry;
pub mod signature;
pub mod types;

pub use client::{NangoClient, NangoClientConfig, ProxyRequest, ProxyResponse};
pub use error::NangoError;

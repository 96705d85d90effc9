//! The server functions: each checks who is asking, calls one core function and converts the
//! result for the wire. Every one is a public HTTP endpoint under `/api/`, with a stable path.

pub mod admin;
pub mod auth;
pub mod catalog;
pub mod connect;
pub mod connections;
pub mod orgs;
pub mod settings;

//! One module per page of the app.

pub mod admin;
pub mod auth;
pub mod catalog;
pub mod connections;
pub mod connector;
pub mod invite;
pub mod members;
pub mod not_found;
pub mod settings;

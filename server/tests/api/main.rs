//! The server's integration tests: one binary, one shared test-app builder (`helpers`), and
//! every storage-touching test run on SQLite and on PostgreSQL.

// Test code states its expectations with unwrap; a panic is the failure report.
#![allow(clippy::unwrap_used)]

mod accounts;
mod api_keys;
mod cli;
mod connect;
mod connectors;
mod health;
mod helpers;
mod invites;
mod jobs;
mod manage;
mod openapi;
mod pages;
mod proxy;
mod sandbox;
mod security;
mod sync_store;
mod unified;
mod unified_examples;
mod webhooks;

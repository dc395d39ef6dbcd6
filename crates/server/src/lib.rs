//! Ejento-compatible API server.
//!
//! - [`config`]: settings from flags and environment.
//! - [`cli`]: the `serve`, `migrate`, `seed` and `openapi` commands.
//! - [`state`]: [`state::AppState`], what every handler shares.
//! - [`startup`]: [`startup::Application`], which builds the router, binds (port 0 in tests) and serves.
//! - [`serve`]: the HTTP/1.1 server loop.
//! - [`db`]: the connection pool (SQLite or PostgreSQL, chosen by URL) and migrations.
//! - [`store`]: every SQL query, one module per resource; routes call it, never the reverse.
//! - [`auth`]: passwords, tokens, and the extractor that turns a request into a caller.
//! - [`api_reference`]: the API reference page (vendored Redoc over the OpenAPI document).
//! - [`routes`]: one module per resource group; [`routes::api`] records each route for OpenAPI.
//! - [`error`]: the one error type, mapped to HTTP once.
//! - [`indexing`]: the durable indexing queue and its workers; [`objects`]: stored originals.
//! - [`search`]: the retriever trait, BM25 with tantivy, and the index's sync with the database.

pub mod analytics;
pub mod api_reference;
pub mod auth;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod compression;
pub mod config;
pub mod db;
pub mod domain;
pub mod embeddings;
pub mod error;
pub mod evaluation;
pub mod flags;
pub mod guardrails;
pub mod headers;
pub mod indexing;
pub mod net;
pub mod objects;
pub mod outbound;
pub mod outbox;
pub mod routes;
pub mod search;
pub mod seed;
pub mod serve;
pub mod startup;
pub mod state;
pub mod store;
pub mod time_fmt;
pub mod tools;
pub mod workflow;

pub use config::Config;
pub use startup::Application;

//! Wire types shared by the dashboard (wasm) and the server (native).
//!
//! Every JSON body that crosses the wire is declared here once, so the two sides cannot drift.
//! Field names follow the real Ejento API (see `shared/reference/ejento-api.md`).

pub mod agent;
pub mod analytics;
pub mod api_keys;
pub mod auth;
pub mod chat;
pub mod corpus;
pub mod document;
pub mod envelope;
pub mod evaluation;
pub mod guardrail;
pub mod org;
pub mod text;
pub mod tool;
pub mod validate;
pub mod workflow;

pub use agent::*;
pub use analytics::*;
pub use api_keys::*;
pub use auth::*;
pub use chat::*;
pub use corpus::*;
pub use document::*;
pub use envelope::*;
pub use evaluation::*;
pub use guardrail::*;
pub use org::*;
pub use tool::*;
pub use workflow::*;

/// URL prefixes of the four Ejento services, all served by one process.
pub mod paths {
    pub const API: &str = "/api/v2";
    pub const AUTH: &str = "/auth-service/api/v2";
    pub const RESPONSE: &str = "/response-service/api/v2";
    pub const INDEXING: &str = "/indexing-service/api/v2";

    pub const LOGIN: &str = "/auth-service/api/v2/login/access-token";
    pub const SIGNUP: &str = "/auth-service/api/v2/users/signup";
    pub const REFRESH: &str = "/auth-service/api/v2/users/refresh-access-token";
    pub const PASSWORDLESS_REQUEST: &str = "/auth-service/api/v2/users/passwordless-exchange-token";
    pub const PASSWORDLESS_EXCHANGE: &str = "/auth-service/api/v2/users/exchange-passwordless-token";
    pub const OWN_PASSWORD: &str = "/auth-service/api/v2/users/me/password";
    pub const LOGIN_FEATURE_FLAGS: &str = "/auth-service/api/v2/feature-flags/logins";
    pub const ME: &str = "/api/v2/users/me";
}

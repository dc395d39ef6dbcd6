//! HTTP routes, one module per resource group. Each module adds its routes to an [`Api`], which
//! records method, path and summary as it goes: the OpenAPI document is built from the same list
//! that builds the router, so it cannot miss a route.

mod agent_extras;
mod agents;
mod analytics;
mod api_keys;
mod audit;
mod auth;
mod chat_logs;
mod chat_threads;
mod corpora;
mod csv;
mod describe;
mod documents;
mod evaluations;
mod extract;
mod feature_flags;
mod guardrails;
mod membership;
mod notifications;
mod openapi;
mod organizations;
mod projects;
mod responses;
mod teams;
mod tools;
mod users;
mod workflow_responses;
mod workflows;

use axum::{
    Router,
    handler::Handler,
    http::Method,
    routing::{MethodRouter, delete, get, post, put},
};

pub use agents::avatar_svg;
pub use extract::{ApiJson, ApiPath, ApiQuery, ListQuery};
pub use openapi::openapi_document;

use crate::{error::Error, state::AppState};

/// Whether a route needs a signed-in caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    SignedIn,
}

#[derive(Debug, Clone)]
pub struct RouteDoc {
    pub method: Method,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub access: Access,
    /// Reads the request and responses from the handler's signature; called only when the
    /// OpenAPI document is built, never for the router that serves.
    pub describe: fn(&mut describe::Schemas) -> describe::Operation,
    /// Takes an upload form (multipart) rather than what its extractors say.
    pub multipart: bool,
}

pub struct Api {
    router: Router<AppState>,
    docs: Vec<RouteDoc>,
}

impl Api {
    fn new() -> Self {
        Self {
            router: Router::new(),
            docs: Vec::new(),
        }
    }

    /// Adds one route. Several methods on one path merge into one axum route.
    fn route<H, T>(
        mut self,
        method: Method,
        path: &'static str,
        doc: (&'static str, &'static str, Access),
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState> + describe::Described<T>,
        T: 'static,
    {
        let method_router: MethodRouter<AppState> = match method {
            Method::GET => get(handler),
            Method::POST => post(handler),
            Method::PUT => put(handler),
            Method::DELETE => delete(handler),
            ref other => unreachable!("the API uses GET, POST, PUT and DELETE only, not {other}"),
        };
        self.router = self.router.route(path, method_router);
        let (tag, summary, access) = doc;
        self.docs.push(RouteDoc {
            method,
            path,
            tag,
            summary,
            access,
            describe: H::operation,
            multipart: false,
        });
        self
    }

    /// A GET served both with and without a trailing slash (documented as `path`).
    fn get_either_slash<H, T>(self, path: &'static str, doc: (&'static str, &'static str, Access), handler: H) -> Self
    where
        H: Handler<T, AppState> + describe::Described<T>,
        T: 'static,
    {
        let other = match path.strip_suffix('/') {
            Some(bare) => bare.to_string(),
            None => format!("{path}/"),
        };
        let mut api = self.route(Method::GET, path, doc, handler.clone());
        api.router = api.router.route(&other, get(handler));
        api
    }

    /// A POST that takes uploads: the general body limit does not apply, the handler enforces
    /// the configured upload size itself while it streams the body.
    fn upload_route<H, T>(mut self, path: &'static str, doc: (&'static str, &'static str, Access), handler: H) -> Self
    where
        H: Handler<T, AppState> + describe::Described<T>,
        T: 'static,
    {
        self.router = self
            .router
            .route(path, post(handler).layer(axum::extract::DefaultBodyLimit::disable()));
        let (tag, summary, access) = doc;
        self.docs.push(RouteDoc {
            method: Method::POST,
            path,
            tag,
            summary,
            access,
            describe: H::operation,
            multipart: true,
        });
        self
    }

    pub fn docs(&self) -> &[RouteDoc] {
        &self.docs
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router.method_not_allowed_fallback(|method: Method| async move {
            Error::MethodNotAllowed(format!("This endpoint does not accept {method} requests."))
        })
    }
}

/// `{success: true, message, data}` with 200.
pub fn ok<T>(message: impl Into<String>, data: T) -> axum::Json<ejento_api::Envelope<T>> {
    axum::Json(ejento_api::Envelope::ok(message, data))
}

/// `{success: true, message, data}` with 201 Created.
pub fn created<T>(
    message: impl Into<String>,
    data: T,
) -> (axum::http::StatusCode, axum::Json<ejento_api::Envelope<T>>) {
    (axum::http::StatusCode::CREATED, ok(message, data))
}

/// Where the API lives; every other path belongs to the dashboard.
const API_PREFIXES: [&str; 4] = ["/api/", "/auth-service/", "/response-service/", "/indexing-service/"];

pub fn is_api_path(path: &str) -> bool {
    API_PREFIXES.iter().any(|prefix| path.starts_with(prefix))
}

/// Every API route of the server.
pub fn api_router() -> Api {
    let api = Api::new();
    let api = auth::routes(api);
    let api = users::routes(api);
    let api = organizations::routes(api);
    let api = api_keys::routes(api);
    let api = teams::routes(api);
    let api = projects::routes(api);
    let api = agents::routes(api);
    let api = agent_extras::routes(api);
    let api = corpora::routes(api);
    let api = documents::routes(api);
    let api = chat_threads::routes(api);
    let api = responses::routes(api);
    let api = chat_logs::routes(api);
    let api = analytics::routes(api);
    let api = workflows::routes(api);
    let api = workflow_responses::routes(api);
    let api = evaluations::routes(api);
    let api = notifications::routes(api);
    let api = feature_flags::routes(api);
    let api = guardrails::routes(api);
    let api = audit::routes(api);
    let api = tools::routes(api);
    openapi::routes(api)
}

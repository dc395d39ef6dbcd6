use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, Method, request::Parts},
};
use ejento_api::OrgRole;

use super::tokens::sha256_hex;
use crate::{
    error::{Error, Result},
    net::TrustedProxies,
    state::AppState,
    store::{UserRow, audit::AuditEntry},
};

pub const SUBSCRIPTION_KEY_HEADER: &str = "ocp-apim-subscription-key";

/// The authenticated caller of a protected route: a live sign-in of an active user, and, when
/// the organization has API keys and one was presented, a key whose scope allows the request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: UserRow,
    /// The sign-in (refresh-token family) the access token belongs to.
    pub session: String,
}

impl Caller {
    pub fn user_id(&self) -> i64 {
        self.user.id
    }

    pub fn org_id(&self) -> i64 {
        self.user.organization_id
    }

    pub fn role(&self) -> OrgRole {
        self.user.role()
    }

    /// An audit-log entry for a change this caller makes.
    pub fn audit<'a>(&'a self, action: &'a str, resource_type: &'a str, summary: String) -> AuditEntry<'a> {
        AuditEntry {
            organization_id: self.org_id(),
            actor_id: self.user_id(),
            actor: &self.user.email,
            action,
            resource_type,
            summary,
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = bearer_token(&parts.headers).ok_or_else(|| {
            Error::Unauthorized("Sign in first: this request needs an 'Authorization: Bearer <token>' header.".into())
        })?;
        let claims = state.jwt.verify(token)?;
        let user_id: i64 = claims
            .sub
            .parse()
            .map_err(|_| Error::Unauthorized("The access token is invalid. Please sign in again.".into()))?;
        // The sign-in and the user in one round trip: this runs before every protected request.
        let user = match state.store.caller(user_id, &claims.sid).await? {
            Some((_, false)) => {
                return Err(Error::Unauthorized(
                    "This session was signed out. Please sign in again.".into(),
                ));
            }
            Some((u, true)) if u.is_active() && u.organization_id == claims.org => u,
            _ => return Err(Error::Unauthorized("This account is no longer active.".into())),
        };
        if let Some(key) = subscription_key(&parts.headers) {
            check_subscription_key(state, &user, key, &parts.method, parts.uri.path()).await?;
        }
        Ok(Caller {
            user,
            session: claims.sid,
        })
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

pub(crate) fn subscription_key(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(SUBSCRIPTION_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

/// The header is optional. An organization without API keys accepts any value (clients such as
/// the public Quickstart template always send one) but one of its revoked keys; once it has
/// keys, a presented key must be one of them, active, and its scope must allow this method on
/// this resource group.
async fn check_subscription_key(
    state: &AppState,
    user: &UserRow,
    key: &str,
    method: &Method,
    path: &str,
) -> Result<()> {
    let row = state.store.find_api_key_by_hash(&sha256_hex(key)).await?;
    let row = match row {
        Some(r) if r.organization_id == user.organization_id && r.is_active() => r,
        // A revoked key stays refused even when the organization has no key left.
        Some(r) if r.organization_id == user.organization_id => return Err(invalid_key()),
        // Unknown (or another organization's): fine only while this organization has no keys.
        _ if state.store.org_has_active_api_keys(user.organization_id).await? => return Err(invalid_key()),
        _ => return Ok(()),
    };
    state.store.touch_api_key(row.id).await?;
    let writes = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    match row.scope.as_str() {
        "All" => Ok(()),
        "Read Only" if writes => Err(Error::Forbidden(format!(
            "The API key \"{}\" is read-only: it cannot be used for {method} requests.",
            row.name
        ))),
        "Read Only" => Ok(()),
        _ => {
            let category = resource_category(path);
            let restrictions: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&row.restrictions).unwrap_or_default();
            let level = restrictions.get(category).and_then(|v| v.as_str()).unwrap_or("None");
            match (level, writes) {
                ("Write", _) | ("Read", false) => Ok(()),
                _ => Err(Error::Forbidden(format!(
                    "The API key \"{}\" does not allow {} access to {category}.",
                    row.name,
                    if writes { "write" } else { "read" }
                ))),
            }
        }
    }
}

fn invalid_key() -> Error {
    Error::Unauthorized("The subscription key (Ocp-Apim-Subscription-Key) is invalid or revoked.".into())
}

/// The resource group of a path, the unit a Restricted key grants: `/api/v2/agents/3` → `agents`.
pub fn resource_category(path: &str) -> &str {
    let rest = path
        .strip_prefix("/api/v2/")
        .or_else(|| path.split_once("/api/v2/").map(|(_, r)| r))
        .unwrap_or(path);
    rest.split('/').find(|s| !s.is_empty()).unwrap_or("")
}

/// The client's address for throttling: the socket peer, or — when the peer is a trusted
/// proxy — the rightmost `X-Forwarded-For` hop that is not one (see [`TrustedProxies`]).
pub fn client_address(
    headers: &HeaderMap,
    connect: Option<&ConnectInfo<SocketAddr>>,
    proxies: &TrustedProxies,
) -> String {
    let Some(peer) = connect.map(|c| c.0.ip()) else {
        return "unknown".into();
    };
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    proxies.client(peer, forwarded).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_are_the_first_segment_after_the_service_prefix() {
        assert_eq!(resource_category("/api/v2/agents/3/tags"), "agents");
        assert_eq!(
            resource_category("/response-service/api/v2/agents/3/responses"),
            "agents"
        );
        assert_eq!(
            resource_category("/indexing-service/api/v2/corpora/1/documents"),
            "corpora"
        );
        assert_eq!(resource_category("/api/v2/users/me"), "users");
    }

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "bearer abc".parse().unwrap());
        assert_eq!(bearer_token(&h), Some("abc"));
        h.insert("authorization", "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&h), None);
        h.insert("authorization", "Bearer ".parse().unwrap());
        assert_eq!(bearer_token(&h), None);
    }
}

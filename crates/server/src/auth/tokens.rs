//! Token minting. The `ejento_access_token` is a short-lived HS256 JWT (stateless, so any
//! replica can check it); the auth-app `access_token` is an opaque random string stored only as
//! a SHA-256 hash and rotated on each refresh.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// User id.
    pub sub: String,
    pub org: i64,
    /// The sign-in (refresh-token family) this token was minted for.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
    pub typ: String,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl JwtKeys {
    pub fn new(secret: &str) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
        }
    }

    pub fn mint(&self, user_id: i64, org_id: i64, session: &str, ttl_secs: u64) -> Result<String> {
        let now = crate::clock::unix_now();
        let claims = AccessClaims {
            sub: user_id.to_string(),
            org: org_id,
            sid: session.to_string(),
            iat: now,
            exp: now + ttl_secs as i64,
            typ: "access".into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Internal(anyhow::anyhow!("cannot sign token: {e}")))
    }

    pub fn verify(&self, token: &str) -> Result<AccessClaims> {
        let expired =
            || Error::Unauthorized("Your session has expired. Refresh the access token or sign in again.".into());
        match jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation()) {
            Ok(data) if has_expired(data.claims.exp) => Err(expired()),
            Ok(data) if data.claims.typ == "access" => Ok(data.claims),
            Ok(_) => Err(Error::Unauthorized("This token cannot be used to call the API.".into())),
            Err(_) => Err(Error::Unauthorized(
                "The access token is invalid. Please sign in again.".into(),
            )),
        }
    }
}

/// A ticket to follow one response with EventSource, which cannot send headers: bound to the
/// response, the user and the sign-in that asked for it (so it dies with that sign-in).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TicketClaims {
    sub: String,
    rid: i64,
    exp: i64,
    typ: String,
    sid: String,
}

/// Who a valid ticket was issued to.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketHolder {
    pub user_id: i64,
    /// The sign-in (token family) it was minted in.
    pub session: String,
}

impl JwtKeys {
    /// A ticket to follow one response of `kind` (agent and workflow ids are separate series,
    /// so a ticket names which it is for).
    pub fn mint_ticket(
        &self,
        kind: TicketFor,
        holder: &TicketHolder,
        response_id: i64,
        ttl_secs: i64,
    ) -> Result<String> {
        let claims = TicketClaims {
            sub: holder.user_id.to_string(),
            rid: response_id,
            exp: crate::clock::unix_now() + ttl_secs,
            typ: kind.typ().into(),
            sid: holder.session.clone(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Internal(anyhow::anyhow!("cannot sign ticket: {e}")))
    }

    /// Who a ticket was issued to, if it is valid for that response of `kind`. Whether its
    /// sign-in is still alive is the caller's to check (it needs the database).
    pub fn verify_ticket(&self, kind: TicketFor, ticket: &str, response_id: i64) -> Result<TicketHolder> {
        let data = jsonwebtoken::decode::<TicketClaims>(ticket, &self.decoding, &validation())
            .map_err(|_| ticket_refused())?;
        if has_expired(data.claims.exp) || data.claims.typ != kind.typ() || data.claims.rid != response_id {
            return Err(ticket_refused());
        }
        Ok(TicketHolder {
            user_id: data.claims.sub.parse().map_err(|_| ticket_refused())?,
            session: data.claims.sid,
        })
    }
}

pub fn ticket_refused() -> Error {
    Error::Unauthorized("This stream link has expired or is not valid: ask again.".into())
}

/// Signature and claims checked by the library; expiry by [`has_expired`], against the server's
/// clock rather than the library's reading of the system time.
fn validation() -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation
}

/// Expiry is exact: a token is dead the second its lifetime ends.
fn has_expired(exp: i64) -> bool {
    exp < crate::clock::unix_now()
}

/// A fresh random secret: 32 bytes, URL-safe base64.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A six-digit one-time code.
pub fn random_code() -> String {
    format!("{:06}", rand::thread_rng().next_u32() % 1_000_000)
}

/// How opaque tokens are stored: never the token itself.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// What an events ticket lets its holder follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketFor {
    AgentResponse,
    WorkflowResponse,
}

impl TicketFor {
    fn typ(self) -> &'static str {
        match self {
            TicketFor::AgentResponse => "events",
            TicketFor::WorkflowResponse => "workflow-events",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_verify_and_carry_the_session() {
        let keys = JwtKeys::new("test-secret");
        let t = keys.mint(7, 3, "fam", 60).unwrap();
        let c = keys.verify(&t).unwrap();
        assert_eq!((c.sub.as_str(), c.org, c.sid.as_str()), ("7", 3, "fam"));
        assert!(JwtKeys::new("other").verify(&t).is_err());
        assert!(keys.verify("garbage").is_err());
    }

    #[test]
    fn tickets_name_their_response_kind_and_sign_in_and_expire() {
        let keys = JwtKeys::new("test-secret");
        let holder = TicketHolder {
            user_id: 7,
            session: "fam".into(),
        };
        let ticket = keys.mint_ticket(TicketFor::AgentResponse, &holder, 11, 120).unwrap();
        assert_eq!(
            keys.verify_ticket(TicketFor::AgentResponse, &ticket, 11).unwrap(),
            holder
        );
        assert!(keys.verify_ticket(TicketFor::AgentResponse, &ticket, 12).is_err());
        assert!(keys.verify_ticket(TicketFor::WorkflowResponse, &ticket, 11).is_err());
        let stale = keys.mint_ticket(TicketFor::AgentResponse, &holder, 11, -1).unwrap();
        assert!(keys.verify_ticket(TicketFor::AgentResponse, &stale, 11).is_err());
    }

    #[test]
    fn random_secrets_differ_and_codes_have_six_digits() {
        assert_ne!(random_secret(), random_secret());
        assert_eq!(random_code().len(), 6);
        assert_eq!(sha256_hex("a").len(), 64);
    }
}

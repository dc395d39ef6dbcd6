//! Authentication bodies of the auth service and the current user.
//!
//! Two tokens, as in the real API: `access_token` is the auth-app token (long-lived, opaque,
//! rotated on every refresh, sent as `Authorization: Bearer` to the refresh endpoint) and
//! `ejento_access_token` is the short-lived token every other API call carries.

use serde::{Deserialize, Serialize};

/// `POST /auth-service/api/v2/users/signup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SignupRequest {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    /// Name of the organization the first user founds (ignored for later sign-ups).
    #[serde(default)]
    pub organization_name: Option<String>,
}

/// `POST /auth-service/api/v2/login/access-token`, as JSON or form-urlencoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// What login, signup, refresh and the passwordless exchange return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokenPair {
    /// The auth-app token: presented to the refresh endpoint, rotates on each use.
    pub access_token: String,
    /// The token for every other API call.
    pub ejento_access_token: String,
    pub token_type: String,
    /// Lifetime of `ejento_access_token`, in seconds.
    pub expires_in: u64,
}

/// Body of a successful login or signup: the tokens and who they belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Session {
    #[serde(flatten)]
    pub tokens: TokenPair,
    pub user: CurrentUser,
}

/// `PUT /auth-service/api/v2/users/me/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChangePasswordRequest {
    pub old_password: String,
    pub new_password: String,
}

/// `POST /auth-service/api/v2/users/passwordless-exchange-token` (and the seen `passwordless-auth`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PasswordlessRequest {
    pub email: String,
    /// Where the link in the mail points; the token is appended as `?token=`.
    #[serde(default)]
    pub next: Option<String>,
}

/// Answer to a passwordless request. It never says whether the address has an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PasswordlessSent {
    pub otp_session_id: String,
}

/// `POST /auth-service/api/v2/users/exchange-passwordless-token` (and the seen `validate-magic-link`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PasswordlessExchange {
    pub token: String,
}

/// `POST /auth-service/api/v2/users/verify-otp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerifyOtp {
    pub otp_session_id: String,
    pub code: String,
}

/// `GET /auth-service/api/v2/feature-flags/logins`: which sign-in methods the login page offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoginFeatureFlags {
    pub password: bool,
    pub passwordless: bool,
    pub signup: bool,
    pub sso_providers: Vec<String>,
}

/// Organization-wide role of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum OrgRole {
    #[serde(rename = "Global Admin")]
    GlobalAdmin,
    #[serde(rename = "Application Admin")]
    ApplicationAdmin,
    #[serde(rename = "User")]
    User,
}

impl OrgRole {
    pub const ALL: [OrgRole; 3] = [OrgRole::GlobalAdmin, OrgRole::ApplicationAdmin, OrgRole::User];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::GlobalAdmin => "Global Admin",
            OrgRole::ApplicationAdmin => "Application Admin",
            OrgRole::User => "User",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The organization a user belongs to, as nested in user objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrgRef {
    pub id: i64,
    pub org_name: String,
}

/// `GET /api/v2/users/me`. Carries both spellings the public client reads (`id`/`user_id`,
/// `name`/`full_name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CurrentUser {
    pub id: i64,
    pub user_id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub full_name: String,
    pub name: String,
    pub role: OrgRole,
    pub is_superuser: bool,
    pub organization: OrgRef,
    pub created_on: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_roles_round_trip_through_their_display_names() {
        for role in OrgRole::ALL {
            assert_eq!(OrgRole::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(OrgRole::parse("Owner"), None);
    }

    #[test]
    fn session_flattens_tokens_beside_the_user() {
        let s = Session {
            tokens: TokenPair {
                access_token: "a".into(),
                ejento_access_token: "e".into(),
                token_type: "bearer".into(),
                expires_in: 60,
            },
            user: CurrentUser {
                id: 1,
                user_id: 1,
                email: "x@y.z".into(),
                first_name: "X".into(),
                last_name: "".into(),
                full_name: "X".into(),
                name: "X".into(),
                role: OrgRole::User,
                is_superuser: false,
                organization: OrgRef {
                    id: 1,
                    org_name: "O".into(),
                },
                created_on: "2026-01-01T00:00:00.000000Z".into(),
            },
        };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["access_token"], "a");
        assert_eq!(v["ejento_access_token"], "e");
        assert_eq!(v["user"]["email"], "x@y.z");
        assert_eq!(serde_json::from_value::<Session>(v).unwrap(), s);
    }
}

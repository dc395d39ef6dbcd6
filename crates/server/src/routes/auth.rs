//! The auth service: sign-up, sign-in (JSON or form), refresh with rotation and reuse detection,
//! password change, passwordless links and codes, sign-out, and the login page's feature flags.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use ejento_api::{
    ChangePasswordRequest, Envelope, LoginFeatureFlags, LoginRequest, PasswordlessExchange, PasswordlessRequest,
    PasswordlessSent, Session, SignupRequest, TokenPair, VerifyOtp,
};
use serde::{Deserialize, Serialize};
use time::Duration;

use super::{
    Access::{Public, SignedIn},
    Api, ApiJson,
    describe::{DescribeOutput, Operation, Schemas},
    extract::JsonOrForm,
};
use crate::{
    auth::{
        Caller, client_address, cookie, password, throttle,
        tokens::{random_code, random_secret, sha256_hex},
    },
    config::SignupPolicy,
    domain::{Email, Password, PersonName},
    error::{Error, FieldErrors, Result},
    state::AppState,
    store::{NewUser, SignupOutcome, UserRow},
    time_fmt,
};

const TAG: &str = "Authentication";
/// How long a passwordless link or code stays valid.
const PASSWORDLESS_TTL: Duration = Duration::minutes(15);
/// Wrong codes allowed per passwordless session before it is locked.
const MAX_OTP_ATTEMPTS: i64 = 5;
/// A cookie-held refresh token presented again this soon after its use is a second tab that
/// refreshed at the same moment, not a thief: it gets its own token in the same sign-in.
const CONCURRENT_REFRESH_GRACE: Duration = Duration::seconds(10);

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::POST,
        "/auth-service/api/v2/login/access-token",
        (TAG, "Authenticate User", Public),
        login,
    )
    .route(
        Method::POST,
        "/auth-service/api/v2/users/signup",
        (TAG, "Register User", Public),
        signup,
    )
    .route(
        Method::POST,
        "/auth-service/api/v2/users/refresh-access-token",
        (TAG, "Refresh Access Token", Public),
        refresh,
    )
    .route(
        Method::PUT,
        "/auth-service/api/v2/users/me/password",
        (TAG, "Update Own Password", SignedIn),
        change_password,
    )
    .route(
        Method::POST,
        "/auth-service/api/v2/users/passwordless-exchange-token",
        (TAG, "Request Passwordless Exchange Token", Public),
        request_passwordless,
    )
    .route(
        Method::POST,
        "/auth-service/api/v2/users/exchange-passwordless-token",
        (TAG, "Exchange Passwordless Token for Access Tokens", Public),
        exchange_passwordless,
    )
    // The names the newer public client uses for the same two steps, plus the code variant.
    .route(
        Method::POST,
        "/auth-service/api/v2/users/passwordless-auth",
        (TAG, "Passwordless Authentication (Email Magic Link)", Public),
        request_passwordless,
    )
    .route(
        Method::POST,
        "/auth-service/api/v2/users/validate-magic-link",
        (TAG, "Validate Magic Link Token", Public),
        exchange_passwordless,
    )
    .route(
        Method::POST,
        "/auth-service/api/v2/users/verify-otp",
        (TAG, "Verify Email OTP", Public),
        verify_otp,
    )
    .route(
        Method::POST,
        "/auth-service/api/v2/users/logout",
        (TAG, "Sign Out", SignedIn),
        logout,
    )
    .route(
        Method::GET,
        "/auth-service/api/v2/feature-flags/logins",
        (TAG, "Get Login Feature Flags", Public),
        login_flags,
    )
}

/// Starts a sign-in: a new token family with its first auth-app token, and an access token.
pub(crate) async fn issue_tokens(state: &AppState, user: &UserRow) -> Result<TokenPair> {
    let family = uuid::Uuid::new_v4().to_string();
    mint_in_family(state, user, &family).await
}

async fn mint_in_family(state: &AppState, user: &UserRow, family: &str) -> Result<TokenPair> {
    let auth_token = random_secret();
    let expires = time_fmt::from_now(Duration::seconds(state.config.refresh_token_ttl_secs as i64));
    state
        .store
        .insert_refresh_token(user.id, family, &sha256_hex(&auth_token), &expires)
        .await?;
    let ttl = state.config.access_token_ttl_secs;
    Ok(TokenPair {
        access_token: auth_token,
        ejento_access_token: state.jwt.mint(user.id, user.organization_id, family, ttl)?,
        token_type: "bearer".into(),
        expires_in: ttl,
    })
}

async fn session(state: &AppState, user: &UserRow) -> Result<Session> {
    Ok(Session {
        tokens: issue_tokens(state, user).await?,
        user: user.to_current_user(),
    })
}

/// Whether a refresh token presented again is another tab of the same browser refreshing at
/// the same moment: only for the cookie (which tabs share), only when it was used after
/// `cutoff` — or by a request that won the race just now, so `used_on` was still empty.
fn second_tab(cookie_mode: bool, used_on: Option<&str>, cutoff: &str) -> bool {
    cookie_mode && used_on.is_none_or(|used| used >= cutoff)
}

/// Hands the auth-app token over as the client asked: in the JSON (Ejento's flow), or — for
/// `X-Ejento-Session: cookie` — only as an HttpOnly cookie, blanked in the JSON.
fn hand_over(state: &AppState, headers: &HeaderMap, tokens: &mut TokenPair) -> Option<HeaderValue> {
    cookie::wanted(headers).then(|| {
        let token = std::mem::take(&mut tokens.access_token);
        cookie::set(&token, state.config.refresh_token_ttl_secs, state.config.is_https())
    })
}

/// An envelope answered with its status and, when the dashboard signs in, refreshes or signs
/// out, the refresh cookie.
struct WithCookie<T> {
    status: StatusCode,
    body: Envelope<T>,
    cookie: Option<HeaderValue>,
}

impl<T: Serialize> IntoResponse for WithCookie<T> {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(value) = self.cookie {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        response
    }
}

impl<T: schemars::JsonSchema> DescribeOutput for WithCookie<T> {
    fn describe(op: &mut Operation, schemas: &mut Schemas) {
        op.responses
            .push(("2XX", Some(("application/json", schemas.named::<Envelope<T>>()))));
    }
}

fn respond<T>(status: StatusCode, body: Envelope<T>, cookie: Option<HeaderValue>) -> WithCookie<T> {
    WithCookie { status, body, cookie }
}

/// A new sign-in for `user`, answered as the client asked.
async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    message: &str,
    user: &UserRow,
) -> Result<WithCookie<Session>> {
    let mut session = session(state, user).await?;
    let set_cookie = hand_over(state, headers, &mut session.tokens);
    Ok(respond(status, Envelope::ok(message, session), set_cookie))
}

async fn signup(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignupRequest>,
) -> Result<WithCookie<Session>> {
    let mut errors = FieldErrors::default();
    let email = errors.take("email", Email::parse(&body.email));
    let pw = errors.take("password", Password::parse(&body.password));
    let (first_raw, last_raw) = match (&body.first_name, &body.last_name, &body.full_name) {
        (None, None, Some(full)) => match full.trim().split_once(' ') {
            Some((f, l)) => (f.to_string(), l.to_string()),
            None => (full.trim().to_string(), String::new()),
        },
        (f, l, _) => (f.clone().unwrap_or_default(), l.clone().unwrap_or_default()),
    };
    let first_name = errors.take("first_name", PersonName::parse(&first_raw));
    let last_name = errors.take("last_name", PersonName::parse(&last_raw));
    let org_name = body.organization_name.as_deref().map(str::trim).unwrap_or("");
    if org_name.chars().count() > 100 {
        errors.add("organization_name", "An organization name has at most 100 characters.");
    }
    errors.finish()?;
    let (Some(email), Some(pw), Some(first_name), Some(last_name)) = (email, pw, first_name, last_name) else {
        unreachable!("finish() returned Ok, so every field parsed");
    };
    if state.store.find_user_by_email(&email).await?.is_some() {
        return Err(Error::Conflict(format!(
            "An account with the e-mail address {} already exists.",
            email.as_str()
        )));
    }
    let org_name = if org_name.is_empty() {
        let who = if first_name.as_str().is_empty() {
            email.as_str()
        } else {
            first_name.as_str()
        };
        format!("{who}'s Organization")
    } else {
        org_name.to_string()
    };
    let new = NewUser {
        email,
        password_hash: Some(password::hash(&pw).await?),
        first_name,
        last_name,
    };
    let (user, message) = match state.store.sign_up(new, state.config.signup, &org_name).await? {
        SignupOutcome::Founded(u) => (u, "Organization created; you are its Global Admin."),
        SignupOutcome::Joined(u) => (u, "User registered successfully."),
        SignupOutcome::Closed => {
            return Err(Error::Forbidden(
                "Sign-up is closed on this server. Ask an administrator of your organization to create your account."
                    .into(),
            ));
        }
    };
    if message.starts_with("Organization created") {
        // A new organization can choose among the server's model deployments too.
        state.store.sync_deployments(&state.chat.deployment_names()).await?;
    }
    tracing::info!(user_id = user.id, org_id = user.organization_id, "user registered");
    signed_in(&state, &headers, StatusCode::CREATED, message, &user).await
}

async fn login(
    State(state): State<AppState>,
    connect: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonOrForm(body): JsonOrForm<LoginRequest>,
) -> Result<WithCookie<Session>> {
    let address = client_address(&headers, Some(&connect), &state.proxies);
    let account_key = body.username.trim().to_lowercase();
    let window = Duration::seconds(state.config.login_window_secs);
    let since = time_fmt::from_now(-window);
    let failures = state.store.login_failures_since(&account_key, &address, &since).await?;
    throttle::check(&state.config, &failures, crate::clock::now())?;
    let user = match Email::parse(&body.username) {
        Ok(email) => state.store.find_user_by_email(&email).await?,
        Err(_) => None,
    };
    let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let verified = password::verify(&body.password, stored).await?;
    let user = match user {
        Some(u) if verified && u.is_active() => u,
        _ => {
            state.store.record_login_failure(&account_key, &address).await?;
            return Err(Error::Unauthorized("Incorrect e-mail or password.".into()));
        }
    };
    state.store.clear_login_failures(&account_key, &address, &since).await?;
    signed_in(&state, &headers, StatusCode::OK, "Logged in successfully.", &user).await
}

/// The body the refresh endpoint also accepts, for clients that cannot set the header.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct RefreshBody {
    #[serde(default, alias = "refresh_token")]
    access_token: Option<String>,
}

async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<WithCookie<TokenPair>> {
    let from_header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    let from_body = if body.is_empty() {
        None
    } else {
        serde_json::from_slice::<RefreshBody>(&body)
            .map_err(|_| Error::BadRequest("The request body is not valid JSON.".into()))?
            .access_token
    };
    let from_cookie = cookie::wanted(&headers).then(|| cookie::read(&headers)).flatten();
    let token = from_header
        .or(from_body)
        .or(from_cookie)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Error::Unauthorized("Send the auth-app token as 'Authorization: Bearer <access_token>'.".into())
        })?;
    let invalid = || Error::Unauthorized("The refresh token is invalid or has expired. Please sign in again.".into());
    let row = state
        .store
        .find_refresh_token(&sha256_hex(&token))
        .await?
        .ok_or_else(invalid)?;
    if row.revoked_on.is_some() || row.expires_on < time_fmt::now() {
        return Err(invalid());
    }
    let first_use = row.used_on.is_none() && state.store.use_refresh_token(row.id).await?;
    let cutoff = time_fmt::from_now(-CONCURRENT_REFRESH_GRACE);
    if !first_use && !second_tab(cookie::wanted(&headers), row.used_on.as_deref(), &cutoff) {
        // A used token presented again means it was copied: end the whole sign-in.
        state.store.revoke_token_family(&row.family_id).await?;
        tracing::warn!(user_id = row.user_id, "refresh token reused; sign-in revoked");
        return Err(Error::Unauthorized(
            "This refresh token was already used, so this sign-in has been ended for your safety. Please sign in again."
                .into(),
        ));
    }
    let user = match state.store.find_user(row.user_id).await? {
        Some(u) if u.is_active() => u,
        _ => return Err(Error::Unauthorized("This account is no longer active.".into())),
    };
    let mut pair = mint_in_family(&state, &user, &row.family_id).await?;
    let set_cookie = hand_over(&state, &headers, &mut pair);
    Ok(respond(
        StatusCode::OK,
        Envelope::ok("Access token refreshed successfully.", pair),
        set_cookie,
    ))
}

async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ChangePasswordRequest>,
) -> Result<Json<Envelope<ejento_api::Done>>> {
    let mut errors = FieldErrors::default();
    let new_pw = errors.take("new_password", Password::parse(&body.new_password));
    if body.new_password == body.old_password {
        errors.add("new_password", "The new password must differ from the current one.");
    }
    errors.finish()?;
    let Some(new_pw) = new_pw else {
        unreachable!("finish() returned Ok")
    };
    if !password::verify(&body.old_password, caller.user.password_hash.as_deref()).await? {
        return Err(Error::invalid("old_password", "The current password is not correct."));
    }
    state
        .store
        .set_password_hash(caller.user_id(), &password::hash(&new_pw).await?)
        .await?;
    state
        .store
        .revoke_other_token_families(caller.user_id(), &caller.session)
        .await?;
    Ok(Json(Envelope::ok(
        "Password updated. Other devices have been signed out.",
        ejento_api::Done {},
    )))
}

async fn request_passwordless(
    State(state): State<AppState>,
    connect: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PasswordlessRequest>,
) -> Result<Json<Envelope<PasswordlessSent>>> {
    let email = Email::parse(&body.email).map_err(|m| Error::invalid("email", m))?;
    // Each request mails someone and opens a code to guess: counted per account and address
    // like failed sign-ins, whether or not the account exists (so limits reveal nothing).
    let address = client_address(&headers, Some(&connect), &state.proxies);
    let link_key = format!("link:{}", email.as_str());
    let since = time_fmt::from_now(-Duration::seconds(state.config.login_window_secs));
    let sent = state.store.login_failures_since(&link_key, &address, &since).await?;
    throttle::check_link_request(&state.config, &sent)?;
    state.store.record_login_failure(&link_key, &address).await?;
    let otp_session_id = uuid::Uuid::new_v4().to_string();
    // Same answer whether or not the account exists, so the endpoint cannot list accounts.
    if let Some(user) = state.store.find_user_by_email(&email).await?.filter(|u| u.is_active()) {
        let token = random_secret();
        let code = random_code();
        let expires = time_fmt::from_now(PASSWORDLESS_TTL);
        state
            .store
            .insert_passwordless(
                user.id,
                &sha256_hex(&token),
                &otp_session_id,
                &code_hash(&otp_session_id, &code),
                &expires,
            )
            .await?;
        let base = sign_in_link_base(&state.config.public_url, body.next.as_deref());
        let sep = if base.contains('?') { '&' } else { '?' };
        let link = format!("{base}{sep}token={token}");
        let text = format!(
            "Sign in to Ejento with this link (valid for 15 minutes, once):\n{link}\n\nOr enter this code: {code}\n\nIf you did not ask for it, ignore this message."
        );
        match state
            .outbox
            .send(email.as_str(), "Your Ejento sign-in link", &text)
            .await
        {
            Ok(()) => {}
            Err(crate::outbox::SendError::Server(why)) => {
                tracing::warn!(reason = %why, "a sign-in link could not be mailed");
                return Err(Error::Unavailable(
                    "The sign-in e-mail could not be sent right now. Try again in a few minutes, or sign in with \
                     your password."
                        .into(),
                ));
            }
            Err(crate::outbox::SendError::Local(e)) => return Err(e.into()),
        }
    }
    Ok(Json(Envelope::ok(
        "If an account exists for that address, a sign-in link and code have been sent to it.",
        PasswordlessSent { otp_session_id },
    )))
}

/// Where a mailed sign-in link points: always on `EJENTO_PUBLIC_URL`. `next` may name the page
/// as a path inside the dashboard (`/auth/confirmation`), or as an absolute URL with exactly the
/// public URL's origin (what Ejento clients send); anything else — another host, a look-alike
/// such as `http://127.0.0.1:8080.attacker.example/`, `//host`, user-info tricks — is ignored
/// for the default confirmation page, so the link never carries a live token off-site.
fn sign_in_link_base(public_url: &str, next: Option<&str>) -> String {
    let public_url = public_url.trim_end_matches('/');
    let default = format!("{public_url}/auth/confirmation");
    let Some(next) = next.map(str::trim).filter(|n| !n.is_empty()) else {
        return default;
    };
    let safe_path = |path: &str| {
        path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') && !path.chars().any(char::is_control)
    };
    if next.starts_with('/') {
        return if safe_path(next) {
            format!("{public_url}{next}")
        } else {
            default
        };
    }
    let (Ok(wanted), Ok(public)) = (reqwest::Url::parse(next), reqwest::Url::parse(public_url)) else {
        return default;
    };
    let path = &wanted.as_str()[url_path_start(&wanted)..];
    if wanted.origin() == public.origin()
        && wanted.username().is_empty()
        && wanted.password().is_none()
        && safe_path(path)
    {
        format!("{public_url}{path}")
    } else {
        default
    }
}

/// Where a URL's path begins in its serialization (path, query and fragment follow).
fn url_path_start(url: &reqwest::Url) -> usize {
    let serialized = url.as_str();
    let after_scheme = url.scheme().len() + "://".len();
    serialized[after_scheme..]
        .find('/')
        .map_or(serialized.len(), |at| after_scheme + at)
}

fn code_hash(otp_session_id: &str, code: &str) -> String {
    sha256_hex(&format!("{otp_session_id}:{code}"))
}

async fn exchange_passwordless(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PasswordlessExchange>,
) -> Result<WithCookie<Session>> {
    let invalid = || Error::Unauthorized("This sign-in link is invalid, used or expired. Request a new one.".into());
    let row = state
        .store
        .find_passwordless_by_token(&sha256_hex(body.token.trim()))
        .await?
        .ok_or_else(invalid)?;
    if row.used_on.is_some() || row.expires_on < time_fmt::now() || !state.store.use_passwordless(row.id).await? {
        return Err(invalid());
    }
    finish_passwordless(&state, &headers, row.user_id).await
}

async fn verify_otp(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<VerifyOtp>,
) -> Result<WithCookie<Session>> {
    let invalid = || Error::Unauthorized("This code is invalid or expired. Request a new one.".into());
    let row = state
        .store
        .find_passwordless_by_session(body.otp_session_id.trim())
        .await?
        .ok_or_else(invalid)?;
    if row.used_on.is_some() || row.expires_on < time_fmt::now() {
        return Err(invalid());
    }
    if row.attempts >= MAX_OTP_ATTEMPTS {
        return Err(Error::TooManyRequests(
            "Too many wrong codes. Request a new sign-in link.".into(),
        ));
    }
    if code_hash(body.otp_session_id.trim(), body.code.trim()) != row.code_hash {
        state.store.count_passwordless_attempt(row.id).await?;
        return Err(Error::Unauthorized("That code is not correct.".into()));
    }
    if !state.store.use_passwordless(row.id).await? {
        return Err(invalid());
    }
    finish_passwordless(&state, &headers, row.user_id).await
}

async fn finish_passwordless(state: &AppState, headers: &HeaderMap, user_id: i64) -> Result<WithCookie<Session>> {
    let user = match state.store.find_user(user_id).await? {
        Some(u) if u.is_active() => u,
        _ => return Err(Error::Unauthorized("This account is no longer active.".into())),
    };
    signed_in(state, headers, StatusCode::OK, "Logged in successfully.", &user).await
}

async fn logout(State(state): State<AppState>, caller: Caller) -> Result<WithCookie<ejento_api::Done>> {
    state.store.revoke_token_family(&caller.session).await?;
    Ok(respond(
        StatusCode::OK,
        Envelope::ok("Signed out.", ejento_api::Done {}),
        Some(cookie::clear(state.config.is_https())),
    ))
}

async fn login_flags(State(state): State<AppState>) -> Json<Envelope<LoginFeatureFlags>> {
    Json(Envelope::ok(
        "Login feature flags fetched successfully.",
        LoginFeatureFlags {
            password: true,
            passwordless: true,
            signup: state.config.signup != SignupPolicy::Closed,
            // No identity provider is configured in a self-hosted install yet.
            sso_providers: Vec::new(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::{second_tab, sign_in_link_base};

    #[test]
    fn only_a_fresh_reuse_of_a_cookie_is_a_second_tab() {
        let cutoff = "2026-12-05T10:00:00.000000Z";
        assert!(second_tab(true, None, cutoff), "lost the race just now");
        assert!(second_tab(true, Some("2026-12-05T10:00:05.000000Z"), cutoff));
        assert!(
            !second_tab(true, Some("2026-12-05T09:59:00.000000Z"), cutoff),
            "used long ago: theft"
        );
        assert!(!second_tab(false, None, cutoff), "JSON clients hold their own token");
    }

    const PUBLIC: &str = "http://127.0.0.1:8080";

    #[test]
    fn sign_in_links_stay_on_the_public_url() {
        let default = "http://127.0.0.1:8080/auth/confirmation";
        for hostile in [
            "http://127.0.0.1:8080.attacker.example/x",
            "http://127.0.0.1:8080@attacker.example/x",
            "http://user@127.0.0.1:8080/x",
            "https://127.0.0.1:8080/x",
            "http://127.0.0.1:8081/x",
            "//attacker.example/x",
            "/\\attacker.example/x",
            "javascript:alert(1)",
            "attacker.example/x",
            "/a\nb",
        ] {
            assert_eq!(sign_in_link_base(PUBLIC, Some(hostile)), default, "{hostile}");
        }
        assert_eq!(sign_in_link_base(PUBLIC, None), default);
        assert_eq!(
            sign_in_link_base(PUBLIC, Some("/auth/confirmation?next=/agents")),
            "http://127.0.0.1:8080/auth/confirmation?next=/agents"
        );
        // What Ejento clients send: the app's own absolute URL.
        assert_eq!(
            sign_in_link_base(PUBLIC, Some("http://127.0.0.1:8080/auth/confirmation/")),
            "http://127.0.0.1:8080/auth/confirmation/"
        );
        assert_eq!(
            sign_in_link_base(
                "https://ejento.example.com/",
                Some("https://ejento.example.com/auth/confirmation")
            ),
            "https://ejento.example.com/auth/confirmation"
        );
    }
}

//! The auth service.

use ejento_api::{
    ChangePasswordRequest, LoginRequest, PasswordlessExchange, PasswordlessRequest, PasswordlessSent, Session,
    SignupRequest, VerifyOtp, paths,
};

use gloo_net::http::Request;
use serde::Serialize;

use super::{ApiError, Method, call, call_public, decode};
use crate::session;

/// A sign-in of any kind: the server answers with the access token and sets the refresh token
/// as an HttpOnly cookie (asked for by the header), which this page never sees.
async fn sign_in<B: Serialize>(path: &str, body: &B) -> Result<Session, ApiError> {
    let res = Request::post(path)
        .header(session::COOKIE_MODE.0, session::COOKIE_MODE.1)
        .json(body)
        .map_err(|_| ApiError::network())?
        .send()
        .await
        .map_err(|_| ApiError::network())?;
    let session = decode::<Session>(res).await?.data;
    session::store_tokens(&session.tokens);
    Ok(session)
}

pub async fn login(body: &LoginRequest) -> Result<Session, ApiError> {
    sign_in(paths::LOGIN, body).await
}

pub async fn signup(body: &SignupRequest) -> Result<Session, ApiError> {
    sign_in(paths::SIGNUP, body).await
}

pub async fn request_passwordless(body: &PasswordlessRequest) -> Result<(String, PasswordlessSent), ApiError> {
    let env = call_public(Method::Post, paths::PASSWORDLESS_REQUEST, Some(body)).await?;
    Ok((env.message, env.data))
}

pub async fn exchange_passwordless(token: &str) -> Result<Session, ApiError> {
    let body = PasswordlessExchange {
        token: token.to_string(),
    };
    sign_in(paths::PASSWORDLESS_EXCHANGE, &body).await
}

pub async fn verify_otp(body: &VerifyOtp) -> Result<Session, ApiError> {
    sign_in("/auth-service/api/v2/users/verify-otp", body).await
}

pub async fn change_password(body: &ChangePasswordRequest) -> Result<String, ApiError> {
    Ok(
        call::<serde_json::Value, _>(Method::Put, paths::OWN_PASSWORD, Some(body))
            .await?
            .message,
    )
}

/// Ends the sign-in on the server (best effort; it also clears the cookie) and forgets it here.
pub async fn logout() {
    // After a reload the access token is not in memory yet: one refresh gets it, so the sign-in
    // is revoked on the server and not merely forgotten here. No redirect: a dead session is
    // already signed out.
    if let Some(token) = session::fresh_access_token().await {
        let _ = super::send(Method::Post, "/auth-service/api/v2/users/logout", None, Some(&token)).await;
    }
    session::clear();
}

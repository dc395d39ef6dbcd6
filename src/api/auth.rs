//! The auth service.

use ejento_api::{
    ChangePasswordRequest, LoginRequest, PasswordlessExchange, PasswordlessRequest, PasswordlessSent, Session,
    SignupRequest, VerifyOtp, paths,
};

use super::{ApiError, Method, call, call_public};
use crate::session;

fn keep(result: Result<ejento_api::Envelope<Session>, ApiError>) -> Result<Session, ApiError> {
    let session = result?.data;
    session::store_tokens(&session.tokens);
    Ok(session)
}

pub async fn login(body: &LoginRequest) -> Result<Session, ApiError> {
    keep(call_public(Method::Post, paths::LOGIN, Some(body)).await)
}

pub async fn signup(body: &SignupRequest) -> Result<Session, ApiError> {
    keep(call_public(Method::Post, paths::SIGNUP, Some(body)).await)
}

pub async fn request_passwordless(body: &PasswordlessRequest) -> Result<(String, PasswordlessSent), ApiError> {
    let env = call_public(Method::Post, paths::PASSWORDLESS_REQUEST, Some(body)).await?;
    Ok((env.message, env.data))
}

pub async fn exchange_passwordless(token: &str) -> Result<Session, ApiError> {
    let body = PasswordlessExchange {
        token: token.to_string(),
    };
    keep(call_public(Method::Post, paths::PASSWORDLESS_EXCHANGE, Some(&body)).await)
}

pub async fn verify_otp(body: &VerifyOtp) -> Result<Session, ApiError> {
    keep(call_public(Method::Post, "/auth-service/api/v2/users/verify-otp", Some(body)).await)
}

pub async fn change_password(body: &ChangePasswordRequest) -> Result<String, ApiError> {
    Ok(
        call::<serde_json::Value, _>(Method::Put, paths::OWN_PASSWORD, Some(body))
            .await?
            .message,
    )
}

/// Ends the sign-in on the server (best effort) and forgets the tokens here.
pub async fn logout() {
    // No refresh and no redirect here: a dead session is already signed out.
    if let Some(token) = session::access_token() {
        let _ = super::send(Method::Post, "/auth-service/api/v2/users/logout", None, Some(&token)).await;
    }
    session::clear();
}

//! Users.

use ejento_api::{CurrentUser, paths};

use super::{ApiError, Method, call};

pub async fn me() -> Result<CurrentUser, ApiError> {
    Ok(call::<CurrentUser, ()>(Method::Get, paths::ME, None).await?.data)
}

//! Argon2id password hashes, computed on the blocking pool so they never stall the runtime.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

use crate::{domain::Password, error::Result};

pub async fn hash(password: &Password) -> Result<String> {
    let password = password.expose().to_owned();
    let hashed = tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
    })
    .await
    .map_err(anyhow::Error::from)??;
    Ok(hashed)
}

/// Checks `candidate` against `stored`. With no stored hash (unknown user, passwordless-only
/// account) it still spends the time of one verification, so timing does not reveal accounts.
pub async fn verify(candidate: &str, stored: Option<&str>) -> Result<bool> {
    let candidate = candidate.to_owned();
    let stored = stored.map(str::to_owned);
    let ok = tokio::task::spawn_blocking(move || {
        let dummy;
        let (hash, real) = match stored.as_deref() {
            Some(h) => (h, true),
            None => {
                dummy = dummy_hash();
                (dummy.as_str(), false)
            }
        };
        let parsed = match PasswordHash::new(hash) {
            Ok(p) => p,
            Err(_) => return false,
        };
        Argon2::default().verify_password(candidate.as_bytes(), &parsed).is_ok() && real
    })
    .await
    .map_err(anyhow::Error::from)?;
    Ok(ok)
}

fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(b"not-a-real-password", &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let pw = Password::parse("correct horse").unwrap();
        let h = hash(&pw).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", Some(&h)).await.unwrap());
        assert!(!verify("wrong horse", Some(&h)).await.unwrap());
        assert!(!verify("not-a-real-password", None).await.unwrap());
    }
}

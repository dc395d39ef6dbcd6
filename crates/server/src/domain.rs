//! Parse, don't validate: input that passed these types is known good everywhere after. The
//! rules themselves live in `ejento_api::validate`, shared with the dashboard.

use ejento_api::validate;

/// A normalized (trimmed, lower-case) e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        validate::email(raw).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the policy: the shared length rule, and hard to guess — zxcvbn's
/// score 3 of 4 ("safely unguessable"), so "password", "12345678" or "aaaaaaaa" are refused
/// with zxcvbn's reason. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

/// The lowest zxcvbn score accepted.
const MIN_STRENGTH: zxcvbn::Score = zxcvbn::Score::Three;

impl Password {
    pub fn parse(raw: &str) -> Result<Self, String> {
        validate::password(raw)?;
        // zxcvbn's cost grows with length; the shared rule above caps it (at most 128 characters).
        let estimate = zxcvbn::zxcvbn(raw, &[]);
        if estimate.score() < MIN_STRENGTH {
            let feedback = estimate.feedback();
            let warning = feedback
                .and_then(|f| f.warning())
                .map(|w| format!("{w} "))
                .unwrap_or_default();
            let suggestion = feedback
                .and_then(|f| f.suggestions().first())
                .map(|s| format!(" {s}"))
                .unwrap_or_default();
            return Err(format!(
                "This password is too easy to guess. {warning}Use a few words together, or a longer password.{suggestion}"
            ));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A person's first or last name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        validate::person_name(raw).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show_in_debug_output() {
        assert_eq!(
            format!("{:?}", Password::parse("secret-harbour-pass").unwrap()),
            "Password(***)"
        );
    }

    #[test]
    fn parsed_values_are_normalized() {
        assert_eq!(Email::parse(" A@B.co ").unwrap().as_str(), "a@b.co");
        assert_eq!(PersonName::parse(" Ada ").unwrap().as_str(), "Ada");
        assert!(Password::parse("short").is_err());
    }

    #[test]
    fn guessable_passwords_are_refused_with_a_reason() {
        for weak in [
            "password",
            "12345678",
            "aaaaaaaa",
            "password123",
            "qwertyuiop",
            "letmein123",
        ] {
            let why = Password::parse(weak).unwrap_err();
            assert!(why.starts_with("This password is too easy to guess."), "{weak}: {why}");
        }
        assert!(Password::parse("password").unwrap_err().contains("common password"));
        for strong in ["a-good-password", "correct horse", "ejento-demo-2026"] {
            assert!(Password::parse(strong).is_ok(), "{strong}");
        }
    }
}

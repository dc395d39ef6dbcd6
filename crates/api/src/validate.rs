//! Input rules shared by the dashboard (to validate before sending) and the server (to enforce).
//! Each returns the normalized value or a message a person can act on.

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const NAME_MAX_CHARS: usize = 100;

/// A trimmed, lower-case e-mail address.
pub fn email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err("Enter an e-mail address.".into());
    }
    if email.len() > 254 {
        return Err("An e-mail address has at most 254 characters.".into());
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && domain.contains('.')
                && !domain.contains('@')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if !valid {
        return Err(format!("\"{}\" is not a valid e-mail address.", raw.trim()));
    }
    Ok(email)
}

/// 8 to 128 characters (the cap bounds hashing cost), not only spaces.
pub fn password(raw: &str) -> Result<(), String> {
    let n = raw.chars().count();
    if n < PASSWORD_MIN_CHARS {
        return Err(format!("A password needs at least {PASSWORD_MIN_CHARS} characters."));
    }
    if n > PASSWORD_MAX_CHARS {
        return Err(format!("A password has at most {PASSWORD_MAX_CHARS} characters."));
    }
    if raw.trim().is_empty() {
        return Err("A password cannot be only spaces.".into());
    }
    Ok(())
}

/// A trimmed name of at most 100 characters without control characters (may be empty).
pub fn person_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(format!("A name has at most {NAME_MAX_CHARS} characters."));
    }
    if name.chars().any(char::is_control) {
        return Err("A name cannot contain control characters.".into());
    }
    Ok(name.to_string())
}

pub const RESOURCE_NAME_MAX_CHARS: usize = 100;
pub const DESCRIPTION_MAX_CHARS: usize = 2000;

/// The name of a team, project, agent…: required, at most 100 characters, no control characters.
pub fn resource_name(raw: &str, what: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(format!("Give the {what} a name."));
    }
    if name.chars().count() > RESOURCE_NAME_MAX_CHARS {
        return Err(format!(
            "A {what} name has at most {RESOURCE_NAME_MAX_CHARS} characters."
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("A {what} name cannot contain control characters."));
    }
    Ok(name.to_string())
}

/// Free text of bounded length (descriptions, prompts use their own limits).
pub fn bounded_text(raw: &str, max_chars: usize) -> Result<String, String> {
    if raw.chars().count() > max_chars {
        return Err(format!("At most {max_chars} characters."));
    }
    Ok(raw.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(email("  Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@.com",
        ] {
            assert!(email(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn passwords_need_eight_to_128_characters() {
        assert!(password("short").is_err());
        assert!(password("        ").is_err());
        assert!(password("long enough").is_ok());
        assert!(password(&"x".repeat(129)).is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(person_name("  Ada ").unwrap(), "Ada");
        assert!(person_name(&"a".repeat(101)).is_err());
        assert!(person_name("a\u{0}b").is_err());
    }

    #[test]
    fn resource_names_are_required_and_bounded() {
        assert_eq!(resource_name("  Research ", "team").unwrap(), "Research");
        assert!(resource_name(" ", "team").is_err());
        assert!(resource_name(&"x".repeat(101), "team").is_err());
        assert!(bounded_text("abc", 2).is_err());
    }
}

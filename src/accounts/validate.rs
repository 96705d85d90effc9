//! Parsing of the fields people type when they sign up or sign in: "parse, don't validate", so
//! every error names its field and says what to do.

use crate::{Error, Result};

pub const MIN_PASSWORD_CHARS: usize = 10;
const MAX_PASSWORD_CHARS: usize = 1024;
const MAX_NAME_CHARS: usize = 80;

/// A trimmed, lower-cased email address of plausible shape.
pub fn email(raw: &str) -> Result<String> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(Error::validation("email", "enter your email address"));
    }
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err(Error::validation(
            "email",
            "enter an email address like name@example.com",
        ))
    }
}

/// A display or organisation name: trimmed, 1 to 80 characters.
pub fn name(field: &'static str, raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Error::validation(field, "this field is required"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::validation(
            field,
            format!("use at most {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(name.to_owned())
}

/// A new password: at least ten characters (no composition rules, per NIST SP 800-63B).
pub fn new_password(raw: &str) -> Result<&str> {
    let chars = raw.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(Error::validation(
            "password",
            format!("use at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(Error::validation(
            "password",
            format!("use at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(email("  Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@c.de",
            "a@b@c.de",
        ] {
            let err = email(bad).unwrap_err();
            assert_eq!(err.field(), Some("email"), "{bad}");
        }
    }

    #[test]
    fn passwords_need_ten_characters() {
        assert!(new_password("123456789").is_err());
        assert!(new_password("1234567890").is_ok());
        // Characters, not bytes: nine two-byte letters are still too short.
        assert!(new_password("ééééééééé").is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("display_name", "  Ada ").unwrap(), "Ada");
        assert!(name("display_name", "   ").is_err());
        assert!(name("display_name", &"x".repeat(81)).is_err());
    }
}

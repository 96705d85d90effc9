//! Nango webhook signatures (docs/nango.md, "Webhooks"): `X-Nango-Hmac-Sha256` is the lowercase hex
//! HMAC-SHA256 of the raw body under the signing key; the legacy `X-Nango-Signature` is the hex
//! SHA-256 of `key || body`. Both are checked in constant time, on the raw bytes.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The header Nango signs with HMAC-SHA256 (the one to prefer).
pub const HMAC_HEADER: &str = "x-nango-hmac-sha256";
/// The deprecated plain-hash header, still accepted.
pub const LEGACY_HEADER: &str = "x-nango-signature";

/// `hex(HMAC_SHA256(key, body))`.
pub fn hmac_sha256_hex(key: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// `hex(SHA256(key || body))`, the legacy signature.
pub fn legacy_sha256_hex(key: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(key.as_bytes());
    hasher.update(body);
    hex::encode(hasher.finalize())
}

/// Which header proved the body authentic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    Hmac,
    Legacy,
}

/// Why a webhook was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Neither signature header came with the request.
    Missing,
    /// A header came, but it does not match the body.
    Mismatch,
}

impl Refused {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing_signature",
            Self::Mismatch => "invalid_signature",
        }
    }
}

/// Verifies a webhook body against its headers' signatures. The HMAC header wins when present:
/// a wrong HMAC is not rescued by a legacy signature.
pub fn verify(
    key: &str,
    body: &[u8],
    hmac_header: Option<&str>,
    legacy_header: Option<&str>,
) -> Result<Verified, Refused> {
    if let Some(given) = hmac_header {
        return if constant_time_eq_hex(given.trim(), &hmac_sha256_hex(key, body)) {
            Ok(Verified::Hmac)
        } else {
            Err(Refused::Mismatch)
        };
    }
    if let Some(given) = legacy_header {
        return if constant_time_eq_hex(given.trim(), &legacy_sha256_hex(key, body)) {
            Ok(Verified::Legacy)
        } else {
            Err(Refused::Mismatch)
        };
    }
    Err(Refused::Missing)
}

/// Compares two hex strings in time that depends only on their length (case-insensitive).
fn constant_time_eq_hex(given: &str, expected: &str) -> bool {
    let given = given.as_bytes();
    let expected = expected.as_bytes();
    if given.len() != expected.len() {
        return false;
    }
    given.iter().zip(expected).fold(0u8, |acc, (a, b)| {
        acc | (a.to_ascii_lowercase() ^ b.to_ascii_lowercase())
    }) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // The worked example in docs/nango.md, "Webhooks".
    const KEY: &str = "00000000-0000-4000-8000-000000000000";
    const BODY: &str = r#"{"authMode":"OAUTH2","connectionId":"3f1c1d0e-7a3b-4c1e-9d59-0c2b7d3f1a11","endUser":{"endUserId":"u_123","organizationId":"org_9","tags":{}},"environment":"dev","from":"nango","operation":"creation","provider":"github","providerConfigKey":"github","success":true,"tags":{"end_user_id":"u_123","organization_id":"org_9"},"type":"auth"}"#;
    const HMAC: &str = "f239c7ac90398f84332e8b93c84703ac7372c4060825dd37a9994cb1a52624c1";
    const LEGACY: &str = "93351af8c5f63820bfebd5c713523fbc8ca890905afda12d3a89eb007d7860c2";

    #[test]
    fn signs_the_worked_example() {
        assert_eq!(hmac_sha256_hex(KEY, BODY.as_bytes()), HMAC);
        assert_eq!(legacy_sha256_hex(KEY, BODY.as_bytes()), LEGACY);
    }

    #[test]
    fn verifies_either_header() {
        assert_eq!(
            verify(KEY, BODY.as_bytes(), Some(HMAC), None),
            Ok(Verified::Hmac)
        );
        assert_eq!(
            verify(KEY, BODY.as_bytes(), None, Some(LEGACY)),
            Ok(Verified::Legacy)
        );
        assert_eq!(
            verify(KEY, BODY.as_bytes(), Some(&HMAC.to_uppercase()), None),
            Ok(Verified::Hmac)
        );
    }

    #[test]
    fn refuses_missing_wrong_and_tampered() {
        assert_eq!(
            verify(KEY, BODY.as_bytes(), None, None),
            Err(Refused::Missing)
        );
        assert_eq!(
            verify("other-key", BODY.as_bytes(), Some(HMAC), None),
            Err(Refused::Mismatch)
        );
        let tampered = BODY.replace("creation", "override");
        assert_eq!(
            verify(KEY, tampered.as_bytes(), Some(HMAC), None),
            Err(Refused::Mismatch)
        );
        assert_eq!(
            verify(KEY, BODY.as_bytes(), Some("abc"), None),
            Err(Refused::Mismatch)
        );
        // A wrong HMAC is not rescued by a correct legacy signature.
        assert_eq!(
            verify(KEY, BODY.as_bytes(), Some(&"0".repeat(64)), Some(LEGACY)),
            Err(Refused::Mismatch)
        );
    }
}

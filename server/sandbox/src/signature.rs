//! The sandbox's own webhook signer, written from Nango's rules rather than borrowed from the
//! product, so that a mistake in Patchbay's verifier cannot hide behind the same mistake here.
//! Nango signs the exact body bytes twice: `X-Nango-Hmac-Sha256` is the lowercase hex
//! HMAC-SHA256 keyed with the webhook signing key; the legacy `X-Nango-Signature` is the
//! lowercase hex SHA-256 of the key's UTF-8 bytes followed by the body (see docs/nango.md).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The header carrying the HMAC signature.
pub const HMAC_HEADER: &str = "X-Nango-Hmac-Sha256";
/// The header carrying the deprecated plain-hash signature.
pub const LEGACY_HEADER: &str = "X-Nango-Signature";

/// Both signatures of one webhook body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signatures {
    /// `hex(HMAC_SHA256(key, body))`.
    pub hmac: String,
    /// `hex(SHA256(key || body))`.
    pub legacy: String,
}

/// Signs `body` with the webhook signing key `key`, as Nango does.
pub fn sign(key: &str, body: &[u8]) -> Signatures {
    Signatures {
        hmac: hmac_hex(key.as_bytes(), body),
        legacy: hex::encode(
            Sha256::new()
                .chain_update(key)
                .chain_update(body)
                .finalize(),
        ),
    }
}

fn hmac_hex(key: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so the error arm is unreachable; an empty signature
    // would simply fail verification at the receiver.
    match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => hex::encode(mac.chain_update(body).finalize().into_bytes()),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example Nango's documentation gives for its signature rules.
    #[test]
    fn signs_the_documented_example() {
        let body = r#"{"authMode":"OAUTH2","connectionId":"3f1c1d0e-7a3b-4c1e-9d59-0c2b7d3f1a11","endUser":{"endUserId":"u_123","organizationId":"org_9","tags":{}},"environment":"dev","from":"nango","operation":"creation","provider":"github","providerConfigKey":"github","success":true,"tags":{"end_user_id":"u_123","organization_id":"org_9"},"type":"auth"}"#;
        let signed = sign("00000000-0000-4000-8000-000000000000", body.as_bytes());
        assert_eq!(
            signed.hmac,
            "f239c7ac90398f84332e8b93c84703ac7372c4060825dd37a9994cb1a52624c1"
        );
        assert_eq!(
            signed.legacy,
            "93351af8c5f63820bfebd5c713523fbc8ca890905afda12d3a89eb007d7860c2"
        );
    }

    #[test]
    fn a_different_key_gives_different_signatures() {
        let a = sign("key-a", b"{}");
        let b = sign("key-b", b"{}");
        assert_ne!(a.hmac, b.hmac);
        assert_ne!(a.legacy, b.legacy);
        assert_eq!(a.hmac.len(), 64);
    }
}

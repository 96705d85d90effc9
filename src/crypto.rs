//! Encryption of credentials at rest (the Panora connection token, and any credential stored
//! later): XChaCha20-Poly1305 under a key derived from `PATCHBAY_SECRET` with HKDF-SHA256
//! (info `patchbay/credentials/v1`). The stored text is `v1:` + base64url(nonce ‖ ciphertext),
//! with a fresh random 24-byte nonce per seal. The associated data binds a ciphertext to its
//! row (for instance `panora_links/connection_token/<org id>`), so a value copied into another
//! organisation's row does not open. Changing `PATCHBAY_SECRET` makes stored credentials
//! unreadable: they must then be entered again.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chacha20poly1305::{
    Key, XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use hkdf::Hkdf;
use rand::RngCore;

use crate::{Error, Result};

/// The HKDF `info` of the credentials key; a new purpose gets a new string, never this one.
const KEY_INFO: &[u8] = b"patchbay/credentials/v1";
/// The prefix of the stored form; the version names the key derivation and the cipher.
const V1_PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;

/// Seals and opens stored credentials. Cheap to clone; its `Debug` shows no key material.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// The box keyed by the server secret.
    pub fn from_secret(secret: &[u8]) -> Result<Self> {
        if secret.is_empty() {
            return Err(Error::Internal(
                "the server secret is empty, so credentials cannot be encrypted".to_owned(),
            ));
        }
        let mut key = [0u8; 32];
        Hkdf::<sha2_v011::Sha256>::new(None, secret)
            .expand(KEY_INFO, &mut key)
            .map_err(|_| Error::Internal("HKDF cannot derive a 32-byte key".to_owned()))?;
        Ok(Self {
            cipher: XChaCha20Poly1305::new(&Key::from(key)),
        })
    }

    /// The stored form of `plaintext`, bound to `aad` (which must be given again to open it).
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| Error::Internal("a credential could not be encrypted".to_owned()))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{V1_PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// The plaintext of a stored form made by [`SecretBox::seal`] with the same key and `aad`.
    /// Fails (without saying more) when the text is malformed, altered, or from another row.
    pub fn open(&self, stored: &str, aad: &[u8]) -> Result<Vec<u8>> {
        let refused =
            || Error::Internal("a stored credential cannot be decrypted with this key".to_owned());
        let encoded = stored.strip_prefix(V1_PREFIX).ok_or_else(refused)?;
        let raw = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| refused())?;
        if raw.len() < NONCE_LEN {
            return Err(refused());
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| refused())?;
        self.cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad })
            .map_err(|_| refused())
    }

    /// [`SecretBox::open`] for text credentials.
    pub fn open_string(&self, stored: &str, aad: &[u8]) -> Result<String> {
        String::from_utf8(self.open(stored, aad)?)
            .map_err(|_| Error::Internal("a stored credential is not text".to_owned()))
    }

    /// True when `stored` is in a sealed form (rather than legacy plaintext).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(V1_PREFIX)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn boxed(secret: &str) -> SecretBox {
        SecretBox::from_secret(secret.as_bytes()).unwrap()
    }

    #[test]
    fn sealed_text_opens_with_the_same_key_and_aad() {
        let b = boxed("server-secret-one");
        let sealed = b.seal(b"token-123", b"org-a/panora").unwrap();
        assert!(sealed.starts_with("v1:"), "{sealed}");
        assert!(SecretBox::is_sealed(&sealed));
        assert!(!sealed.contains("token-123"));
        assert_eq!(
            b.open_string(&sealed, b"org-a/panora").unwrap(),
            "token-123"
        );
        assert_eq!(b.open(&b.seal(b"", b"").unwrap(), b"").unwrap(), b"");
    }

    #[test]
    fn another_key_or_another_row_does_not_open() {
        let sealed = boxed("server-secret-one")
            .seal(b"token-123", b"org-a/panora")
            .unwrap();
        assert!(
            boxed("server-secret-two")
                .open(&sealed, b"org-a/panora")
                .is_err()
        );
        assert!(
            boxed("server-secret-one")
                .open(&sealed, b"org-b/panora")
                .is_err()
        );
    }

    #[test]
    fn altered_or_malformed_text_does_not_open() {
        let b = boxed("server-secret-one");
        let sealed = b.seal(b"token-123", b"aad").unwrap();
        let mut raw = URL_SAFE_NO_PAD
            .decode(sealed.trim_start_matches("v1:"))
            .unwrap();
        for i in [0, NONCE_LEN, raw.len() - 1] {
            raw[i] ^= 1;
            let tampered = format!("v1:{}", URL_SAFE_NO_PAD.encode(&raw));
            assert!(b.open(&tampered, b"aad").is_err(), "byte {i}");
            raw[i] ^= 1;
        }
        for bad in ["", "v1:", "v1:!!!", "v2:abcd", "token-123", "v1:AAAA"] {
            assert!(b.open(bad, b"aad").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn two_seals_of_one_value_differ() {
        let b = boxed("server-secret-one");
        let first = b.seal(b"same", b"aad").unwrap();
        let second = b.seal(b"same", b"aad").unwrap();
        assert_ne!(first, second);
        assert_eq!(
            b.open(&first, b"aad").unwrap(),
            b.open(&second, b"aad").unwrap()
        );
    }

    #[test]
    fn an_empty_secret_is_refused_and_debug_shows_no_key() {
        assert!(SecretBox::from_secret(b"").is_err());
        assert_eq!(format!("{:?}", boxed("s")), "SecretBox(..)");
    }
}

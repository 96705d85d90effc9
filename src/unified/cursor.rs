//! `next_cursor`: an opaque token that says where the next page starts. It carries the provider
//! position and the integration it belongs to, so a cursor from one connection is refused by
//! another instead of quietly paging through the wrong data.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    /// Whose cursor it is (the provider config key, or `panora`).
    k: String,
    /// The provider's own position (an offset, an id, Panora's cursor...).
    p: String,
}

/// Wraps a provider position for `owner`.
pub fn encode(owner: &str, position: &str) -> String {
    let payload = Payload {
        k: owner.to_owned(),
        p: position.to_owned(),
    };
    // Serialising two strings cannot fail; fall back to an empty object rather than panic.
    let json = serde_json::to_vec(&payload).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// The provider position inside a cursor that `owner` issued.
pub fn decode(owner: &str, cursor: &str) -> Result<String> {
    let invalid = || {
        Error::invalid_field(
            "params.cursor",
            "params.cursor is not a cursor Patchbay gave out; pass next_cursor back unchanged",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let payload: Payload = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if payload.k != owner {
        return Err(Error::invalid_field(
            "params.cursor",
            format!(
                "params.cursor belongs to {}, not to {owner}; start again without a cursor",
                payload.k
            ),
        ));
    }
    Ok(payload.p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_ownership() {
        let cursor = encode("hubspot", "after=20");
        assert_eq!(decode("hubspot", &cursor).unwrap(), "after=20");
        assert!(
            decode("pipedrive", &cursor)
                .unwrap_err()
                .to_string()
                .contains("hubspot")
        );
        assert_eq!(
            decode("hubspot", "not a cursor").unwrap_err().field(),
            Some("params.cursor")
        );
    }
}

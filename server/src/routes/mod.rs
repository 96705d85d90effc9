//! The plain axum routes (not Leptos pages): health probes and the REST API.

pub mod api_keys;
pub mod connections;
pub mod connectors;
pub mod health;
pub mod openapi;
pub mod proxy;
pub mod unified;
pub mod webhooks;

pub use app::model::format_rfc3339 as rfc3339;

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_in_utc() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::rfc3339(1_795_305_600_123),
            "2026-11-22T00:00:00.123Z"
        );
        assert_eq!(
            super::rfc3339(1_795_349_045_007),
            "2026-11-22T12:04:05.007Z"
        );
    }
}

//! The plain axum routes (not Leptos pages): health probes and the REST API.

pub mod api_keys;
pub mod api_reference;
pub mod connections;
pub mod connectors;
pub mod health;
pub mod proxy;
pub mod unified;
pub mod webhooks;

/// Epoch milliseconds as RFC 3339 UTC (`2026-11-22T10:04:05.123Z`), the API's time format.
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let date = app::model::format_date(days * 86_400_000);
    format!(
        "{date}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_in_utc() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::rfc3339(1_795_305_600_123),
            "2026-11-22T00:00:00.123Z"
        );
    }
}

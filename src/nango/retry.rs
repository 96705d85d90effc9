//! When to try a Nango call again and how long to wait: exponential backoff with full jitter,
//! or what `Retry-After` asks for, for idempotent calls that failed transiently.

use std::time::Duration;

use rand::Rng;

/// How many times and how patiently to retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// The first backoff ceiling; doubles with every retry.
    pub base_delay: Duration,
    /// No single wait is longer than this, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based): what the server asked for, if it did,
    /// else a random duration up to `base × 2^retry` (full jitter), never above `max_delay`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(asked) = retry_after {
            return asked.min(self.max_delay);
        }
        let ceiling = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max_delay);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }
}

/// Methods whose repetition has no further effect, so they may be retried.
pub fn is_idempotent(method: &reqwest::Method) -> bool {
    matches!(
        *method,
        reqwest::Method::GET
            | reqwest::Method::HEAD
            | reqwest::Method::PUT
            | reqwest::Method::DELETE
            | reqwest::Method::OPTIONS
    )
}

/// Whether an HTTP outcome is worth another attempt, and how long the server asked to wait:
/// `Some(wait)` to retry, `None` to keep the outcome. A 429 is retried for every method (the
/// call was not processed); 5xx, timeouts and failed connections only for idempotent ones.
pub fn retry_wait(
    outcome: &reqwest::Result<reqwest::Response>,
    idempotent: bool,
) -> Option<Option<Duration>> {
    match outcome {
        Ok(r) if r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS => {
            Some(retry_after(r.headers()))
        }
        Ok(r) if r.status().is_server_error() && idempotent => Some(retry_after(r.headers())),
        Err(e) if idempotent && (e.is_timeout() || e.is_connect()) => Some(None),
        _ => None,
    }
}

/// Reads `Retry-After` given in seconds (the form Nango and most APIs use).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_stays_bounded_and_honours_retry_after() {
        let policy = RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        for retry in 0..8 {
            let ceiling = (100u64 << retry).min(1000);
            for _ in 0..50 {
                assert!(policy.delay(retry, None) <= Duration::from_millis(ceiling));
            }
        }
        assert_eq!(
            policy.delay(0, Some(Duration::from_millis(700))),
            Duration::from_millis(700)
        );
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(60))),
            Duration::from_millis(1000)
        );
    }

    #[test]
    fn only_idempotent_methods_are_retried() {
        assert!(is_idempotent(&reqwest::Method::GET));
        assert!(is_idempotent(&reqwest::Method::DELETE));
        assert!(!is_idempotent(&reqwest::Method::POST));
        assert!(!is_idempotent(&reqwest::Method::PATCH));
    }

    #[test]
    fn retry_after_in_seconds() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}

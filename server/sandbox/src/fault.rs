//! Injected faults: "the next N requests under this path fail with this status (or wait this
//! long)". The same value is what `POST /_sandbox/faults` takes as JSON and what tests build in
//! process, in the manner of wiremock: `sandbox.fault(Fault::status(429).times(1))`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A fault the sandbox applies to the next matching API requests.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Fault {
    /// Requests whose path (relative to the sandbox) starts with this fail; empty: every one.
    #[serde(default)]
    pub path_prefix: String,
    /// Only requests with this method (any method when `None`).
    #[serde(default)]
    pub method: Option<String>,
    /// The status to answer with; `None` for a delay-only fault.
    #[serde(default)]
    pub status: Option<u16>,
    /// How many requests it applies to.
    #[serde(default = "one")]
    pub count: u32,
    /// How long to wait before answering (or before passing the request on).
    #[serde(default)]
    pub delay_ms: u64,
    /// A `Retry-After` header, in seconds.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// The JSON body to answer with instead of Nango's error envelope.
    #[serde(default)]
    pub body: Option<Value>,
    /// The share of matching requests that fail (1.0, the default, fails every one).
    #[serde(default = "always")]
    pub rate: f64,
}

fn always() -> f64 {
    1.0
}

fn one() -> u32 {
    1
}

impl Fault {
    fn new(status: Option<u16>, delay: Duration) -> Self {
        Self {
            path_prefix: String::new(),
            method: None,
            status,
            count: 1,
            delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            retry_after: None,
            body: None,
            rate: always(),
        }
    }

    /// The next request answers `status` (with Nango's error envelope unless [`Fault::body`]).
    pub fn status(status: u16) -> Self {
        Self::new(Some(status), Duration::ZERO)
    }

    /// The next request is held for `delay`, then served normally.
    pub fn delay(delay: Duration) -> Self {
        Self::new(None, delay)
    }

    /// Applies to the next `count` matching requests instead of one.
    pub fn times(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// Only requests whose path starts with `prefix` (e.g. `/proxy/crm`).
    pub fn path(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = prefix.into();
        self
    }

    /// Only requests with this HTTP method.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Adds `Retry-After: <secs>` to the answer.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// Answers this JSON body instead of Nango's error envelope.
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Also waits `delay` before answering.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Fails only this share (0.0–1.0) of the matching requests.
    pub fn rate(mut self, rate: f64) -> Self {
        self.rate = rate;
        self
    }

    /// True when this fault still applies to a `method` request for `path`.
    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        self.count > 0
            && path.starts_with(&self.path_prefix)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_builder_and_the_json_form_agree() {
        let built = Fault::status(429)
            .times(2)
            .path("/proxy")
            .retry_after(3)
            .method("GET");
        let parsed: Fault = serde_json::from_value(json!({
            "path_prefix": "/proxy", "method": "GET", "status": 429, "count": 2, "retry_after": 3
        }))
        .expect("a fault");
        assert_eq!(built, parsed);
        let minimal: Fault = serde_json::from_value(json!({ "status": 500 })).expect("a fault");
        assert_eq!(minimal, Fault::status(500));
    }

    #[test]
    fn matching_needs_the_path_the_method_and_a_count_left() {
        let fault = Fault::status(500).path("/proxy/crm").method("post");
        assert!(fault.matches("POST", "/proxy/crm/v3"));
        assert!(!fault.matches("GET", "/proxy/crm/v3"));
        assert!(!fault.matches("POST", "/connections"));
        assert!(!fault.clone().times(0).matches("POST", "/proxy/crm"));
        assert!(Fault::delay(Duration::from_millis(5)).matches("GET", "/anything"));
    }
}

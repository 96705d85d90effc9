//! Sign-in and sign-up rate limits, kept in memory. Every sign-in attempt counts against the
//! client's IP; failed ones also count against the (IP, email) pair, so guessing from one place
//! cannot lock the person out everywhere else. Sign-ups count against the IP. A sliding window per
//! key; old entries are pruned as keys are touched, and the map is swept when it grows.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

use crate::{
    Error, Result,
    time::{HOUR_MS, MINUTE_MS},
};

/// Sign-in attempts (right or wrong) one IP may make per [`LOGIN_IP_WINDOW_MS`].
pub const LOGIN_MAX_PER_IP: usize = 30;
pub const LOGIN_IP_WINDOW_MS: i64 = 10 * MINUTE_MS;
/// Failed sign-ins on one email from one IP per [`LOGIN_FAILURE_WINDOW_MS`].
pub const LOGIN_MAX_FAILURES_PER_IP_EMAIL: usize = 5;
pub const LOGIN_FAILURE_WINDOW_MS: i64 = 15 * MINUTE_MS;
/// Sign-ups (that pass validation) one IP may make per [`SIGN_UP_WINDOW_MS`].
pub const SIGN_UP_MAX_PER_IP: usize = 5;
pub const SIGN_UP_WINDOW_MS: i64 = HOUR_MS;

/// A sliding-window counter per key.
#[derive(Debug)]
pub struct SlidingWindow {
    window_ms: i64,
    max: usize,
    hits: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl SlidingWindow {
    pub fn new(max: usize, window_ms: i64) -> Self {
        Self {
            window_ms,
            max,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Refuses when `key` already has `max` hits inside the window ending at `now`.
    pub fn check(&self, key: &str, now: i64) -> Result<()> {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        let Some(times) = hits.get_mut(key) else {
            return Ok(());
        };
        prune(times, now - self.window_ms);
        if times.len() >= self.max {
            let oldest = times.front().copied().unwrap_or(now);
            let wait_ms = (oldest + self.window_ms - now).max(1000);
            return Err(Error::RateLimited {
                retry_after_secs: u64::try_from(wait_ms).unwrap_or(1000).div_ceil(1000),
            });
        }
        Ok(())
    }

    /// Counts one hit for `key` at `now`.
    pub fn record(&self, key: &str, now: i64) {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > 10_000 {
            let horizon = now - self.window_ms;
            hits.retain(|_, times| {
                prune(times, horizon);
                !times.is_empty()
            });
        }
        let times = hits.entry(key.to_owned()).or_default();
        prune(times, now - self.window_ms);
        times.push_back(now);
    }

    /// Forgets `key` (after a successful sign-in, its failures no longer count).
    pub fn clear(&self, key: &str) {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        hits.remove(key);
    }
}

fn prune(times: &mut VecDeque<i64>, horizon: i64) {
    while times.front().is_some_and(|&t| t <= horizon) {
        times.pop_front();
    }
}

/// The limits that guard sign-in and sign-up.
#[derive(Debug)]
pub struct LoginLimiter {
    /// Every sign-in attempt from one IP.
    pub per_ip: SlidingWindow,
    /// Failed sign-ins on one email from one IP (keyed by [`ip_email_key`]).
    pub per_ip_email: SlidingWindow,
    /// Sign-ups from one IP.
    pub sign_ups_per_ip: SlidingWindow,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self {
            per_ip: SlidingWindow::new(LOGIN_MAX_PER_IP, LOGIN_IP_WINDOW_MS),
            per_ip_email: SlidingWindow::new(
                LOGIN_MAX_FAILURES_PER_IP_EMAIL,
                LOGIN_FAILURE_WINDOW_MS,
            ),
            sign_ups_per_ip: SlidingWindow::new(SIGN_UP_MAX_PER_IP, SIGN_UP_WINDOW_MS),
        }
    }
}

/// The key of the failed-sign-in limit: the pair, never the email alone.
pub fn ip_email_key(ip: &str, email: &str) -> String {
    format!("{ip} {email}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_and_recovers_after_the_window() {
        let w = SlidingWindow::new(2, 1000);
        w.record("k", 0);
        w.record("k", 100);
        let err = w.check("k", 200).unwrap_err();
        assert!(matches!(
            err,
            Error::RateLimited {
                retry_after_secs: 1
            }
        ));
        assert!(w.check("other", 200).is_ok());
        assert!(w.check("k", 1001).is_ok(), "the first hit left the window");
    }

    #[test]
    fn failures_are_counted_per_ip_and_email_pair() {
        let limiter = LoginLimiter::default();
        let attacker = ip_email_key("198.51.100.66", "victim@example.com");
        for t in 0..5 {
            limiter.per_ip_email.record(&attacker, t);
        }
        assert!(limiter.per_ip_email.check(&attacker, 10).is_err());
        let victim = ip_email_key("203.0.113.5", "victim@example.com");
        assert!(limiter.per_ip_email.check(&victim, 10).is_ok());
    }

    #[test]
    fn clear_forgets_a_key() {
        let w = SlidingWindow::new(1, 60_000);
        w.record("k", 0);
        assert!(w.check("k", 1).is_err());
        w.clear("k");
        assert!(w.check("k", 2).is_ok());
    }
}

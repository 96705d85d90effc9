//! Login rate limits, kept in memory: every attempt counts against the client's IP, and failed
//! attempts count against the email. A sliding window per key; old entries are pruned as keys are
//! touched, and the map is swept when it grows.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

use crate::{Error, Result, time::MINUTE_MS};

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

/// The two limits that guard sign-in.
#[derive(Debug)]
pub struct LoginLimiter {
    /// Every attempt from one IP: 30 per 10 minutes.
    pub per_ip: SlidingWindow,
    /// Failed attempts on one email: 5 per 15 minutes.
    pub per_email: SlidingWindow,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self {
            per_ip: SlidingWindow::new(30, 10 * MINUTE_MS),
            per_email: SlidingWindow::new(5, 15 * MINUTE_MS),
        }
    }
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
    fn clear_forgets_a_key() {
        let w = SlidingWindow::new(1, 60_000);
        w.record("k", 0);
        assert!(w.check("k", 1).is_err());
        w.clear("k");
        assert!(w.check("k", 2).is_ok());
    }
}

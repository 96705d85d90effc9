//! `LogThrottle`: at most one log line per interval for an event that an outsider can repeat at
//! will (a refused webhook), with the number of lines left out since the last one.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

/// Lets one line through per `every`; counts the ones it holds back.
#[derive(Debug)]
pub struct LogThrottle {
    every: Duration,
    state: Mutex<ThrottleState>,
}

#[derive(Debug)]
struct ThrottleState {
    last: Option<Instant>,
    suppressed: u64,
}

impl LogThrottle {
    pub const fn new(every: Duration) -> Self {
        Self {
            every,
            state: Mutex::new(ThrottleState {
                last: None,
                suppressed: 0,
            }),
        }
    }

    /// `Some(n)` when a line may be logged now (`n` lines were held back since the last one);
    /// `None` when this one is to be left out.
    pub fn allow(&self, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match state.last {
            Some(last) if now.saturating_duration_since(last) < self.every => {
                state.suppressed += 1;
                None
            }
            _ => {
                state.last = Some(now);
                Some(std::mem::take(&mut state.suppressed))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_interval_with_the_count_left_out() {
        let throttle = LogThrottle::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(throttle.allow(t0), Some(0));
        for s in 1..=4 {
            assert_eq!(throttle.allow(t0 + Duration::from_secs(s)), None);
        }
        assert_eq!(throttle.allow(t0 + Duration::from_secs(10)), Some(4));
        assert_eq!(throttle.allow(t0 + Duration::from_secs(11)), None);
        assert_eq!(throttle.allow(t0 + Duration::from_secs(25)), Some(1));
    }
}

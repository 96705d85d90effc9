//! What the load runs share: a fixed number of keep-alive reqwest clients sending one request
//! over and over for a while, and the latency percentiles of what came back.

use std::time::{Duration, Instant};

use reqwest::RequestBuilder;

pub struct Outcome {
    pub requests: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub latencies_us: Vec<u64>,
}

impl Outcome {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[index] as f64 / 1000.0
    }
}

/// Sends `request()` from `concurrency` keep-alive clients for `duration`.
pub async fn load(
    request: impl Fn(&reqwest::Client) -> RequestBuilder + Clone + Send + 'static,
    concurrency: usize,
    duration: Duration,
) -> Outcome {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, request) = (client.clone(), request.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            while Instant::now() < deadline {
                let t = Instant::now();
                match request(&client).send().await {
                    Ok(r) if r.status().is_success() => match r.bytes().await {
                        Ok(_) => latencies.push(t.elapsed().as_micros() as u64),
                        Err(_) => errors += 1,
                    },
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies_us = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (l, e) = worker.await.expect("worker");
        latencies_us.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    latencies_us.sort_unstable();
    Outcome {
        requests: latencies_us.len(),
        errors,
        elapsed,
        latencies_us,
    }
}

pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

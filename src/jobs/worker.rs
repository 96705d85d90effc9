//! The workers that drain the job queue inside a server: each claims a due job, runs the handler
//! registered for its kind while a heartbeat keeps the lease, then completes it or records the
//! failure with a backoff. A reaper puts back jobs whose worker died. A handler whose lease is
//! lost is cancelled (its task aborted), since the job may already run elsewhere; a handler that
//! panics fails its attempt and the worker goes on.

use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc, time::Duration};

use tokio::{sync::watch, task::JoinHandle};

use super::{ClaimedJob, claim, complete, fail, heartbeat, reap_expired};
use crate::{Db, Error, time::now_ms};

/// The future a handler returns.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = Result<(), JobFailure>> + Send + 'a>>;

/// Runs the jobs of one kind.
pub trait Handler: Send + Sync + 'static {
    /// The `kind` of the jobs it runs.
    fn kind(&self) -> &'static str;
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> JobFuture<'a>;
}

/// Why a run failed, and whether to try again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFailure {
    pub message: String,
    /// Never retry (bad credentials, a payload that cannot work).
    pub permanent: bool,
    /// The upstream's own wait (`Retry-After`), instead of the backoff.
    pub retry_after: Option<Duration>,
}

impl JobFailure {
    pub fn retry(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
            retry_after: None,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
            retry_after: None,
        }
    }
}

/// How the workers of one server behave.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// How many jobs this server runs at once (`PATCHBAY_WORKERS`).
    pub workers: usize,
    /// How long a claim holds without a heartbeat.
    pub lease: Duration,
    /// How often a running job's lease is renewed (well under `lease`).
    pub heartbeat: Duration,
    /// How long an idle worker waits before looking again.
    pub idle_poll: Duration,
    /// The first retry's delay; each later one doubles, up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Names the workers (`<instance>-<n>`) in the `locked_by` column.
    pub instance: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            workers: 2,
            lease: Duration::from_secs(60),
            heartbeat: Duration::from_secs(15),
            idle_poll: Duration::from_millis(500),
            base_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(15 * 60),
            instance: uuid::Uuid::new_v4().simple().to_string(),
        }
    }
}

/// The delay before retry number `attempt` (1 after the first failure): doubling from `base`,
/// capped at `max`, with up to a fifth taken off at random so failed jobs do not retry in step.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let doubled = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    let capped = doubled.min(max);
    let jitter = rand::random::<f64>() * 0.2;
    capped.mul_f64(1.0 - jitter)
}

/// The handlers by kind, and the workers running them.
pub struct WorkerPool {
    db: Db,
    config: WorkerConfig,
    handlers: HashMap<&'static str, Arc<dyn Handler>>,
}

impl WorkerPool {
    pub fn new(db: Db, config: WorkerConfig) -> Self {
        Self {
            db,
            config,
            handlers: HashMap::new(),
        }
    }

    pub fn handle(mut self, handler: impl Handler) -> Self {
        self.handlers.insert(handler.kind(), Arc::new(handler));
        self
    }

    /// Starts the workers and the reaper; they stop when `shutdown` turns true (a running job
    /// finishes first, or its lease runs out and another instance takes it).
    pub fn spawn(self, shutdown: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
        let pool = Arc::new(self);
        let mut tasks: Vec<JoinHandle<()>> = (0..pool.config.workers)
            .map(|n| {
                let pool = pool.clone();
                let name = format!("{}-{n}", pool.config.instance);
                tokio::spawn(pool.work(name, shutdown.clone()))
            })
            .collect();
        if pool.config.workers > 0 {
            tasks.push(tokio::spawn(pool.clone().reap(shutdown)));
        }
        tasks
    }

    async fn work(self: Arc<Self>, name: String, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            match claim(&self.db, &name, millis(self.config.lease)).await {
                Ok(Some(job)) => self.process(job).await,
                Ok(None) => idle(&mut shutdown, self.config.idle_poll).await,
                Err(err) => {
                    tracing::warn!(worker = %name, error = %err.report(), "cannot claim a job");
                    idle(&mut shutdown, self.config.idle_poll).await;
                }
            }
        }
    }

    async fn process(&self, job: ClaimedJob) {
        let Some(handler) = self.handlers.get(job.kind.as_str()).cloned() else {
            let message = format!("no handler for jobs of kind {:?}", job.kind);
            self.record(&job, Err(JobFailure::permanent(message))).await;
            return;
        };
        // The run is a task of its own: a panic in a handler fails the job instead of killing
        // this worker, and a lost lease aborts it.
        let mut run = {
            let job = job.clone();
            tokio::spawn(async move { handler.run(&job).await })
        };
        let mut beat = tokio::time::interval(self.config.heartbeat);
        beat.tick().await;
        let outcome = loop {
            tokio::select! {
                joined = &mut run => break Some(joined.unwrap_or_else(|err| {
                    Err(JobFailure::retry(format!("the job's handler stopped: {err}")))
                })),
                _ = beat.tick() => {
                    match heartbeat(&self.db, &job, millis(self.config.lease)).await {
                        Ok(()) => {}
                        Err(Error::LeaseLost { .. }) => {
                            run.abort();
                            break None;
                        }
                        Err(err) => tracing::warn!(
                            job = %job.id, error = %err.report(),
                            "cannot renew a job's lease; trying again at the next beat"
                        ),
                    }
                }
            }
        };
        match outcome {
            Some(outcome) => self.record(&job, outcome).await,
            None => {
                tracing::warn!(job = %job.id, kind = %job.kind, "lost the lease; cancelled the run")
            }
        }
    }

    async fn record(&self, job: &ClaimedJob, outcome: Result<(), JobFailure>) {
        let recorded = match outcome {
            Ok(()) => complete(&self.db, job).await,
            Err(failure) => {
                let retry_at = (!failure.permanent).then(|| {
                    let wait = failure.retry_after.unwrap_or_else(|| {
                        backoff(
                            job.attempt,
                            self.config.base_backoff,
                            self.config.max_backoff,
                        )
                    });
                    now_ms() + millis(wait)
                });
                fail(&self.db, job, &failure.message, retry_at)
                    .await
                    .map(|_| ())
            }
        };
        if let Err(err) = recorded {
            tracing::warn!(job = %job.id, error = %err.report(), "cannot record a job's outcome");
        }
    }

    async fn reap(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let every = self.config.lease / 2;
        while !*shutdown.borrow() {
            match reap_expired(&self.db).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(jobs = n, "put back jobs whose worker stopped answering"),
                Err(err) => tracing::warn!(error = %err.report(), "cannot reap expired jobs"),
            }
            idle(&mut shutdown, every).await;
        }
    }
}

/// Waits `for_` or until shutdown, whichever is first.
async fn idle(shutdown: &mut watch::Receiver<bool>, for_: Duration) {
    tokio::select! {
        _ = tokio::time::sleep(for_) => {}
        _ = shutdown.changed() => {}
    }
}

/// A duration as the whole milliseconds the queue stores.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jittered_down_only() {
        let base = Duration::from_secs(5);
        let max = Duration::from_secs(60);
        for _ in 0..50 {
            let first = backoff(1, base, max);
            assert!(first <= base && first >= base.mul_f64(0.8), "{first:?}");
            let third = backoff(3, base, max);
            assert!(
                third <= base * 4 && third >= (base * 4).mul_f64(0.8),
                "{third:?}"
            );
            let late = backoff(40, base, max);
            assert!(late <= max && late >= max.mul_f64(0.8), "{late:?}");
        }
    }
}

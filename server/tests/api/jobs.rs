//! The durable job queue (`patchbay::jobs`) on both backends: claiming, coalescing, leases and
//! the reaper, retries, and many workers on two pools sharing one queue with no job run twice.

use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use patchbay::{
    Db, Error,
    jobs::{
        self, ClaimedJob, Enqueued, JobState, NewJob,
        worker::{Handler, JobFailure, JobFuture, WorkerConfig, WorkerPool},
    },
};
use serde_json::json;
use tokio::sync::watch;

use crate::helpers::{Backend, TestApp};

const LEASE_MS: i64 = 30_000;

async fn app(backend: Backend) -> TestApp {
    TestApp::builder(backend).build().await
}

async fn a_job_is_claimed_once_then_completed(backend: Backend) {
    let app = app(backend).await;
    let db = &app.hub.db;
    assert!(jobs::claim(db, "w1", LEASE_MS).await.unwrap().is_none());
    let queued = jobs::enqueue(db, NewJob::new("sync", json!({"connection": "c1"})))
        .await
        .unwrap();
    let Enqueued::Queued(id) = queued else {
        panic!("a new job is queued: {queued:?}");
    };
    let job = jobs::claim(db, "w1", LEASE_MS)
        .await
        .unwrap()
        .expect("the job");
    assert_eq!((job.id.as_str(), job.kind.as_str()), (id.as_str(), "sync"));
    assert_eq!(job.payload, json!({"connection": "c1"}));
    assert_eq!(job.attempt, 1);
    assert!(jobs::claim(db, "w2", LEASE_MS).await.unwrap().is_none());
    jobs::heartbeat(db, &job, LEASE_MS).await.unwrap();
    jobs::complete(db, &job).await.unwrap();
    let stored = jobs::find(db, &id).await.unwrap().expect("stored");
    assert_eq!(stored.state, JobState::Done);
    assert_eq!(stored.locked_by, None);
    // Completing twice is refused: the job is no longer this worker's.
    assert!(matches!(
        jobs::complete(db, &job).await,
        Err(Error::LeaseLost { .. })
    ));
}

async fn a_future_job_waits_for_its_time(backend: Backend) {
    let app = app(backend).await;
    let db = &app.hub.db;
    let later = patchbay::time::now_ms() + 60_000;
    jobs::enqueue(db, NewJob::new("sync", json!({})).run_at(later))
        .await
        .unwrap();
    assert!(jobs::claim(db, "w1", LEASE_MS).await.unwrap().is_none());
}

async fn the_same_work_coalesces_while_it_is_live(backend: Backend) {
    let app = app(backend).await;
    let db = &app.hub.db;
    let job = || NewJob::new("sync", json!({"connection": "c1"})).dedupe_key("sync:c1:contacts");
    let first = jobs::enqueue(db, job()).await.unwrap();
    assert!(matches!(first, Enqueued::Queued(_)));
    let again = jobs::enqueue(db, job()).await.unwrap();
    assert_eq!(again, Enqueued::Coalesced(first.id().to_owned()));
    // Still coalesced while it runs.
    let claimed = jobs::claim(db, "w1", LEASE_MS)
        .await
        .unwrap()
        .expect("the job");
    let during = jobs::enqueue(db, job()).await.unwrap();
    assert_eq!(during, Enqueued::Coalesced(first.id().to_owned()));
    // Once done, the next trigger is a new job; another key never coalesces.
    jobs::complete(db, &claimed).await.unwrap();
    let after = jobs::enqueue(db, job()).await.unwrap();
    assert!(matches!(after, Enqueued::Queued(ref id) if id != first.id()));
    let other = jobs::enqueue(db, job().dedupe_key("sync:c2:contacts"))
        .await
        .unwrap();
    assert!(matches!(other, Enqueued::Queued(_)));
}

async fn an_expired_lease_is_reaped_and_the_old_worker_stops(backend: Backend) {
    let app = app(backend).await;
    let db = &app.hub.db;
    let id = jobs::enqueue(db, NewJob::new("sync", json!({})))
        .await
        .unwrap()
        .id()
        .to_owned();
    // A lease already over: the worker "crashed".
    let lost = jobs::claim(db, "crashed", -1)
        .await
        .unwrap()
        .expect("the job");
    assert_eq!(jobs::reap_expired(db).await.unwrap(), 1);
    let stored = jobs::find(db, &id).await.unwrap().expect("stored");
    assert_eq!(stored.state, JobState::Queued);
    assert!(
        stored
            .last_error
            .unwrap_or_default()
            .contains("lease expired")
    );
    let again = jobs::claim(db, "w2", LEASE_MS)
        .await
        .unwrap()
        .expect("re-queued");
    assert_eq!((again.id.as_str(), again.attempt), (id.as_str(), 2));
    // The crashed worker, back, learns at its heartbeat that it must stop.
    assert!(matches!(
        jobs::heartbeat(db, &lost, LEASE_MS).await,
        Err(Error::LeaseLost { .. })
    ));
    assert!(jobs::fail(db, &lost, "late", None).await.is_err());
    jobs::complete(db, &again).await.unwrap();
    // A live lease is never reaped.
    jobs::enqueue(db, NewJob::new("sync", json!({})))
        .await
        .unwrap();
    let _held = jobs::claim(db, "w3", LEASE_MS)
        .await
        .unwrap()
        .expect("a job");
    assert_eq!(jobs::reap_expired(db).await.unwrap(), 0);
}

async fn failures_retry_until_attempts_run_out(backend: Backend) {
    let app = app(backend).await;
    let db = &app.hub.db;
    let id = jobs::enqueue(db, NewJob::new("sync", json!({})).max_attempts(2))
        .await
        .unwrap()
        .id()
        .to_owned();
    let now = patchbay::time::now_ms();
    let first = jobs::claim(db, "w1", LEASE_MS)
        .await
        .unwrap()
        .expect("the job");
    let state = jobs::fail(db, &first, "HubSpot answered 503", Some(now))
        .await
        .unwrap();
    assert_eq!(state, JobState::Queued);
    let second = jobs::claim(db, "w1", LEASE_MS)
        .await
        .unwrap()
        .expect("retried");
    assert_eq!(second.attempt, 2);
    let state = jobs::fail(db, &second, "HubSpot answered 503", Some(now))
        .await
        .unwrap();
    assert_eq!(state, JobState::Failed);
    let stored = jobs::find(db, &id).await.unwrap().expect("stored");
    assert_eq!(stored.state, JobState::Failed);
    assert_eq!(stored.last_error.as_deref(), Some("HubSpot answered 503"));
    assert!(jobs::claim(db, "w1", LEASE_MS).await.unwrap().is_none());
}

/// Workers draining `db` until the queue is empty; each returns the ids it ran.
async fn drain(db: Db, worker: String) -> Vec<String> {
    let mut ran = Vec::new();
    while let Some(job) = jobs::claim(&db, &worker, LEASE_MS).await.expect("claim") {
        jobs::complete(&db, &job).await.expect("complete");
        ran.push(job.id);
    }
    ran
}

async fn two_pools_share_one_queue_and_run_each_job_once(backend: Backend) {
    let app = app(backend).await;
    let first = app.hub.db.clone();
    let second = app.second_pool().await;
    let mut queued = HashSet::new();
    for n in 0..200 {
        let job = jobs::enqueue(&first, NewJob::new("sync", json!({ "n": n })))
            .await
            .unwrap();
        queued.insert(job.id().to_owned());
    }
    let mut workers = Vec::new();
    for w in 0..4 {
        let pool = if w % 2 == 0 { &first } else { &second };
        workers.push(tokio::spawn(drain(pool.clone(), format!("worker-{w}"))));
    }
    let mut ran = Vec::new();
    for worker in workers {
        ran.extend(worker.await.expect("a worker"));
    }
    let distinct: HashSet<String> = ran.iter().cloned().collect();
    assert_eq!(ran.len(), 200, "every job ran exactly once");
    assert_eq!(distinct, queued);
    second.close().await;
}

/// Records every run; fails the first attempt of jobs marked `flaky`.
struct Recorder {
    runs: Arc<Mutex<Vec<String>>>,
}

impl Handler for Recorder {
    fn kind(&self) -> &'static str {
        "record"
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> JobFuture<'a> {
        Box::pin(async move {
            self.runs.lock().expect("runs").push(job.id.clone());
            if job.payload["flaky"] == json!(true) && job.attempt == 1 {
                return Err(JobFailure {
                    retry_after: Some(Duration::ZERO),
                    ..JobFailure::retry("the provider answered 503")
                });
            }
            Ok(())
        })
    }
}

/// Panics on a job's first attempt, succeeds on the next.
struct PanicsOnce;

impl Handler for PanicsOnce {
    fn kind(&self) -> &'static str {
        "panics-once"
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> JobFuture<'a> {
        Box::pin(async move {
            assert!(job.attempt > 1, "a handler bug on the first attempt");
            Ok(())
        })
    }
}

/// Never finishes; says when its run is dropped.
struct Hang {
    dropped: Arc<AtomicBool>,
}

struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Handler for Hang {
    fn kind(&self) -> &'static str {
        "hang"
    }

    fn run<'a>(&'a self, _job: &'a ClaimedJob) -> JobFuture<'a> {
        let guard = SetOnDrop(self.dropped.clone());
        Box::pin(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
            Ok(())
        })
    }
}

fn fast_config() -> WorkerConfig {
    WorkerConfig {
        workers: 3,
        lease: Duration::from_secs(10),
        heartbeat: Duration::from_millis(50),
        idle_poll: Duration::from_millis(20),
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(100),
        instance: "test".into(),
    }
}

/// Polls until `done` holds, failing the test after 20 s.
async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn unfinished(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')")
        .fetch_one(db.pool())
        .await
        .expect("count")
}

async fn stop(shutdown: watch::Sender<bool>, tasks: Vec<tokio::task::JoinHandle<()>>) {
    shutdown.send(true).expect("the workers listen");
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("a worker stops on shutdown")
            .expect("a worker ends cleanly");
    }
}

async fn workers_run_each_job_once_and_retry_failures(backend: Backend) {
    let app = app(backend).await;
    let db = app.hub.db.clone();
    let mut steady = Vec::new();
    let mut flaky = Vec::new();
    for n in 0..30 {
        let job = jobs::enqueue(&db, NewJob::new("record", json!({ "n": n })))
            .await
            .unwrap();
        steady.push(job.id().to_owned());
    }
    for n in 0..5 {
        let job = NewJob::new("record", json!({ "n": n, "flaky": true }));
        flaky.push(jobs::enqueue(&db, job).await.unwrap().id().to_owned());
    }
    let panicky = jobs::enqueue(&db, NewJob::new("panics-once", json!({})))
        .await
        .unwrap();
    let orphan = jobs::enqueue(&db, NewJob::new("unheard-of", json!({})))
        .await
        .unwrap();
    let runs = Arc::new(Mutex::new(Vec::new()));
    let (shutdown, listen) = watch::channel(false);
    let tasks = WorkerPool::new(db.clone(), fast_config())
        .handle(Recorder { runs: runs.clone() })
        .handle(PanicsOnce)
        .spawn(listen);
    eventually("every job finished", || async {
        unfinished(&db).await == 0
    })
    .await;
    stop(shutdown, tasks).await;
    let runs = runs.lock().expect("runs").clone();
    for id in &steady {
        assert_eq!(runs.iter().filter(|r| *r == id).count(), 1, "{id} ran once");
        let stored = jobs::find(&db, id).await.unwrap().expect("stored");
        assert_eq!((stored.state, stored.attempts), (JobState::Done, 1));
    }
    for id in &flaky {
        assert_eq!(
            runs.iter().filter(|r| *r == id).count(),
            2,
            "{id} was retried once"
        );
        let stored = jobs::find(&db, id).await.unwrap().expect("stored");
        assert_eq!((stored.state, stored.attempts), (JobState::Done, 2));
    }
    let panicky = jobs::find(&db, panicky.id())
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(
        (panicky.state, panicky.attempts),
        (JobState::Done, 2),
        "a panic fails one attempt; the worker lives on"
    );
    let orphan = jobs::find(&db, orphan.id()).await.unwrap().expect("stored");
    assert_eq!(orphan.state, JobState::Failed);
    assert!(orphan.last_error.unwrap_or_default().contains("no handler"));
}

async fn a_run_whose_lease_is_lost_is_cancelled(backend: Backend) {
    let app = app(backend).await;
    let db = app.hub.db.clone();
    let id = jobs::enqueue(&db, NewJob::new("hang", json!({})))
        .await
        .unwrap()
        .id()
        .to_owned();
    let dropped = Arc::new(AtomicBool::new(false));
    let (shutdown, listen) = watch::channel(false);
    let tasks = WorkerPool::new(
        db.clone(),
        WorkerConfig {
            workers: 1,
            ..fast_config()
        },
    )
    .handle(Hang {
        dropped: dropped.clone(),
    })
    .spawn(listen);
    eventually("the job is running", || async {
        jobs::find(&db, &id)
            .await
            .unwrap()
            .is_some_and(|j| j.state == JobState::Running)
    })
    .await;
    assert!(
        !dropped.load(Ordering::SeqCst),
        "heartbeats keep the run alive"
    );
    // Another instance took the job over (as the reaper and a new claim would).
    sqlx::query("UPDATE jobs SET locked_by = 'elsewhere' WHERE id = $1")
        .bind(&id)
        .execute(db.pool())
        .await
        .unwrap();
    eventually("the run is cancelled", || async {
        dropped.load(Ordering::SeqCst)
    })
    .await;
    let stored = jobs::find(&db, &id).await.unwrap().expect("stored");
    assert_eq!(
        (stored.state, stored.locked_by.as_deref()),
        (JobState::Running, Some("elsewhere"))
    );
    stop(shutdown, tasks).await;
}

crate::on_both_backends!(
    workers_run_each_job_once_and_retry_failures,
    a_run_whose_lease_is_lost_is_cancelled,
    a_job_is_claimed_once_then_completed,
    a_future_job_waits_for_its_time,
    the_same_work_coalesces_while_it_is_live,
    an_expired_lease_is_reaped_and_the_old_worker_stops,
    failures_retry_until_attempts_run_out,
    two_pools_share_one_queue_and_run_each_job_once,
);

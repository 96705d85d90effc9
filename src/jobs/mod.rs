//! The durable job queue: work that must happen even if this process dies (syncs first), kept in
//! the database so that every instance on one PostgreSQL (or the one SQLite file) shares it.
//!
//! A worker claims the oldest due job under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, an
//! immediate write transaction on SQLite, so two workers never claim one job), keeps the lease
//! alive with heartbeats while it works, and then completes or fails it. A job whose lease ran
//! out (its worker crashed or hung) is put back by [`reap_expired`] and claimed again; a worker
//! that lost its lease finds out at its next heartbeat and must stop. Jobs with the same dedupe
//! key coalesce while one of them is queued or running.

pub mod worker;

use serde_json::Value;
use sqlx::Row;

use crate::{Db, Error, Result, db::Backend, time::now_ms};

/// Where a job is in its life. Stored as the lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    fn parse(raw: &str) -> Result<Self> {
        Ok(match raw {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "done" => Self::Done,
            "failed" => Self::Failed,
            other => return Err(Error::Internal(format!("unknown job state {other:?}"))),
        })
    }
}

/// A job to put on the queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// What the job does (`sync`); the worker picks its handler by this name.
    pub kind: String,
    pub payload: Value,
    /// Jobs with the same key coalesce while one is queued or running.
    pub dedupe_key: Option<String>,
    /// Not before this time (epoch ms); `None` is now.
    pub run_at: Option<i64>,
    /// How many claims the job gets before a failure is final.
    pub max_attempts: u32,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: Value) -> Self {
        Self {
            kind: kind.into(),
            payload,
            dedupe_key: None,
            run_at: None,
            max_attempts: 5,
        }
    }

    pub fn dedupe_key(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }

    pub fn run_at(mut self, at_ms: i64) -> Self {
        self.run_at = Some(at_ms);
        self
    }

    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }
}

/// What [`enqueue`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enqueued {
    /// A new job with this id.
    Queued(String),
    /// A live job with the same dedupe key already covers it.
    Coalesced(String),
}

impl Enqueued {
    pub fn id(&self) -> &str {
        match self {
            Self::Queued(id) | Self::Coalesced(id) => id,
        }
    }
}

/// A job a worker holds the lease of.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: String,
    pub kind: String,
    pub payload: Value,
    /// This claim's number, from 1.
    pub attempt: u32,
    pub max_attempts: u32,
    /// The worker holding the lease.
    pub worker: String,
}

/// A job as stored, for history and tests.
#[derive(Debug, Clone)]
pub struct JobRecord {
    pub id: String,
    pub kind: String,
    pub state: JobState,
    pub attempts: u32,
    pub dedupe_key: Option<String>,
    pub run_at: i64,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
}

/// Puts a job on the queue, or names the live job with the same dedupe key.
pub async fn enqueue(db: &Db, job: NewJob) -> Result<Enqueued> {
    let now = now_ms();
    let payload = serde_json::to_string(&job.payload)
        .map_err(|e| Error::internal("cannot serialise a job's payload", e))?;
    // A live twin may finish between the refused insert and the lookup; then insert again.
    for _ in 0..3 {
        let id = uuid::Uuid::new_v4().to_string();
        let inserted = sqlx::query(
            "INSERT INTO jobs (id, kind, payload, dedupe_key, state, attempts, max_attempts, \
             run_at, created_at, updated_at) VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $7) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(&job.kind)
        .bind(&payload)
        .bind(job.dedupe_key.as_deref())
        .bind(i64::from(job.max_attempts))
        .bind(job.run_at.unwrap_or(now))
        .bind(now)
        .execute(db.pool())
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(Enqueued::Queued(id));
        }
        let Some(key) = job.dedupe_key.as_deref() else {
            return Err(Error::Internal("a job id was generated twice".into()));
        };
        let live: Option<String> = sqlx::query_scalar(
            "SELECT id FROM jobs WHERE dedupe_key = $1 AND state IN ('queued', 'running')",
        )
        .bind(key)
        .fetch_optional(db.pool())
        .await?;
        if let Some(live) = live {
            return Ok(Enqueued::Coalesced(live));
        }
    }
    Err(Error::Internal(
        "a job's dedupe key stayed taken by jobs that kept finishing".into(),
    ))
}

/// Claims the oldest due job for `worker`, leased for `lease_ms`; `None` when nothing is due.
pub async fn claim(db: &Db, worker: &str, lease_ms: i64) -> Result<Option<ClaimedJob>> {
    let now = now_ms();
    let lock = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET state = 'running', locked_by = $1, lease_until = $2, \
         attempts = attempts + 1, updated_at = $3 \
         WHERE state = 'queued' AND id = (SELECT id FROM jobs WHERE state = 'queued' \
         AND run_at <= $3 ORDER BY run_at, created_at, id LIMIT 1{lock}) \
         RETURNING id, kind, payload, attempts, max_attempts"
    );
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(worker)
        .bind(now + lease_ms)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let payload: String = row.try_get("payload")?;
    Ok(Some(ClaimedJob {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| Error::internal("a stored job payload is not JSON", e))?,
        attempt: count(row.try_get("attempts")?),
        max_attempts: count(row.try_get("max_attempts")?),
        worker: worker.to_owned(),
    }))
}

/// Extends the lease; `Err(LeaseLost)` when the job is no longer this worker's, which means it
/// must stop: the job was reaped and may already run elsewhere.
pub async fn heartbeat(db: &Db, job: &ClaimedJob, lease_ms: i64) -> Result<()> {
    let now = now_ms();
    let updated = sqlx::query(
        "UPDATE jobs SET lease_until = $1, updated_at = $2 \
         WHERE id = $3 AND locked_by = $4 AND state = 'running'",
    )
    .bind(now + lease_ms)
    .bind(now)
    .bind(&job.id)
    .bind(&job.worker)
    .execute(db.pool())
    .await?
    .rows_affected();
    held(updated, job)
}

/// Marks the job done. Refused when the lease was lost (another claim owns the outcome).
pub async fn complete(db: &Db, job: &ClaimedJob) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE jobs SET state = 'done', locked_by = NULL, lease_until = NULL, \
         last_error = NULL, updated_at = $1 WHERE id = $2 AND locked_by = $3 AND state = 'running'",
    )
    .bind(now_ms())
    .bind(&job.id)
    .bind(&job.worker)
    .execute(db.pool())
    .await?
    .rows_affected();
    held(updated, job)
}

/// Records a failed attempt: the job is queued again at `retry_at` while attempts remain (and
/// `retry_at` is given), and failed for good otherwise. Returns the state it is left in.
pub async fn fail(
    db: &Db,
    job: &ClaimedJob,
    error: &str,
    retry_at: Option<i64>,
) -> Result<JobState> {
    let now = now_ms();
    let (state, run_at) = match retry_at {
        Some(at) if job.attempt < job.max_attempts => (JobState::Queued, at),
        _ => (JobState::Failed, now),
    };
    let updated = sqlx::query(
        "UPDATE jobs SET state = $1, run_at = $2, last_error = $3, locked_by = NULL, \
         lease_until = NULL, updated_at = $4 WHERE id = $5 AND locked_by = $6 AND state = 'running'",
    )
    .bind(state.as_str())
    .bind(run_at)
    .bind(error)
    .bind(now)
    .bind(&job.id)
    .bind(&job.worker)
    .execute(db.pool())
    .await?
    .rows_affected();
    held(updated, job)?;
    Ok(state)
}

/// Puts back every running job whose lease has expired (failing those out of attempts); returns
/// how many it touched. Safe to run from every instance at once.
pub async fn reap_expired(db: &Db) -> Result<u64> {
    let now = now_ms();
    Ok(sqlx::query(
        "UPDATE jobs SET state = CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END, \
         last_error = 'the worker stopped answering (lease expired)', locked_by = NULL, \
         lease_until = NULL, run_at = $1, updated_at = $1 \
         WHERE state = 'running' AND lease_until < $1",
    )
    .bind(now)
    .execute(db.pool())
    .await?
    .rows_affected())
}

/// One job as stored, if it exists.
pub async fn find(db: &Db, id: &str) -> Result<Option<JobRecord>> {
    let row = sqlx::query(
        "SELECT id, kind, state, attempts, dedupe_key, run_at, locked_by, last_error \
         FROM jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let state: String = row.try_get("state")?;
    Ok(Some(JobRecord {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        state: JobState::parse(&state)?,
        attempts: count(row.try_get("attempts")?),
        dedupe_key: row.try_get("dedupe_key")?,
        run_at: row.try_get("run_at")?,
        locked_by: row.try_get("locked_by")?,
        last_error: row.try_get("last_error")?,
    }))
}

fn held(updated: u64, job: &ClaimedJob) -> Result<()> {
    if updated == 1 {
        Ok(())
    } else {
        Err(Error::LeaseLost {
            job: job.id.clone(),
        })
    }
}

fn count(stored: i64) -> u32 {
    u32::try_from(stored).unwrap_or(u32::MAX)
}

-- The durable job queue (src/jobs.rs): one row per job, claimed by workers of any instance
-- sharing this database under a lease that a reaper re-queues when it expires. A dedupe key is
-- unique among live (queued or running) jobs only, so a second trigger of the same work while
-- one is pending is coalesced, and a finished job never blocks the next.
-- Keep in step with the twin migration of the other backend.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    dedupe_key TEXT,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at BIGINT NOT NULL,
    locked_by TEXT,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_ready ON jobs (state, run_at);
CREATE UNIQUE INDEX jobs_live_dedupe ON jobs (dedupe_key)
    WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');

-- The local copy a CRM sync keeps (src/sync/store.rs): one row per provider record and model
-- of a connection, with the unified fields, the provider's JSON, a hash of its content (a record
-- only counts as updated when it changed), when the last full run saw it (deletion by
-- difference) and `deleted_at` instead of removal. The checkpoint of a run in progress is written
-- in the same transaction as the page it follows, so a killed run resumes without loss or
-- duplicates. Keep in step with the twin migration of the other backend.
CREATE TABLE sync_records (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    model TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    data TEXT NOT NULL,
    raw TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    remote_updated_at BIGINT,
    seen_at BIGINT NOT NULL,
    deleted_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (connection_id, model, remote_id)
);
CREATE INDEX sync_records_browse ON sync_records (org_id, model, updated_at);
CREATE TABLE sync_checkpoints (
    connection_id TEXT NOT NULL,
    model TEXT NOT NULL,
    run_id TEXT NOT NULL,
    cursor TEXT,
    pages BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (connection_id, model)
);

-- Webhook deduplication only within Nango's retry window (src/webhooks.rs): the body's SHA-256
-- stays on every row but is no longer unique, so a genuine later event with the same bytes is
-- stored and applied. `dedupe_key` (unique; NULL once its window has passed) is the body hash
-- of the delivery that currently claims it, so concurrent duplicates still meet a constraint.
-- SQLite cannot drop a UNIQUE constraint in place: the table is rebuilt, keeping its rows.
CREATE TABLE webhook_events_v2 (
    id                   TEXT PRIMARY KEY,
    body_sha256          TEXT NOT NULL,
    dedupe_key           TEXT UNIQUE,
    received_at          BIGINT NOT NULL,
    event_type           TEXT NOT NULL,
    operation            TEXT,
    success              BIGINT,
    provider_config_key  TEXT,
    nango_connection_id  TEXT,
    org_id               TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    signature            TEXT NOT NULL CHECK (signature IN ('hmac', 'legacy')),
    outcome              TEXT NOT NULL,
    outcome_detail       TEXT,
    payload              TEXT NOT NULL
);
INSERT INTO webhook_events_v2 (id, body_sha256, dedupe_key, received_at, event_type, operation,
    success, provider_config_key, nango_connection_id, org_id, signature, outcome,
    outcome_detail, payload)
SELECT id, body_sha256, body_sha256, received_at, event_type, operation, success,
    provider_config_key, nango_connection_id, org_id, signature, outcome, outcome_detail, payload
FROM webhook_events;
DROP TABLE webhook_events;
ALTER TABLE webhook_events_v2 RENAME TO webhook_events;
CREATE INDEX webhook_events_org_time ON webhook_events (org_id, received_at);
CREATE INDEX webhook_events_body ON webhook_events (body_sha256);

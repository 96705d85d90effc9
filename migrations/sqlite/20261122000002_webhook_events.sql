-- Webhooks received from Nango: one row per verified delivery (the raw body's SHA-256 makes a
-- redelivery recognisable), with what Patchbay did with it, for the admin's webhook log.
CREATE TABLE webhook_events (
    id                   TEXT PRIMARY KEY,
    body_sha256          TEXT NOT NULL UNIQUE,
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
CREATE INDEX webhook_events_org_time ON webhook_events (org_id, received_at);

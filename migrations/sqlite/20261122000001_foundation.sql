-- Foundation schema: organisations, accounts, sessions, invites, connections and the audit log.
-- Portable types only (TEXT, BIGINT): timestamps are epoch milliseconds, ids are UUID text,
-- JSON is text. Keep this file and its postgres twin in step.
CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE memberships (
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE login_sessions (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    active_org_id  TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX login_sessions_user ON login_sessions (user_id);

CREATE TABLE invites (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    token_hash   TEXT NOT NULL UNIQUE,
    invited_by   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    accepted_at  BIGINT,
    accepted_by  TEXT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX invites_org ON invites (org_id);

CREATE TABLE connections (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    connector_slug       TEXT NOT NULL,
    provider_config_key  TEXT NOT NULL,
    nango_connection_id  TEXT NOT NULL,
    connected_by         TEXT REFERENCES users (id) ON DELETE SET NULL,
    status               TEXT NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'syncing', 'error', 'needs_reconnect', 'disconnected')),
    status_detail        TEXT,
    auth_mode            TEXT,
    scopes               TEXT,
    account_label        TEXT,
    metadata             TEXT NOT NULL DEFAULT '{}',
    connected_at         BIGINT NOT NULL,
    last_checked_at      BIGINT,
    last_synced_at       BIGINT,
    expires_at           BIGINT,
    updated_at           BIGINT NOT NULL,
    UNIQUE (provider_config_key, nango_connection_id)
);
CREATE INDEX connections_org_connector ON connections (org_id, connector_slug);

CREATE TABLE audit_log (
    id             TEXT PRIMARY KEY,
    org_id         TEXT REFERENCES organizations (id) ON DELETE CASCADE,
    actor_user_id  TEXT REFERENCES users (id) ON DELETE SET NULL,
    action         TEXT NOT NULL,
    target         TEXT,
    detail         TEXT NOT NULL DEFAULT '{}',
    ip             TEXT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX audit_log_org_time ON audit_log (org_id, created_at);

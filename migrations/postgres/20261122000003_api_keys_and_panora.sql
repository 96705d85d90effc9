-- API keys (only an HMAC of the key is stored, with a visible prefix; the key itself is shown
-- once) and each organisation's Panora connection token, set by an admin.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    key_digest    TEXT NOT NULL UNIQUE,
    created_by    TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX api_keys_org ON api_keys (org_id, created_at);

CREATE TABLE panora_links (
    org_id            TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    connection_token  TEXT NOT NULL,
    label             TEXT,
    updated_by        TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_at        BIGINT NOT NULL
);

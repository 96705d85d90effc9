-- Webhook deduplication only within Nango's retry window (src/webhooks.rs): the body's SHA-256
-- stays on every row but is no longer unique, so a genuine later event with the same bytes is
-- stored and applied. `dedupe_key` (unique; NULL once its window has passed) is the body hash
-- of the delivery that currently claims it, so concurrent duplicates still meet a constraint.
-- Keep in step with the SQLite twin (which rebuilds the table to the same shape).
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_body_sha256_key;
ALTER TABLE webhook_events ADD COLUMN dedupe_key TEXT UNIQUE;
UPDATE webhook_events SET dedupe_key = body_sha256;
CREATE INDEX webhook_events_body ON webhook_events (body_sha256);

-- PostgreSQL twin of SQLite's 0022: a complaint change's messages are
-- queued without an idempotency key (the change's event, written once,
-- makes them unique); only keyed messages (one-time codes, test messages,
-- replies to inbound SMS) are indexed. The dispatcher and the attention
-- list get partial indexes of queued and failed messages.
ALTER TABLE messages DROP CONSTRAINT messages_idem_key_key;
ALTER TABLE messages ALTER COLUMN idem_key DROP NOT NULL;
CREATE UNIQUE INDEX messages_key ON messages (idem_key) WHERE idem_key IS NOT NULL;
DROP INDEX messages_status_next;
CREATE INDEX messages_due ON messages (next_attempt) WHERE status = 'queued';
CREATE INDEX messages_failed ON messages (audience, updated) WHERE status IN ('failed', 'undelivered', 'expired');

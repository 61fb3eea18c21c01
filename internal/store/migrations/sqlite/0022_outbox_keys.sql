-- The outbox cost registration a write to three indexes per message. Two of
-- them are not needed for most rows:
--
-- * idem_key: a message queued with a complaint change is written in the
--   same transaction as the change's event, and each event is written once,
--   so the event itself makes its messages unique; they are queued without a
--   key (NULL). Only messages outside a change (one-time codes, test
--   messages, replies to inbound SMS) carry a key, and only those are
--   indexed.
-- * (status, next_attempt): the dispatcher only looks for queued messages,
--   and the attention list only for failed ones; each gets a partial index,
--   so a delivered message leaves both and the dispatcher's index stays as
--   small as the backlog.
--
-- SQLite cannot drop a column's NOT NULL or UNIQUE: the table is rebuilt
-- with its rows, ids and keys as they are.
CREATE TABLE messages_new (
	id           INTEGER PRIMARY KEY,
	idem_key     TEXT, -- idempotency of messages outside a complaint change; NULL for a change's messages
	complaint_id INTEGER REFERENCES complaints (id),
	event        TEXT NOT NULL,
	audience     TEXT NOT NULL,
	recipient    TEXT NOT NULL,
	lang         TEXT NOT NULL,
	template_id  TEXT NOT NULL,
	text         TEXT NOT NULL,
	status       TEXT NOT NULL,
	attempts     INTEGER NOT NULL,
	next_attempt INTEGER NOT NULL,
	lease_until  INTEGER,
	gateway_ref  TEXT NOT NULL,
	last_error   TEXT NOT NULL,
	created      INTEGER NOT NULL,
	updated      INTEGER NOT NULL
);
INSERT INTO messages_new (id, idem_key, complaint_id, event, audience, recipient, lang, template_id, text, status,
	attempts, next_attempt, lease_until, gateway_ref, last_error, created, updated)
SELECT id, idem_key, complaint_id, event, audience, recipient, lang, template_id, text, status,
	attempts, next_attempt, lease_until, gateway_ref, last_error, created, updated FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE UNIQUE INDEX messages_key ON messages (idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX messages_due ON messages (next_attempt) WHERE status = 'queued';
CREATE INDEX messages_failed ON messages (audience, updated) WHERE status IN ('failed', 'undelivered', 'expired');

-- Webhooks for integrations: a subscription per URL, and one delivery per
-- event and subscription, written in the transaction of the change it
-- reports (like the SMS outbox) and sent by the webhook dispatcher.
CREATE TABLE webhooks (
	id         INTEGER PRIMARY KEY,
	url        TEXT NOT NULL,
	events     TEXT NOT NULL, -- ",complaint.registered,complaint.escalated,": matched with LIKE
	secret     TEXT NOT NULL, -- HMAC-SHA256 key, shown to the administrator once
	active     INTEGER NOT NULL,
	created    INTEGER NOT NULL,
	created_by TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
	id           INTEGER PRIMARY KEY,
	webhook_id   INTEGER NOT NULL REFERENCES webhooks (id),
	event_id     INTEGER NOT NULL REFERENCES events (id),
	event        TEXT NOT NULL,
	number       TEXT NOT NULL,
	payload      TEXT NOT NULL,
	status       TEXT NOT NULL, -- pending, delivered, failed, cancelled
	attempts     INTEGER NOT NULL,
	next_attempt INTEGER NOT NULL,
	lease_until  INTEGER,
	last_status  INTEGER NOT NULL,
	last_error   TEXT NOT NULL,
	created      INTEGER NOT NULL,
	updated      INTEGER NOT NULL,
	UNIQUE (webhook_id, event_id, event)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (created, id);

-- An action repeated with the same idempotency key by the same actor (a
-- field app resending a report queued offline, a client retrying after a
-- lost answer) is applied once: the event keeps the key, prefixed with who
-- acted, and that is unique. Events without a key (NULL) are not indexed.
ALTER TABLE events ADD COLUMN idem_key TEXT;
CREATE UNIQUE INDEX events_idem ON events (idem_key) WHERE idem_key IS NOT NULL;

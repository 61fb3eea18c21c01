-- The audit log: every change an administrator makes to the masters or the
-- accounts, written in the same transaction as the change. It is
-- append-only: the triggers refuse any UPDATE or DELETE, so that not even a
-- bug in the application (or a hand-typed statement) can rewrite history.
CREATE TABLE audit (
	id          INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	actor_id    INTEGER NOT NULL, -- user ID, 0 for the system
	actor_login TEXT NOT NULL,
	entity      TEXT NOT NULL,    -- officer, category, holiday, user, masters
	entity_key  TEXT NOT NULL,
	action      TEXT NOT NULL,    -- create, update, disable, reset_password, import
	before      TEXT NOT NULL,    -- JSON, '' when there was nothing
	after       TEXT NOT NULL     -- JSON
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_entity_at ON audit (entity, at);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit is append-only');
END;

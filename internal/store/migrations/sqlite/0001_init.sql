-- Nivaran schema, SQLite dialect.
--
-- Conventions (shared with the PostgreSQL migrations to come):
--   * times are INTEGER unix milliseconds UTC; NULL where "not set";
--   * booleans are INTEGER 0/1;
--   * an optional reference (officer, user, complaint) is NULL when absent;
--   * bilingual texts are two columns, _hi and _en;
--   * lists in masters rows (ladder levels, jurisdictions) are JSON text.
--
-- Masters tables carry no foreign keys between each other: the masters are
-- replaced as a whole and checked as a whole by ReplaceMasters. Complaints
-- keep category, area and department codes as filed (no foreign key), so
-- that a later masters change never breaks history. Officers are never
-- deleted (complaints and events reference them); they are made inactive.

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE departments (
	code     TEXT PRIMARY KEY,
	name_hi  TEXT NOT NULL,
	name_en  TEXT NOT NULL,
	levels   TEXT NOT NULL, -- JSON [{"hi":…,"en":…}], level 1 first
	position INTEGER NOT NULL
);

CREATE TABLE categories (
	code            TEXT PRIMARY KEY,
	department      TEXT NOT NULL,
	name_hi         TEXT NOT NULL,
	name_en         TEXT NOT NULL,
	resolution_days INTEGER NOT NULL,
	require_photo   INTEGER NOT NULL,
	active          INTEGER NOT NULL,
	position        INTEGER NOT NULL
);

CREATE TABLE areas (
	code     TEXT PRIMARY KEY,
	kind     TEXT NOT NULL,
	parent   TEXT NOT NULL, -- '' at the top
	name_hi  TEXT NOT NULL,
	name_en  TEXT NOT NULL,
	position INTEGER NOT NULL
);

CREATE TABLE officers (
	id             INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused
	code           TEXT NOT NULL UNIQUE,
	department     TEXT NOT NULL,
	level          INTEGER NOT NULL,
	designation_hi TEXT NOT NULL,
	designation_en TEXT NOT NULL,
	name           TEXT NOT NULL,
	mobile         TEXT NOT NULL,
	language       TEXT NOT NULL,
	jurisdiction   TEXT NOT NULL, -- JSON ["area", …]; [] = whole district
	superior       TEXT NOT NULL, -- officer code, '' at the top
	active         INTEGER NOT NULL,
	position       INTEGER NOT NULL
);

CREATE TABLE routing_rules (
	id         INTEGER PRIMARY KEY,
	category   TEXT NOT NULL,
	area       TEXT NOT NULL, -- '' = every area
	department TEXT NOT NULL,
	position   INTEGER NOT NULL
);

CREATE TABLE holidays (
	date    TEXT PRIMARY KEY, -- YYYY-MM-DD, district time
	name_hi TEXT NOT NULL,
	name_en TEXT NOT NULL
);

CREATE TABLE complaints (
	id           INTEGER PRIMARY KEY,
	number       TEXT NOT NULL UNIQUE,
	name         TEXT NOT NULL,
	mobile       TEXT NOT NULL,
	language     TEXT NOT NULL,
	channel      TEXT NOT NULL,
	category     TEXT NOT NULL,
	area         TEXT NOT NULL,
	address      TEXT NOT NULL,
	description  TEXT NOT NULL,
	lat          REAL,
	lng          REAL,
	status       TEXT NOT NULL,
	department   TEXT NOT NULL,
	assignee_id  INTEGER REFERENCES officers (id),
	level        INTEGER NOT NULL,
	due          INTEGER NOT NULL,
	duplicate_of TEXT NOT NULL,
	created      INTEGER NOT NULL,
	updated      INTEGER NOT NULL
);
CREATE INDEX complaints_mobile ON complaints (mobile);
CREATE INDEX complaints_assignee_due ON complaints (assignee_id, due);
CREATE INDEX complaints_dept_area_status ON complaints (department, area, status);
CREATE INDEX complaints_status_due ON complaints (status, due);
CREATE INDEX complaints_due ON complaints (due);
CREATE INDEX complaints_created ON complaints (created);

-- events is append-only: the history of a complaint.
CREATE TABLE events (
	id           INTEGER PRIMARY KEY,
	complaint_id INTEGER NOT NULL REFERENCES complaints (id),
	at           INTEGER NOT NULL,
	kind         TEXT NOT NULL,
	actor_id     INTEGER NOT NULL, -- user ID, 0 for citizen and system
	actor_name   TEXT NOT NULL,
	from_status  TEXT NOT NULL,
	to_status    TEXT NOT NULL,
	note         TEXT NOT NULL,
	is_public    INTEGER NOT NULL,
	note_public  INTEGER NOT NULL,
	assignee_id  INTEGER REFERENCES officers (id),
	department   TEXT NOT NULL,
	level        INTEGER NOT NULL
);
CREATE INDEX events_complaint ON events (complaint_id, id);

CREATE TABLE attachments (
	id           INTEGER PRIMARY KEY,
	complaint_id INTEGER NOT NULL REFERENCES complaints (id),
	event_id     INTEGER NOT NULL REFERENCES events (id),
	blob_key     TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL,
	lat          REAL,
	lng          REAL,
	created      INTEGER NOT NULL
);
CREATE INDEX attachments_complaint ON attachments (complaint_id, id);

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	login         TEXT NOT NULL UNIQUE, -- lower case
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	roles         TEXT NOT NULL, -- comma list
	officer_id    INTEGER REFERENCES officers (id),
	language      TEXT NOT NULL,
	disabled      INTEGER NOT NULL,
	must_change   INTEGER NOT NULL,
	failed_logins INTEGER NOT NULL,
	locked_until  INTEGER,
	created       INTEGER NOT NULL
);

CREATE TABLE sessions (
	id        TEXT PRIMARY KEY, -- hex SHA-256 of the cookie token
	user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf      TEXT NOT NULL,
	created   INTEGER NOT NULL,
	expires   INTEGER NOT NULL,
	last_seen INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires);

-- messages is the SMS outbox.
CREATE TABLE messages (
	id           INTEGER PRIMARY KEY,
	idem_key     TEXT NOT NULL UNIQUE, -- idempotency: never queued twice
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
CREATE INDEX messages_status_next ON messages (status, next_attempt);
CREATE INDEX messages_recipient ON messages (recipient, id);

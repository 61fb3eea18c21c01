-- Bearer tokens of the REST API and the administrator's Open311 API keys.
-- Only the SHA-256 of a secret is kept, so a copy of the database opens
-- nothing. A token speaks for a user account (user_id) or for a citizen's
-- mobile number proven by a one-time code (mobile): exactly one is set.
-- Portable SQL: the same statements run on PostgreSQL.
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    user_id    INTEGER REFERENCES users (id),
    mobile     TEXT,
    label      TEXT NOT NULL,
    created    BIGINT NOT NULL,
    expires    BIGINT NOT NULL,
    revoked    BIGINT,
    revoked_by TEXT NOT NULL DEFAULT '',
    CHECK ((user_id IS NULL) <> (mobile IS NULL))
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, expires);
CREATE INDEX api_tokens_mobile ON api_tokens (mobile, expires);
CREATE INDEX api_tokens_expires ON api_tokens (expires);

CREATE TABLE open311_keys (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    prefix     TEXT NOT NULL,
    created    BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    revoked    BIGINT
);

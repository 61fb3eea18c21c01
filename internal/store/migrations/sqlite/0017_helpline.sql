-- The phone helpline (issue 6): agents' phone accounts, their status
-- transitions, call records with their legs, call-back requests and the log
-- of recording playbacks. Portable SQL: times are Unix milliseconds,
-- booleans integers, lists comma-separated text.
CREATE TABLE sip_agents (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id),
    sip_user     TEXT NOT NULL UNIQUE,
    ha1          TEXT NOT NULL,
    languages    TEXT NOT NULL,
    helplines    TEXT NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER
);

CREATE TABLE agent_transitions (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    at          INTEGER NOT NULL
);
CREATE INDEX agent_transitions_user_at ON agent_transitions (user_id, at);

CREATE TABLE calls (
    id             INTEGER PRIMARY KEY,
    sip_call_id    TEXT NOT NULL,
    direction      TEXT NOT NULL,
    helpline       TEXT NOT NULL,
    did            TEXT NOT NULL,
    caller         TEXT NOT NULL,
    language       TEXT NOT NULL DEFAULT '',
    arrived        INTEGER NOT NULL,
    queued         INTEGER,
    answered       INTEGER,
    ended          INTEGER NOT NULL,
    hung_up_by     TEXT NOT NULL DEFAULT '',
    outcome        TEXT NOT NULL,
    agent_id       INTEGER REFERENCES users (id),
    recording_key  TEXT NOT NULL DEFAULT '',
    recording_sha  TEXT NOT NULL DEFAULT '',
    recording_size INTEGER NOT NULL DEFAULT 0,
    complaint      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX calls_arrived ON calls (arrived);
CREATE INDEX calls_caller ON calls (caller);

CREATE TABLE call_legs (
    call_id  INTEGER NOT NULL REFERENCES calls (id),
    seq      INTEGER NOT NULL,
    role     TEXT NOT NULL,
    party    TEXT NOT NULL,
    user_id  INTEGER,
    offered  INTEGER NOT NULL,
    answered INTEGER,
    ended    INTEGER,
    result   TEXT NOT NULL,
    PRIMARY KEY (call_id, seq)
);

CREATE TABLE callback_requests (
    id       INTEGER PRIMARY KEY,
    number   TEXT NOT NULL,
    helpline TEXT NOT NULL,
    at       INTEGER NOT NULL,
    done     INTEGER,
    done_by  INTEGER REFERENCES users (id),
    call_id  INTEGER REFERENCES calls (id)
);
CREATE INDEX callback_requests_waiting ON callback_requests (done, at);

-- Every playback of a recording: who, when, which call.
CREATE TABLE recording_plays (
    id      INTEGER PRIMARY KEY,
    call_id INTEGER NOT NULL REFERENCES calls (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    at      INTEGER NOT NULL,
    bytes   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX recording_plays_call ON recording_plays (call_id, at);
CREATE INDEX calls_recording_due ON calls (arrived) WHERE recording_key <> '';

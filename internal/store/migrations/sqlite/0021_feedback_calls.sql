-- The verification step's automatic feedback call: one row per resolution
-- claimed for a call, written in the claim's transaction (so one server
-- places it and a restart does not place it again), then the keypad answer.
CREATE TABLE feedback_calls (
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    resolved_at  INTEGER NOT NULL,
    claimed_at   INTEGER NOT NULL,
    answer       TEXT NOT NULL DEFAULT '',
    done_at      INTEGER,
    PRIMARY KEY (complaint_id, resolved_at)
);

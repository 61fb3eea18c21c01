-- SQLite's 0021: the verification step's automatic feedback call, one row
-- per resolution claimed for a call, then the keypad answer.
CREATE TABLE feedback_calls (
	complaint_id BIGINT NOT NULL REFERENCES complaints (id),
	resolved_at  BIGINT NOT NULL,
	claimed_at   BIGINT NOT NULL,
	answer       TEXT NOT NULL DEFAULT '',
	done_at      BIGINT,
	PRIMARY KEY (complaint_id, resolved_at)
);

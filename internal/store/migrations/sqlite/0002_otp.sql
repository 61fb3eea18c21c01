-- One-time codes for citizens ("my complaints"): one live code per mobile,
-- stored as a keyed hash; issue counts per window for the rate limit.
CREATE TABLE otp_codes (
    mobile       TEXT PRIMARY KEY,
    code_hash    TEXT NOT NULL,
    expires      INTEGER NOT NULL,
    tries        INTEGER NOT NULL DEFAULT 0,
    used         INTEGER NOT NULL DEFAULT 0,
    window_start INTEGER NOT NULL,
    issued       INTEGER NOT NULL
);

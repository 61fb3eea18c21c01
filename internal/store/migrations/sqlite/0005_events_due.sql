-- Honest rankings: each event records the deadline in force after it, so
-- that "resolved within the deadline" is a recorded fact rather than a
-- reconstruction. Events written before this migration keep NULL: their
-- deadline is unknown, and the scorecard does not count them as in time.
ALTER TABLE events ADD COLUMN due INTEGER;

-- The scorecard finds the complaints with events in a month by time.
CREATE INDEX events_at ON events (at);

-- The scorecard at a million complaints: each event records the area the
-- complaint had after it (as it records the department and the officer), so
-- that a complaint's history alone says which area counts it; score_days
-- holds the scorecard's counts summed by day and unit for the events up to
-- score_folded.event, which a background job moves forward. A month's
-- scorecard adds up its days and counts the events after the mark itself.
ALTER TABLE events ADD COLUMN area TEXT NOT NULL DEFAULT '';
UPDATE events SET area = (SELECT c.area FROM complaints c WHERE c.id = events.complaint_id);

CREATE TABLE score_days (
	unit        TEXT NOT NULL,    -- officer, department, area
	day         INTEGER NOT NULL, -- the district's local date as yyyymmdd
	key         TEXT NOT NULL,    -- officer ID, department code, area code
	received    INTEGER NOT NULL,
	in_time     INTEGER NOT NULL,
	resolved    INTEGER NOT NULL,
	confirmed   INTEGER NOT NULL,
	reopened    INTEGER NOT NULL,
	escalations INTEGER NOT NULL,
	overruled   INTEGER NOT NULL,
	spent_ms    INTEGER NOT NULL, -- sum of resolution times
	PRIMARY KEY (unit, day, key)
) WITHOUT ROWID;

CREATE TABLE score_folded (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	event INTEGER NOT NULL -- events up to this ID are in score_days
);
INSERT INTO score_folded (id, event) VALUES (1, 0);

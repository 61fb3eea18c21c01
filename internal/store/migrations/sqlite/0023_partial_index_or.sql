-- SQLite evaluates a partial index's WHERE for every row written to its
-- table, and it evaluates an IN list of more than two values by building a
-- temporary table, every time. Four partial indexes had such a list: every
-- filing paid for four temporary tables (two for the complaint, one for its
-- event, one for each SMS), and the dispatcher's update of a message for
-- two more. The same conditions written as equalities joined by OR cost a
-- comparison each. The queries that read through these indexes state the
-- same form (SQLite uses a partial index only for a query that states its
-- condition). PostgreSQL has no such cost and keeps its IN lists.
DROP INDEX complaints_sweep_escalate;
CREATE INDEX complaints_sweep_escalate ON complaints (due)
	WHERE (status = 'assigned' OR status = 'in_progress' OR status = 'reopened') AND on_hold = 0 AND ladder_end = 0;
DROP INDEX complaints_sweep_warn;
CREATE INDEX complaints_sweep_warn ON complaints (due)
	WHERE (status = 'assigned' OR status = 'in_progress' OR status = 'reopened') AND on_hold = 0 AND due_warned = 0;
DROP INDEX events_disposed_at;
CREATE INDEX events_disposed_at ON events (at, complaint_id, from_status)
	WHERE to_status = 'resolved' OR to_status = 'closed' OR to_status = 'rejected';
DROP INDEX messages_failed;
CREATE INDEX messages_failed ON messages (audience, updated)
	WHERE status = 'failed' OR status = 'undelivered' OR status = 'expired';

-- Deadlines that enforce themselves: escalations counted, holds that stop
-- the clock, warnings sent once, and the time of resolution for the
-- citizen's verification window.
ALTER TABLE complaints ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN on_hold INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN hold_since INTEGER;
ALTER TABLE complaints ADD COLUMN due_warned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN ladder_end INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN resolved_at INTEGER;

-- The scheduler's sweeps read only what is due, through partial indexes
-- whose conditions the sweep queries repeat word for word.
CREATE INDEX complaints_sweep_escalate ON complaints (due)
    WHERE status IN ('assigned', 'in_progress', 'reopened') AND on_hold = 0 AND ladder_end = 0;
CREATE INDEX complaints_sweep_warn ON complaints (due)
    WHERE status IN ('assigned', 'in_progress', 'reopened') AND on_hold = 0 AND due_warned = 0;
CREATE INDEX complaints_sweep_verify ON complaints (resolved_at) WHERE status = 'resolved';

-- Resolution times run from filing to the first action-taken report: the
-- complaint keeps that moment, so the report reads a range of complaints
-- instead of every report event of the period and the history before it.
ALTER TABLE complaints ADD COLUMN first_report_at INTEGER;
UPDATE complaints SET first_report_at = (SELECT MIN(at) FROM events WHERE events.complaint_id = complaints.id AND events.kind = 'report');
CREATE INDEX complaints_first_report ON complaints (first_report_at, category, created, department, area, channel)
    WHERE first_report_at IS NOT NULL;

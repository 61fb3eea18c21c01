-- Received vs disposed and resolution times read a period's disposals and
-- reports: these partial indexes hold just those events, covering what the
-- reports read from them.
CREATE INDEX events_disposed_at ON events (at, complaint_id, from_status) WHERE to_status IN ('resolved', 'closed', 'rejected');
CREATE INDEX events_report_at ON events (at, complaint_id, id) WHERE kind = 'report';

-- SMS templates edited by an administrator in the browser: each row replaces
-- the configured template (built in or NIVARAN_SMS_TEMPLATES) of its event,
-- audience and language; deleting the row restores it. The audit log keeps
-- every change with its before and after.
CREATE TABLE sms_templates (
	event      TEXT NOT NULL,
	audience   TEXT NOT NULL,
	lang       TEXT NOT NULL,
	dlt_id     TEXT NOT NULL,
	text       TEXT NOT NULL, -- as registered on DLT, with {#var#} slots
	vars       TEXT NOT NULL, -- JSON array: what fills each slot, in order
	updated    INTEGER NOT NULL,
	updated_by TEXT NOT NULL,
	PRIMARY KEY (event, audience, lang)
);

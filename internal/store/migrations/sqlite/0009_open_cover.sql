-- The live wall and the pendency figures read every open complaint's
-- status, department, filing time, deadline, hold and escalations: this
-- index holds exactly those, so the reads never touch the table.
CREATE INDEX complaints_open_cover ON complaints (status, department, created, due, on_hold, escalations);


-- The defaulters list reads the overdue open complaints of each officer,
-- and pendency every open complaint's department, officer and age: this
-- index reaches exactly those rows and holds what both show.
CREATE INDEX complaints_overdue ON complaints (status, on_hold, due, assignee_id, department, level, created);

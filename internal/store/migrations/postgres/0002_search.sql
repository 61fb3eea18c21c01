-- Full-text search of complaints (number, mobile, name, description): the
-- terms are cut by the store (search.go) and kept as they are in a tsvector.
ALTER TABLE complaints ADD COLUMN search tsvector;
CREATE INDEX complaints_search ON complaints USING gin (search);

-- Duplicates: a complaint linked to another (duplicate_of, since 0001) is
-- resolved with it; links counts a parent's duplicates, which raise it in
-- the inbox.
ALTER TABLE complaints ADD COLUMN links INTEGER NOT NULL DEFAULT 0;

-- Probable duplicates are looked for by category and time of filing.
CREATE INDEX complaints_category_created ON complaints (category, created);

-- A parent's duplicates, found when its report resolves them; few
-- complaints are duplicates, so only they are indexed (the query repeats
-- the condition).
CREATE INDEX complaints_duplicate_of ON complaints (duplicate_of) WHERE duplicate_of <> '';

-- The list in deadline order puts complaints with more duplicates first:
-- this index replaces the one on due alone, which no query orders by any
-- more.
CREATE INDEX complaints_links_due ON complaints (links DESC, due);
DROP INDEX complaints_due;

-- Full-text search of complaints (number, mobile, name, description): the
-- terms are cut by the store (search.go), so the ascii tokenizer only
-- splits at the spaces between them. rowid is the complaint's id. The
-- complaints filed before this migration are indexed at start-up.
CREATE VIRTUAL TABLE complaints_fts USING fts5(terms, tokenize = 'ascii', detail = 'none', prefix = '2 3 4');

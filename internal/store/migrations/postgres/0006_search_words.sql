-- The words of the search index (every term with a letter; numbers and
-- mobiles are all digits and stay out), so that a search can turn each
-- query word into the exact terms it begins (search.go: expandTerms):
-- GIN reads exact terms much faster than a prefix. PostgreSQL only:
-- SQLite's FTS5 has prefix indexes. Complaints indexed before this
-- migration give their words here; later ones as they are indexed.
CREATE TABLE search_words (word TEXT COLLATE "C" PRIMARY KEY);
INSERT INTO search_words (word)
SELECT DISTINCT w FROM complaints, unnest(tsvector_to_array(search)) AS w
WHERE search IS NOT NULL AND w !~ '^[0-9]+$'
ON CONFLICT DO NOTHING;

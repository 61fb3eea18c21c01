package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Full-text search of complaints: number, mobile, name and description, in
// Hindi and English, with the same results on both databases.
//
// The words are cut by Go, not by the database, so that both databases
// index the very same terms: a term is a run of letters, combining marks
// and digits. Counting the marks as part of a word is what makes Hindi
// work: the vowel signs (matras, e.g. ि ी ु), the virama that joins the
// consonants of a conjunct (क्ष, त्र, ज्ञ), the nukta, anusvara and
// chandrabindu are marks (Unicode Mn/Mc), and tokenizers that split on
// anything not a letter cut "किसान" into "क" and "सान". Terms are lower
// case; the precomposed nukta letters (क़ …, U+0958–U+095F) are written as
// the consonant plus nukta, as typed by most keyboards; the invisible
// joiners (ZWJ, ZWNJ) are dropped; Devanagari digits are written as ASCII
// digits.
//
// A query matches the complaints that have, for every query term, a term
// starting with it (so "किसान" finds "किसानों", "98765" a mobile number).
// Matches are listed newest filed first, whatever order the list asked for.
// SQLite keeps the terms in an FTS5 table (ascii tokenizer: our terms are
// already cut; it only splits at the spaces between them); PostgreSQL in a
// tsvector column made from the term list as it is (array_to_tsvector, no
// parser) with a GIN index, queried with prefix lexemes.

// maxSearchTerms is the most query terms used; more add nothing useful.
const maxSearchTerms = 8

// searchTerms cuts text into terms.
func searchTerms(text string) []string {
	var terms []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			terms = append(terms, b.String())
			b.Reset()
		}
	}
	for _, r := range text {
		switch {
		case r >= 0x0958 && r <= 0x095F: // क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़
			b.WriteRune([]rune("कखगजडढफय")[r-0x0958])
			b.WriteRune(0x093C)
		case r == 0x200C || r == 0x200D:
		case r >= '०' && r <= '९':
			b.WriteRune('0' + (r - '०'))
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return terms
}

// searchDocument is the terms of a complaint, space separated.
func searchDocument(number, mobile, name, description string) string {
	return strings.Join(searchTerms(number+" "+mobile+" "+name+" "+description), " ")
}

// digitsOnly reports whether term is all ASCII digits (a number, a
// mobile): such terms are not in PostgreSQL's search_words.
func digitsOnly(term string) bool {
	for i := 0; i < len(term); i++ {
		if term[i] < '0' || term[i] > '9' {
			return false
		}
	}
	return true
}

// searchWords are the distinct terms of doc (a searchDocument) that go in
// PostgreSQL's search_words: those that are not digits only.
func searchWords(doc string) []string {
	out := []string{}
	for _, t := range strings.Fields(doc) {
		if !digitsOnly(t) && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// maxKnownWords bounds the words a store remembers as being in
// search_words; past it, new words are sent every time (and cost an index
// probe each).
const maxKnownWords = 200000

// newWords are the words of doc (searchWords) this store does not know to
// be in search_words already; once the write that inserts them commits,
// they are known.
func (w *wtx) newWords(doc string) []string {
	s := w.s
	all := searchWords(doc)
	out := all[:0:0]
	for _, t := range all {
		if _, ok := s.knownWords.Load(t); !ok {
			out = append(out, t)
		}
	}
	if len(out) > 0 {
		w.afterCommit(func() {
			for _, t := range out {
				if s.knownCount.Load() >= maxKnownWords {
					return
				}
				if _, had := s.knownWords.LoadOrStore(t, struct{}{}); !had {
					s.knownCount.Add(1)
				}
			}
		})
	}
	return out
}

// maxExpansion is the most words a query term is turned into on
// PostgreSQL; a term that begins more stays a prefix.
const maxExpansion = 100

// expandTerms turns each query term into the words of the index that
// begin with it (PostgreSQL). GIN answers a prefix query by collecting
// every matching entry into a bitmap before it can intersect the terms
// (tens of milliseconds for two names of a million complaints), and the
// same query with the exact words (OR'd) in a few: the words come from
// search_words, which holds every indexed term that has a letter. A term
// of digits only, or one that begins more than maxExpansion words, stays
// a prefix (nil). A term that begins no word is matched exactly: no
// complaint has it, and the index says so at once.
func (s *Store) expandTerms(ctx context.Context, terms []string) ([][]string, error) {
	words := make([][]string, len(terms))
	var ask []string
	var at []int
	for i, t := range terms {
		if !digitsOnly(t) {
			ask = append(ask, t)
			at = append(at, i)
		}
	}
	if len(ask) == 0 {
		return words, nil
	}
	got := make([][]string, len(ask))
	// One round trip for all the terms. U+10FFFF sorts after every
	// character, so [t, t+U+10FFFF) is every word beginning with t (the
	// column sorts by code point: COLLATE "C").
	err := each(ctx, s.rdb, `SELECT q.i, w.word FROM unnest(CAST(? AS text[])) WITH ORDINALITY AS q(t, i)
CROSS JOIN LATERAL (SELECT word FROM search_words WHERE word >= q.t AND word < q.t || chr(1114111) ORDER BY word LIMIT ?) w`,
		func(r scanner) error {
			var i int
			var w string
			if err := r.Scan(&i, &w); err != nil {
				return err
			}
			got[i-1] = append(got[i-1], w)
			return nil
		}, ask, maxExpansion+1)
	if err != nil {
		return nil, err
	}
	for j, g := range got {
		switch {
		case len(g) == 0:
			words[at[j]] = []string{ask[j]}
		case len(g) <= maxExpansion:
			words[at[j]] = g
		}
	}
	return words, nil
}

// queryTerms are the distinct terms of a query, at most maxSearchTerms.
func queryTerms(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range searchTerms(text) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
		if len(out) == maxSearchTerms {
			break
		}
	}
	return out
}

// textSearch is how Search reads the complaints matching terms: its FROM
// clause, the condition and its argument, the order (newest filed first,
// which the index can give without sorting every match: a common word
// matches tens of thousands of complaints, and the list shows 50) and the
// condition that continues after a page's last complaint.
type textSearch struct {
	from, cond string
	arg        any
	orderBy    string
	after      string // id < ?
	// PostgreSQL cannot estimate how many complaints a prefix query
	// matches: whichever plan it picks is slow for one kind of term
	// (walking the complaints newest first reads the whole table for a
	// rare term; reading the index and sorting every match is slow for a
	// common one). So Search asks twice: first among the newest textWindow
	// complaints (window; windowAfter with a page's cursor), which fills
	// the page of a common term at once, and only if the page is not full
	// there, through the index over all complaints with orderAll (which
	// the primary key cannot give, so the index is used), for a rare term.
	window, windowAfter, orderAll string
}

// textWindow is how many of the newest complaints a text search on
// PostgreSQL reads before it turns to the full-text index.
var textWindow = 20000

// On PostgreSQL, words are the terms' expansions (expandTerms): a term
// with words is matched by any of them exactly, one without by its prefix.
func (d *dialect) textSearch(terms []string, words [][]string) textSearch {
	parts := make([]string, len(terms))
	if d.pg {
		// Terms hold only letters, marks and digits: no quote to escape.
		for i, t := range terms {
			if i < len(words) && words[i] != nil {
				parts[i] = "('" + strings.Join(words[i], "' | '") + "')"
				continue
			}
			parts[i] = "'" + t + "':*"
		}
		return textSearch{from: "complaints", cond: "search @@ CAST(? AS tsquery)", arg: strings.Join(parts, " & "),
			orderBy: "id DESC", after: "id < ?",
			window:      "(SELECT * FROM complaints ORDER BY id DESC LIMIT ?) complaints",
			windowAfter: "(SELECT * FROM complaints WHERE id < ? ORDER BY id DESC LIMIT ?) complaints",
			orderAll:    "id + 0 DESC"}
	}
	for i, t := range terms {
		parts[i] = `"` + t + `"*`
	}
	// The full-text index leads (CROSS JOIN keeps it outside) and gives its
	// rows newest first; each is checked against the other filters until
	// the page is full.
	return textSearch{from: "complaints_fts CROSS JOIN complaints ON complaints.id = complaints_fts.rowid",
		cond: "complaints_fts MATCH ?", arg: strings.Join(parts, " AND "),
		orderBy: "complaints_fts.rowid DESC", after: "complaints_fts.rowid < ?"}
}

// indexSearch indexes complaint id's words in the write's transaction.
func indexSearch(w *wtx, id int64, doc string) error {
	if w.s.d.pg {
		_, err := w.exec(`WITH words AS (INSERT INTO search_words (word) SELECT unnest(CAST(? AS text[])) ON CONFLICT DO NOTHING)
UPDATE complaints SET search = array_to_tsvector(string_to_array(?, ' ')) WHERE id = ?`, w.newWords(doc), doc, id)
		return err
	}
	_, err := w.exec("INSERT INTO complaints_fts (rowid, terms) VALUES (?, ?)", id, doc)
	return err
}

// indexBacklog indexes the complaints not yet in the search index, in
// batches: at start-up (complaints filed before the index existed, or
// copied without it) and, on SQLite, all the time: filing does not index
// (FTS5 flushes and merges its segments at every savepoint, and group
// commit gives each filing one, which cost the single writer more than the
// filing itself), the background job indexes every few seconds in one
// write, and a text search first indexes what is still missing, so that it
// finds everything filed before it.
func (s *Store) indexBacklog(ctx context.Context) error {
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	// Read what is missing inside the write, so that another process on
	// the same database (a backup, a second start) cannot index the same
	// rows at the same time.
	missing := "SELECT id, number, mobile, name, description FROM complaints WHERE id > (SELECT COALESCE(MAX(rowid), 0) FROM complaints_fts) ORDER BY id LIMIT 2000"
	if s.d.pg {
		missing = "SELECT id, number, mobile, name, description FROM complaints WHERE search IS NULL ORDER BY id LIMIT 2000"
	}
	for {
		// Most calls find nothing missing: ask a reader first, not the writer.
		var waiting int
		err := s.rdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM ("+missing+") m").Scan(&waiting)
		if err != nil {
			return fmt.Errorf("store: index search: %w", err)
		}
		if waiting == 0 {
			return nil
		}
		n := 0
		err = s.write(ctx, func(w *wtx) error {
			type row struct {
				id  int64
				doc string
			}
			var rows []row
			err := each(w.ctx, w, missing, func(r scanner) error {
				var x row
				var number, mobile, name, desc string
				if err := r.Scan(&x.id, &number, &mobile, &name, &desc); err != nil {
					return err
				}
				x.doc = searchDocument(number, mobile, name, desc)
				rows = append(rows, x)
				return nil
			})
			if err != nil {
				return err
			}
			for _, x := range rows {
				if err := indexSearch(w, x.id, x.doc); err != nil {
					return err
				}
			}
			n = len(rows)
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: index search: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

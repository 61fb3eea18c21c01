package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/store/pgtest"
)

// BenchmarkSearch measures the control room's search box over a large
// district on both databases: NIVARAN_BENCH_SEARCH_N synthetic complaints
// (default 200,000; the figure is 1,000,000), Hindi and English
// names and descriptions, then b.N searches of the kinds people type: a
// complaint number, the first five digits of a mobile, a name, a word of a
// description (Hindi or English), the beginning of a Hindi word, two words.
// Each search is one page (50, newest first) as the list shows it. It
// reports p50 and p95 latency per database.
//
//	NIVARAN_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres NIVARAN_BENCH_SEARCH_N=1000000 \
//	  go test ./internal/store -run '^$' -bench '^BenchmarkSearch$' -benchtime 400x -timeout 2h
//
// Generating a million complaints takes long: with
// NIVARAN_BENCH_SEARCH_KEEP=name the PostgreSQL database of that name is
// kept after the run and used again by the next one when it holds the
// same number of complaints (the complaints are generated from a fixed
// seed, so the searches are the same); drop it with DROP DATABASE.
// NIVARAN_BENCH_SEARCH_ONLY=postgres (or sqlite) runs one database.
func BenchmarkSearch(b *testing.B) {
	n := 200000
	if v := os.Getenv("NIVARAN_BENCH_SEARCH_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("NIVARAN_BENCH_SEARCH_N=%q: want a number ≥ 1000", v)
		}
	}
	only := os.Getenv("NIVARAN_BENCH_SEARCH_ONLY")
	var backends []struct {
		name string
		open func() *Store
	}
	if only == "" || only == "sqlite" {
		backends = append(backends, struct {
			name string
			open func() *Store
		}{"sqlite", func() *Store { return MustOpen(b, b.TempDir(), time.Now) }})
	}
	if pgtest.ServerURL() != "" && (only == "" || only == "postgres") {
		backends = append(backends, struct {
			name string
			open func() *Store
		}{"postgres", func() *Store {
			if keep := os.Getenv("NIVARAN_BENCH_SEARCH_KEEP"); keep != "" {
				return MustOpenPostgres(b, keptDatabase(b, keep), time.Now)
			}
			return MustOpenPostgres(b, pgtest.MustDatabase(b), time.Now)
		}})
	} else if pgtest.ServerURL() == "" {
		b.Log("no PostgreSQL (NIVARAN_TEST_POSTGRES): SQLite only")
	}
	for _, be := range backends {
		s := be.open()
		var have int
		if err := s.rdb.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM complaints").Scan(&have); err != nil {
			b.Fatal(err)
		}
		if have != 0 && have != n {
			b.Fatalf("the kept database holds %d complaints, not %d: drop it or name another", have, n)
		}
		t0 := time.Now()
		if have == 0 {
			mustFixture(b, s)
		}
		queries := bulkComplaints(b, s, n, have == 0)
		if s.d.pg && have == 0 {
			// The words of the search index, as filing records them.
			if _, err := s.wdb.ExecContext(context.Background(), `INSERT INTO search_words (word)
SELECT DISTINCT w FROM complaints, unnest(tsvector_to_array(search)) AS w WHERE w !~ '^[0-9]+$' ON CONFLICT DO NOTHING`); err != nil {
				b.Fatal(err)
			}
			if _, err := s.wdb.ExecContext(context.Background(), "VACUUM ANALYZE complaints"); err != nil {
				b.Fatal(err)
			}
		}
		build, made := time.Since(t0), "built"
		if have != 0 {
			made = "kept database, searches made"
		}
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			lat := make([]time.Duration, 0, b.N)
			type timed struct {
				q string
				d time.Duration
				n int
			}
			var all []timed
			found := 0
			b.ResetTimer()
			for i := range b.N {
				q := queries[i%len(queries)]
				t := time.Now()
				p, err := s.Search(ctx, grievance.SystemActor, grievance.ComplaintFilter{Text: q, Order: grievance.OrderRecent})
				lat = append(lat, time.Since(t))
				if err != nil {
					b.Fatal(err)
				}
				all = append(all, timed{q, lat[len(lat)-1], len(p.Complaints)})
				if len(p.Complaints) > 0 {
					found++
				}
			}
			b.StopTimer()
			if found == 0 {
				b.Fatal("no search found anything")
			}
			slices.Sort(lat)
			pct := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p/100*float64(len(lat))))]) / 1e6
			}
			b.ReportMetric(pct(50), "p50_ms")
			b.ReportMetric(pct(95), "p95_ms")
			b.ReportMetric(float64(n), "complaints")
			b.Logf("%s: %d complaints (%s in %v): search p50 %.1f ms, p95 %.1f ms, max %.1f ms over %d searches (%d found something)",
				be.name, n, made, build.Round(time.Second), pct(50), pct(95), float64(lat[len(lat)-1])/1e6, b.N, found)
			// The slowest searches, to see which kind makes the tail.
			slices.SortFunc(all, func(x, y timed) int { return int(y.d - x.d) })
			for _, t := range all[:min(len(all), 5)] {
				b.Logf("%s: slow: %q %.1f ms, %d found", be.name, t.q, float64(t.d)/1e6, t.n)
			}
		})
	}
}

var (
	benchFirst = []string{"राम", "सीता", "मोहन", "गीता", "श्याम", "लक्ष्मी", "कृष्ण", "प्रिया", "अनिल", "सुनीता", "विजय", "पूजा",
		"Ramesh", "Sunita", "Amit", "Neha", "Rajesh", "Kavita", "Suresh", "Anita", "Vikram", "Pooja", "Arjun", "Meena"}
	benchLast = []string{"कुमार", "देवी", "शर्मा", "वर्मा", "यादव", "सिंह", "गुप्ता", "श्रीवास्तव", "त्रिपाठी", "मिश्रा",
		"Kumar", "Devi", "Sharma", "Verma", "Yadav", "Singh", "Gupta", "Srivastava", "Tripathi", "Mishra"}
	benchWords = strings.Fields(`कूड़ा नहीं उठा सड़क टूटी गड्ढा पानी नल लीकेज बिजली खंभा तार गिरा नाली जाम बदबू मच्छर
		स्कूल अस्पताल दवा डॉक्टर किसानों खेत फ़सल क्षेत्र ट्रैक्टर मोहल्ला गली बाज़ार मंदिर मस्जिद पार्क बत्ती अंधेरा
		शिकायत कई दिनों से कोई सुनवाई अधिकारी कर्मचारी रिश्वत राशन कार्ड पेंशन विधवा वृद्धावस्था आवास शौचालय
		garbage not collected road broken pothole water pipe leakage electricity pole wire fallen drain blocked smell
		mosquito school hospital medicine doctor farmers field crop area tractor colony street market temple park light
		dark complaint days nobody listens officer staff bribe ration card pension widow housing toilet`)
)

// bulkComplaints writes n synthetic complaints straight into the tables
// (with their search terms, as File writes them), 500 to a statement, and
// returns searches to run against them.
// When insert is false the complaints are already there (a kept database):
// only the searches are made.
func bulkComplaints(b *testing.B, s *Store, n int, insert bool) []string {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var queries []string
	const batch = 500
	for done := 0; done < n; done += batch {
		k := min(batch, n-done)
		var ins, fts strings.Builder
		ins.WriteString(`INSERT INTO complaints (id, number, name, mobile, language, channel, category, area, address, description,
status, department, level, due, duplicate_of, created, updated`)
		if s.d.pg {
			ins.WriteString(", search")
		}
		ins.WriteString(") VALUES ")
		fts.WriteString("INSERT INTO complaints_fts (rowid, terms) VALUES ")
		var args, ftsArgs []any
		for i := range k {
			id := int64(done + i + 1)
			number := fmt.Sprintf("26%02d%07d", 1+r.IntN(12), id)
			mobile := fmt.Sprintf("9%09d", r.Int64N(1e9))
			name := benchFirst[r.IntN(len(benchFirst))] + " " + benchLast[r.IntN(len(benchLast))]
			words := make([]string, 6+r.IntN(10))
			for j := range words {
				words[j] = benchWords[r.IntN(len(benchWords))]
			}
			desc := strings.Join(words, " ")
			created := start + id*15000
			doc := searchDocument(number, mobile, name, desc)
			if i > 0 {
				ins.WriteString(", ")
				fts.WriteString(", ")
			}
			ins.WriteString("(?, ?, ?, ?, 'hi', 'web', 'road', 'w1', 'Gali 4', ?, 'assigned', 'pwd', 1, ?, '', ?, ?")
			args = append(args, id, number, mobile, name, desc, created+3*86400000, created, created)
			if s.d.pg {
				ins.WriteString(", array_to_tsvector(string_to_array(?, ' '))")
				args = append(args, doc)
			}
			ins.WriteString(")")
			fts.WriteString("(?, ?)")
			ftsArgs = append(ftsArgs, id, doc)
			if r.IntN(max(1, n/200)) == 0 {
				queries = append(queries, number, mobile[:5], name, words[0], words[1]+" "+words[2], prefixOf(words[3]))
			}
		}
		if !insert {
			continue
		}
		err := s.write(ctx, func(w *wtx) error {
			if _, err := w.exec(ins.String(), args...); err != nil {
				return err
			}
			if !s.d.pg {
				_, err := w.exec(fts.String(), ftsArgs...)
				return err
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	r.Shuffle(len(queries), func(i, j int) { queries[i], queries[j] = queries[j], queries[i] })
	return queries
}

// prefixOf is the first letters of a word, as someone types before the
// list answers: four characters (a mark counts as one) or the word.
func prefixOf(w string) string {
	rs := []rune(w)
	if len(rs) <= 4 {
		return w
	}
	return string(rs[:4])
}

// keptDatabase is the URL of the database called name on the test server,
// created (code-point collation) if it does not exist, and not dropped.
func keptDatabase(b *testing.B, name string) string {
	b.Helper()
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			b.Fatalf("NIVARAN_BENCH_SEARCH_KEEP=%q: lower-case letters, digits and _ only", name)
		}
	}
	server := pgtest.ServerURL()
	admin, err := sql.Open("pgx", server)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	ctx := context.Background()
	var exists bool
	if err := admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	if !exists {
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"); err != nil {
			b.Fatal(err)
		}
	}
	u, err := url.Parse(server)
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Package store implements the services of package grievance on SQLite.
//
// A Store is one database file opened twice: one writer connection and a
// pool of read-only connections. Every write goes through one goroutine
// that groups whatever writes are pending into one transaction (group
// commit): each write runs in its own savepoint, so one failing write does
// not affect the others, and the batch costs one fsync. With
// synchronous=FULL a write is on stable storage when its method returns.
//
// Reads run on the reader pool and see every write that has returned.
// Masters are cached in memory and replaced atomically by ReplaceMasters.
//
// Times are stored as unix milliseconds UTC and returned in UTC.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the district time zone works on machines without zoneinfo

	_ "modernc.org/sqlite" // driver "sqlite"

	"nivaran/internal/grievance"
)

// Options configure a Store.
type Options struct {
	// Path is the SQLite database file; it is created if missing.
	Path string
	// DatabaseURL, when set (postgres://…), opens PostgreSQL instead of
	// SQLite at Path: see postgres.go.
	DatabaseURL string
	// MaxConns is PostgreSQL's pool size. Default 16.
	MaxConns int
	// MaxPending bounds the writes waiting for or in the writer's
	// transaction; more are refused at once with EUnavailable. Default
	// DefaultMaxPending.
	MaxPending int
	// WriteWait is how long a write waits for the writer before it gives
	// up with EUnavailable. Default DefaultWriteWait.
	WriteWait time.Duration
	// Now is the store's clock: every time the store writes comes from it.
	// Default time.Now.
	Now func() time.Time
	// Blobs keeps the photos of complaints and reports. Required to file or
	// act with photos.
	Blobs grievance.BlobStore
	// Messenger plans the outbox messages of a change; nil queues none.
	Messenger grievance.Messenger
	// Location is the district's time zone for the business calendar.
	// Default Asia/Kolkata.
	Location *time.Location
	// MaxBatch is the most writes committed in one transaction. Default 256.
	MaxBatch int
	// LevelDays is the working days each level above the first gets when a
	// complaint escalates or the citizen rejects its resolution. Default 3.
	LevelDays int
	// SaturdaysOff are the Saturdays of a month that are holidays (e.g.
	// [2] or [2 4]); WorkStart and WorkEnd the office hours (default 10:00
	// to 18:00), for ladders counted in hours.
	SaturdaysOff       []int
	WorkStart, WorkEnd time.Duration
	// Bulk trades durability for speed: synchronous=OFF, for generating
	// demonstration data only, never for a server.
	Bulk bool
	// Publish, when set, is told of every committed change to a complaint,
	// after the commit, from the writer goroutine: it must not block.
	Publish func(grievance.Change)
	// SMSTemplatesChanged, when set, is given the stored SMS template edits
	// when another server (or this one) changes them, and whenever the
	// listener (re)connects: with several servers on PostgreSQL an edit is
	// in force on all of them without a restart. Never called on SQLite.
	SMSTemplatesChanged func([]grievance.SMSTemplateEdit)
	// ProofDistance is how far, in metres, the location of an action-taken
	// report's photo may be from the complaint's location, for categories
	// that require proof. Default 500.
	ProofDistance float64
	// DuplicateWindow and DuplicateDistance are when two complaints of a
	// category are offered as probable duplicates: filed within the window
	// (default 7 days) of each other, and within the distance (metres,
	// default 200) or from the same mobile number.
	DuplicateWindow   time.Duration
	DuplicateDistance float64
	// ScoreFoldEvery is how often the scorecard's daily sums take in the
	// newest events (see FoldScores). Default 5 s; negative: never (tests
	// that fold by hand). Never in Bulk mode.
	ScoreFoldEvery time.Duration
}

// Store is the SQLite implementation of the grievance services.
type Store struct {
	d             *dialect
	wdb           *db     // SQLite: one connection, the writer goroutine's; PostgreSQL: the pool
	dsnBase       string  // the database file
	rdb           *db     // SQLite: read-only pool; PostgreSQL: the pool
	cdb           *sql.DB // the checkpointer's connection (SQLite)
	pgURL         string  // PostgreSQL: the database's address
	cpStopped     chan struct{}
	foldStopped   chan struct{}
	activeHooks   atomic.Int64       // SQLite: the active webhooks, so a change without any queues no delivery
	indexMu       sync.Mutex         // one indexBacklog at a time
	listenStopped chan struct{}      // PostgreSQL: the listener has ended
	stopListen    context.CancelFunc // PostgreSQL: ends the listener
	now           func() time.Time
	loc           *time.Location
	blob          grievance.BlobStore
	msgr          grievance.Messenger
	max           int
	levelDays     int
	proofDistance float64
	publish       func(grievance.Change)
	smsChanged    func([]grievance.SMSTemplateEdit)
	saturdaysOff  []int
	workStart     time.Duration
	workEnd       time.Duration
	dupWindow     time.Duration
	dupDistance   float64

	masters atomic.Pointer[mastersState]
	// mastersMu orders PostgreSQL's reloads of the masters: each load and
	// install happens under it, so an older load never replaces a newer
	// one (the listener's reload racing an admin change's own).
	mastersMu sync.Mutex

	ops       chan *op
	pending   chan struct{} // a token per write waiting for or in the writer
	writeWait time.Duration
	quit      chan struct{}
	stopped   chan struct{}
	wstmts    map[string]*sql.Stmt // SQLite: statements prepared on the writer's connection; the writer goroutine's only
	close     sync.Once

	commits atomic.Int64 // transactions committed by the writer (for tests)
	written atomic.Int64 // writes committed (for tests)
	busy    atomic.Int64 // ns the SQLite writer spent running batches (WriterBusy)
	retries atomic.Int64 // PostgreSQL: writes tried again after a conflict
	// liveSeen is the newest event ID the PostgreSQL listener has heard
	// (or found at its start): a replay after a reconnection starts there.
	liveSeen atomic.Int64
	// knownWords are words known to be in PostgreSQL's search_words (put
	// there by a committed write), so that a filing sends only new ones.
	knownWords sync.Map
	knownCount atomic.Int64
}

// mastersState is the cached masters with the calendar derived from them.
type mastersState struct {
	m   *grievance.Masters
	cal *grievance.Calendar
}

// The services a Store provides.
var (
	_ grievance.ComplaintService = (*Store)(nil)
	_ grievance.MastersService   = (*Store)(nil)
	_ grievance.UserService      = (*Store)(nil)
	_ grievance.SessionService   = (*Store)(nil)
	_ grievance.OutboxService    = (*Store)(nil)
)

// errClosed is returned by writes after Close.
var errClosed = grievance.Errorf(grievance.EUnavailable, "error.unavailable")

// Open opens (creating if needed) the database at o.Path, applies pending
// migrations, loads the masters and starts the writer.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.DatabaseURL != "" {
		return openPostgres(ctx, o)
	}
	if o.Path == "" {
		return nil, errors.New("store: open: empty database path")
	}
	if strings.ContainsAny(o.Path, "?#") {
		// The driver reads everything after '?' as connection parameters.
		return nil, fmt.Errorf("store: open: database path %q must not contain '?' or '#'", o.Path)
	}
	s := newStore(o)
	if err := s.defaults(); err != nil {
		return nil, err
	}
	s.d = sqliteDialect
	s.dsnBase = o.Path
	w := s.connParams(false)
	w.Add("_pragma", "journal_mode(WAL)")
	if o.Bulk {
		w.Add("_pragma", "synchronous(OFF)")
	} else {
		w.Add("_pragma", "synchronous(FULL)") // acknowledged means durable, even on power loss
	}
	// Checkpoints (copying the WAL back into the database, with an fsync)
	// run mostly in their own goroutine and connection, not in the writer's
	// commits: the writer is the one thing every filing waits for. The
	// writer still checkpoints past 8,192 pages, finding most of the work
	// done; its checkpoint, right after its own commit, is the moment when
	// the whole WAL is copied back and the next write can start the WAL
	// afresh (a background checkpoint under constant writing never catches
	// the last frame, and the WAL would grow without end).
	w.Add("_pragma", "wal_autocheckpoint(8192)")
	// The writer touches the newest pages of every table and index, and
	// the random places that random complaint numbers and search terms
	// fall in: 64 MB of page cache (SQLite's default is 2 MB) keeps them
	// in memory instead of re-reading them through the VFS on every batch.
	w.Add("_pragma", "cache_size(-65536)")
	w.Set("_txlock", "immediate")
	sw, err := sql.Open("sqlite", o.Path+"?"+w.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	wdb := &db{DB: sw, d: s.d}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	s.wdb = wdb
	if err := s.migrate(ctx); err != nil {
		wdb.Close()
		return nil, err
	}

	sr, err := sql.Open("sqlite", o.Path+"?"+s.connParams(true).Encode())
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	rdb := &db{DB: sr, d: s.d, cache: &stmtCache{stmts: map[string]*sql.Stmt{}}}
	n := 2 * runtime.GOMAXPROCS(0)
	if n < 4 {
		n = 4
	}
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	s.rdb = rdb

	m, err := loadMasters(ctx, wdb)
	if err != nil {
		wdb.Close()
		rdb.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	s.setMasters(m)
	cdb, err := sql.Open("sqlite", o.Path+"?"+s.connParams(false).Encode())
	if err != nil {
		wdb.Close()
		rdb.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	cdb.SetMaxOpenConns(1)
	s.cdb = cdb
	go s.writer()
	go s.checkpointer()
	if every := o.ScoreFoldEvery; every >= 0 && !o.Bulk {
		if every == 0 {
			every = 5 * time.Second
		}
		go s.scoreFolder(every)
	} else {
		close(s.foldStopped)
	}
	if err := s.indexBacklog(ctx); err != nil {
		s.Close()
		return nil, err
	}
	var hooks int64
	if err := s.rdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM webhooks WHERE active = 1").Scan(&hooks); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	s.activeHooks.Store(hooks)
	return s, nil
}

// newStore is a Store with o's settings and no database yet.
func newStore(o Options) *Store {
	return &Store{
		now: o.Now, loc: o.Location, blob: o.Blobs, msgr: o.Messenger, max: o.MaxBatch, levelDays: o.LevelDays, proofDistance: o.ProofDistance, publish: o.Publish,
		smsChanged:   o.SMSTemplatesChanged,
		saturdaysOff: o.SaturdaysOff, workStart: o.WorkStart, workEnd: o.WorkEnd,
		dupWindow: o.DuplicateWindow, dupDistance: o.DuplicateDistance,
		ops: make(chan *op), wstmts: map[string]*sql.Stmt{}, quit: make(chan struct{}), stopped: make(chan struct{}), cpStopped: make(chan struct{}), foldStopped: make(chan struct{}),
		pending: make(chan struct{}, cmp.Or(max(o.MaxPending, 0), DefaultMaxPending)), writeWait: cmp.Or(max(o.WriteWait, 0), DefaultWriteWait),
	}
}

// defaults fills in the settings o left zero.
func (s *Store) defaults() error {
	if s.now == nil {
		s.now = time.Now
	}
	if s.loc == nil {
		loc, err := time.LoadLocation("Asia/Kolkata")
		if err != nil {
			return fmt.Errorf("store: open: %w", err)
		}
		s.loc = loc
	}
	if s.max <= 0 {
		s.max = 256
	}
	if s.levelDays <= 0 {
		s.levelDays = 3
	}
	if s.proofDistance <= 0 {
		s.proofDistance = 500
	}
	return nil
}

// checkpoint copies the WAL back into the database without blocking.
func (s *Store) checkpoint() {
	if _, err := s.cdb.Exec("PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		slog.Warn("store: checkpoint", "err", err)
	}
}

// checkpointer copies the WAL back into the database twice a second when
// there were writes (PASSIVE: it never blocks the writer or readers), so
// the WAL stays small without the writer doing it inside a commit.
func (s *Store) checkpointer() {
	defer close(s.cpStopped)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	last := s.written.Load()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		if n := s.written.Load(); n != last {
			last = n
			s.checkpoint()
		}
	}
}

// connParams are the connection parameters every connection shares;
// queryOnly makes the connection refuse writes.
func (s *Store) connParams(queryOnly bool) url.Values {
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	v.Add("_pragma", "foreign_keys(1)")
	// Keep temporary files, and the savepoint journal that group commit's
	// per-write savepoints need, in memory: on disk they cost a write per
	// savepoint for data that never has to survive a crash.
	v.Add("_pragma", "temp_store(2)")
	if queryOnly {
		v.Add("_pragma", "query_only(1)")
	}
	return v
}

// Close stops the writer after the writes it has taken, then closes the
// database. Writes called after Close return EUnavailable.
func (s *Store) Close() error {
	var err error
	s.close.Do(func() {
		close(s.quit)
		<-s.foldStopped
		if s.d.pg {
			err = s.closePostgres()
		} else {
			<-s.stopped
			<-s.cpStopped
			for _, st := range s.wstmts {
				err = errors.Join(err, st.Close())
			}
			err = errors.Join(err, s.cdb.Close(), s.rdb.Close(), s.wdb.Close())
		}
		if err != nil {
			err = fmt.Errorf("store: close: %w", err)
		}
	})
	return err
}

// Ready reports whether the database answers a query.
func (s *Store) Ready(ctx context.Context) error {
	var one int
	if err := s.rdb.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ready: %w", unavailable(err))
	}
	select {
	case <-s.quit:
		return fmt.Errorf("store: ready: %w", errClosed)
	default:
	}
	return nil
}

// Retries is how many times, since Open, a write on PostgreSQL was tried
// again after a serialization failure or deadlock (for benchmarks).
func (s *Store) Retries() int64 { return s.retries.Load() }

// Backup writes a consistent copy of the database to path (VACUUM INTO),
// without stopping writes: the copy is a read transaction, so writers go on
// in the WAL meanwhile. path must not exist.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.d.pg {
		return errors.New("store: backup: PostgreSQL is backed up with its own tools (pg_dump), see the README")
	}
	// The reader pool is query_only, which refuses VACUUM INTO even though
	// it writes only the new file: use a connection of its own.
	db, err := sql.Open("sqlite", s.dsnBase+"?"+s.connParams(false).Encode())
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}

// IntegrityCheck runs SQLite's integrity check; an error describes the
// first problem found.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	if s.d.pg {
		return nil // PostgreSQL checks its pages itself (data checksums)
	}
	// Not on the reader pool: FTS5's part of the check reports a false
	// checksum mismatch on a query_only connection.
	rows, err := s.cdb.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	defer rows.Close()
	var res []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("store: integrity check: %w", err)
		}
		res = append(res, line)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	if len(res) != 1 || res[0] != "ok" {
		return fmt.Errorf("store: integrity check: %s", strings.Join(res, "; "))
	}
	return nil
}

// clock returns the store's time, cut to the precision stored (ms) so that
// what a method returns equals what a later read returns.
func (s *Store) clock() time.Time {
	return s.now().Truncate(time.Millisecond).UTC()
}

func (s *Store) state() *mastersState { return s.masters.Load() }

func (s *Store) setMasters(m *grievance.Masters) {
	m.Index()
	cal := grievance.NewCalendar(s.loc, m.Holidays)
	cal.SaturdaysOff = s.saturdaysOff
	if s.workStart < s.workEnd {
		cal.WorkStart, cal.WorkEnd = s.workStart, s.workEnd
	}
	s.masters.Store(&mastersState{m: m, cal: cal})
}

// mastersLoaded, when set by a test, runs between a reload's load and its
// install: a slow reload that must still not install older masters.
var mastersLoaded func()

// reloadMasters loads the masters as committed now and installs them. If
// the load fails, fallback (when not nil) is installed instead.
func (s *Store) reloadMasters(ctx context.Context, fallback *grievance.Masters) error {
	s.mastersMu.Lock()
	defer s.mastersMu.Unlock()
	m, err := loadMasters(ctx, s.rdb)
	if mastersLoaded != nil {
		mastersLoaded()
	}
	if err != nil {
		if fallback != nil {
			s.setMasters(fallback)
		}
		return err
	}
	s.setMasters(m)
	return nil
}

// ---- group commit ----

// op is one write waiting for the writer.
type op struct {
	ctx  context.Context
	fn   func(*wtx) error
	done chan error
}

// write runs fn in the writer's next transaction and returns when that
// transaction has committed (nil) or failed. fn runs inside its own
// savepoint: if it returns an error its changes are rolled back and the other
// writes of the batch still commit. If ctx is done before fn starts, fn does
// not run and write returns ctx.Err(). Once fn has started, write waits for
// the commit, so that its answer is always the truth about the database.
func (s *Store) write(ctx context.Context, fn func(*wtx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.d.pg {
		return s.writePG(ctx, fn)
	}
	// A bounded queue: past MaxPending writes waiting or in the writer's
	// transaction, refuse at once; a write the writer has not taken
	// within WriteWait gives up. Either way the caller hears EUnavailable
	// quickly instead of piling up behind a slow or locked disk.
	select {
	case s.pending <- struct{}{}:
	default:
		return errBusy
	}
	defer func() { <-s.pending }()
	wait := time.NewTimer(s.writeWait)
	defer wait.Stop()
	o := &op{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.ops <- o:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.quit:
		return errClosed
	case <-wait.C:
		return errBusy
	}
	return unavailable(<-o.done)
}

// WriterBusy is the time SQLite's single writer has spent running batches
// of writes since Open, commits included: every filing waits for it, so
// its share of the wall clock is how close the store is to its ceiling,
// and its growth per write is what a write costs the store. Zero on
// PostgreSQL, which has no single writer.
func (s *Store) WriterBusy() time.Duration { return time.Duration(s.busy.Load()) }

// writer takes the first pending write, then every other write already
// pending (up to MaxBatch) without waiting, and commits them together.
// The channel is unbuffered: a write is either taken by the writer (and
// answered) or refused, never stranded at Close.
func (s *Store) writer() {
	defer close(s.stopped)
	batch := make([]*op, 0, s.max)
	for {
		select {
		case o := <-s.ops:
			batch = append(batch[:0], o)
		drain:
			for len(batch) < s.max {
				select {
				case o := <-s.ops:
					batch = append(batch, o)
				default:
					break drain
				}
			}
			s.runBatch(batch)
			clear(batch)
		case <-s.quit:
			return
		}
	}
}

// runBatch runs ops in one transaction, each in a savepoint, and answers
// each op. If the transaction cannot begin or commit, every op gets the error.
func (s *Store) runBatch(batch []*op) {
	defer func(start time.Time) { s.busy.Add(int64(time.Since(start))) }(time.Now())
	live := make([]*op, 0, len(batch))
	for _, o := range batch {
		if err := o.ctx.Err(); err != nil {
			o.done <- err
			continue
		}
		live = append(live, o)
	}
	if len(live) == 0 {
		return
	}
	ctx := context.Background() // one caller's cancellation must not abort the others' batch
	failAll := func(err error) {
		for _, o := range live {
			o.done <- err
		}
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		failAll(fmt.Errorf("begin: %w", err))
		return
	}
	w := &wtx{ctx: ctx, tx: tx.Tx, s: s, stmts: map[string]*sql.Stmt{}}
	defer s.keepStmts(w)
	results := make([]error, len(live))
	var hooks []func()
	var opOutbox, outbox []any
	w.outbox = &opOutbox
	for i, o := range live {
		if _, err := w.exec("SAVEPOINT op"); err != nil {
			tx.Rollback()
			failAll(fmt.Errorf("savepoint: %w", err))
			return
		}
		w.after = w.after[:0]
		opOutbox = opOutbox[:0]
		err := w.run(o.fn)
		if err != nil {
			if _, rerr := w.exec("ROLLBACK TO op"); rerr != nil {
				tx.Rollback()
				failAll(fmt.Errorf("rollback to savepoint: %w", rerr))
				return
			}
		} else {
			hooks = append(hooks, w.after...)
			outbox = append(outbox, opOutbox...)
		}
		if _, err := w.exec("RELEASE op"); err != nil {
			tx.Rollback()
			failAll(fmt.Errorf("release savepoint: %w", err))
			return
		}
		results[i] = err
	}
	if err := flushOutbox(w, outbox); err != nil {
		tx.Rollback()
		failAll(fmt.Errorf("queue messages: %w", err))
		return
	}
	if err := tx.Commit(); err != nil {
		// A failed COMMIT may leave SQLite's transaction open on the
		// connection; end it so that the next batch can begin.
		s.wdb.ExecContext(ctx, "ROLLBACK")
		failAll(fmt.Errorf("commit: %w", err))
		return
	}
	s.commits.Add(1)
	for _, h := range hooks {
		h()
	}
	for i, o := range live {
		if results[i] == nil {
			s.written.Add(1)
		}
		o.done <- results[i]
	}
}

// wtx is the writer's transaction as an op sees it, with a cache of the
// statements prepared in it.
type wtx struct {
	ctx   context.Context
	tx    *sql.Tx
	s     *Store
	stmts map[string]*sql.Stmt
	fresh []string // queries of stmts prepared by this transaction
	after []func()
	// outbox holds, in SQLite's writer, the arguments of the messages the
	// current op queued with a complaint change (outboxArgs per message):
	// runBatch inserts those of every op that succeeded together, before
	// it commits (flushOutbox). nil elsewhere: the messages are inserted at
	// once.
	outbox *[]any
}

// run calls fn, turning a panic (a bug) into an error so that the writer,
// and every other caller, survives it.
func (w *wtx) run(fn func(*wtx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = grievance.Internal(fmt.Errorf("panic in write: %v", r))
		}
	}()
	return fn(w)
}

// oneChanged is the outcome of an UPDATE that must change a row: its
// error, or not found when it changed none.
func oneChanged(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound()
	}
	return nil
}

// afterCommit runs f in the writer once the transaction has committed, if
// the current op succeeded.
func (w *wtx) afterCommit(f func()) { w.after = append(w.after, f) }

func (w *wtx) stmt(q string) (*sql.Stmt, error) {
	if st := w.stmts[q]; st != nil {
		return st, nil
	}
	var st *sql.Stmt
	if kept := w.s.wstmts[q]; kept != nil {
		// Prepared on the writer's connection by an earlier batch: the
		// transaction reuses it without preparing again.
		st = w.tx.StmtContext(w.ctx, kept)
	} else {
		// Prepared on the transaction (the writer's only connection is
		// busy with it), so cached for the batch: a batch of n writes
		// prepares each statement once, not n times; keepStmts keeps it
		// for the next batches.
		var err error
		if st, err = w.tx.PrepareContext(w.ctx, q); err != nil {
			return nil, err
		}
		w.fresh = append(w.fresh, q)
	}
	w.stmts[q] = st
	return st, nil
}

// maxWriterStmts bounds the statements the writer keeps prepared across
// batches (the store's statements number about a hundred; a statement
// built for a variable number of rows adds one per size).
const maxWriterStmts = 512

// keepStmts prepares on the writer's connection, now that w's transaction
// has ended and freed it, the statements w had to prepare for itself, so
// that later batches reuse them. Preparing took the writer up to a sixth of
// its time when batches were small (the SMS dispatcher's status updates).
func (s *Store) keepStmts(w *wtx) {
	for _, q := range w.fresh {
		if len(s.wstmts) >= maxWriterStmts {
			return
		}
		if _, ok := s.wstmts[q]; ok {
			continue
		}
		st, err := s.wdb.PrepareContext(context.Background(), q)
		if err != nil {
			continue // prepared again by the next transaction that needs it
		}
		s.wstmts[q] = st
	}
}

func (w *wtx) exec(q string, args ...any) (sql.Result, error) {
	if w.s.d.pg {
		return w.tx.ExecContext(w.ctx, w.s.d.q(q), args...)
	}
	st, err := w.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(w.ctx, args...)
}

// QueryContext runs a query in the transaction (ctx is the batch's).
func (w *wtx) QueryContext(_ context.Context, q string, args ...any) (*sql.Rows, error) {
	if w.s.d.pg {
		// pgx caches prepared statements per connection by itself.
		return w.tx.QueryContext(w.ctx, w.s.d.q(q), args...)
	}
	st, err := w.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(w.ctx, args...)
}

// QueryRowContext runs a query for one row in the transaction.
func (w *wtx) QueryRowContext(_ context.Context, q string, args ...any) *sql.Row {
	if w.s.d.pg {
		return w.tx.QueryRowContext(w.ctx, w.s.d.q(q), args...)
	}
	st, err := w.stmt(q)
	if err != nil {
		// A failed prepare surfaces from Scan: go through the transaction,
		// which reports the same error.
		return w.tx.QueryRowContext(w.ctx, q, args...)
	}
	return st.QueryRowContext(w.ctx, args...)
}

// querier is what the read helpers need: the reader pool, a read
// transaction or the writer's transaction.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// published queues the webhook deliveries of a change in its transaction
// and tells Publish about it once the transaction commits.
func (s *Store) published(w *wtx, c *grievance.Complaint, ev grievance.Event) error {
	if c == nil {
		return nil
	}
	if err := queueHooks(w, c, ev); err != nil {
		return err
	}
	if s.publish == nil {
		return nil
	}
	ch := grievance.ChangeOf(c, ev)
	if s.d.pg {
		// Every server hears of it, this one too, through the listener.
		w.notify(pgLiveChannel, ch)
		return nil
	}
	w.afterCommit(func() { s.publish(ch) })
	return nil
}

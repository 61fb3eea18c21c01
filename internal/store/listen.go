package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"nivaran/internal/grievance"
)

// Several servers on one PostgreSQL behave as one through two channels of
// LISTEN/NOTIFY. A write that changes a complaint sends its Change on
// pgLiveChannel inside its transaction, so PostgreSQL delivers it to every
// listening server when, and only if, the transaction commits, in commit
// order. Each server's listener hands what it hears to Options.Publish:
// the control-room screens connected to any server see every change, and a
// server hears its own changes the same way as the others'. A change to
// the masters sends on pgMastersChannel and every server reloads its cache;
// a change to the SMS template edits sends on pgSMSChannel and every server
// hands the stored edits to Options.SMSTemplatesChanged.
//
// A notification sent while a server's listener is disconnected is not
// delivered to it again; when the listener is back, it replays the live
// events it may have missed from the complaints' history (replayLive).
const (
	pgLiveChannel    = "nivaran_live"
	pgMastersChannel = "nivaran_masters"
	pgSMSChannel     = "nivaran_sms_templates"
)

// notify sends payload (as JSON) on channel when the transaction commits;
// on SQLite it does nothing.
func (w *wtx) notify(channel string, payload any) {
	if !w.s.d.pg {
		return
	}
	b, err := json.Marshal(payload)
	if err != nil {
		slog.Warn("store: notify", "channel", channel, "err", err)
		return
	}
	if _, err := w.tx.ExecContext(w.ctx, "SELECT pg_notify($1, $2)", channel, string(b)); err != nil {
		// The transaction is aborted; its commit fails and the write is
		// retried or reported.
		slog.Warn("store: notify", "channel", channel, "err", err)
	}
}

// mastersStored reads the masters this transaction has stored, installs
// them once it commits and tells the other servers to reload theirs. SQLite's
// single writer installs what it read here. PostgreSQL's concurrent writers
// reload after the commit instead, in order with the listener's reloads:
// what was read here may lack another server's change committed meanwhile,
// and a reload begun before this commit must not replace the newer masters.
func (w *wtx) mastersStored() (*grievance.Masters, error) {
	loaded, err := loadMasters(w.ctx, w)
	if err != nil {
		return nil, err
	}
	s := w.s
	if !s.d.pg {
		w.afterCommit(func() { s.setMasters(loaded) })
		return loaded, nil
	}
	ctx := w.ctx
	w.afterCommit(func() {
		if err := s.reloadMasters(ctx, loaded); err != nil {
			slog.Warn("store: reload masters after a change", "err", err)
		}
	})
	w.notify(pgMastersChannel, struct{}{})
	return loaded, nil
}

// indexedMasters reads the stored masters in the transaction, indexed.
func (w *wtx) indexedMasters() (*grievance.Masters, error) {
	m, err := loadMasters(w.ctx, w)
	if err != nil {
		return nil, err
	}
	m.Index()
	return m, nil
}

// listen holds a connection that listens on both channels until ctx ends,
// reconnecting after a failure.
func (s *Store) listen(ctx context.Context, ready chan<- error) {
	defer close(s.listenStopped)
	backoff := 100 * time.Millisecond
	first := true
	for {
		err := s.listenOnce(ctx, func() {
			if first {
				ready <- nil
				first = false
			} else {
				s.replayLive(ctx)
			}
			backoff = 100 * time.Millisecond
		})
		if ctx.Err() != nil {
			return
		}
		if first {
			ready <- err
			return
		}
		slog.Warn("store: live events from other servers interrupted; reconnecting", "err", err)
		if listenBroken != nil {
			listenBroken()
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context, listening func()) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.Connect(cctx, s.pgURL)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, ch := range []string{pgLiveChannel, pgMastersChannel, pgSMSChannel} {
		if _, err := conn.Exec(ctx, "LISTEN "+ch); err != nil {
			return err
		}
	}
	if s.liveSeen.Load() == 0 {
		// Where the history stood when this server began to listen: a
		// replay after a reconnection starts from there at the earliest.
		var top int64
		if err := s.rdb.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM events").Scan(&top); err != nil {
			return err
		}
		s.liveSeen.CompareAndSwap(0, max(top, 1))
	}
	listening()
	// Masters changed while this listener was away are picked up now.
	if err := s.reloadMasters(ctx, nil); err != nil {
		slog.Warn("store: reload masters", "err", err)
	}
	s.reloadSMSTemplates(ctx)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		switch n.Channel {
		case pgLiveChannel:
			var ch grievance.Change
			if err := json.Unmarshal([]byte(n.Payload), &ch); err != nil {
				slog.Warn("store: live event", "err", err)
				continue
			}
			if ch.Seq > 0 {
				for seen := s.liveSeen.Load(); ch.Seq > seen && !s.liveSeen.CompareAndSwap(seen, ch.Seq); seen = s.liveSeen.Load() {
				}
			}
			if s.publish != nil {
				s.publish(ch)
			}
		case pgMastersChannel:
			if err := s.reloadMasters(ctx, nil); err != nil {
				slog.Warn("store: reload masters", "err", err)
			}
		case pgSMSChannel:
			s.reloadSMSTemplates(ctx)
		}
	}
}

// reloadSMSTemplates hands the stored SMS template edits to
// Options.SMSTemplatesChanged.
func (s *Store) reloadSMSTemplates(ctx context.Context) {
	if s.smsChanged == nil {
		return
	}
	edits, err := s.SMSTemplateEdits(ctx)
	if err != nil {
		slog.Warn("store: reload SMS templates", "err", err)
		return
	}
	s.smsChanged(edits)
}

// listenBroken, when set by a test, runs each time the listener has lost
// its connection, before it reconnects.
var listenBroken func()

// replaySlack is how far below the newest event heard a replay begins:
// event IDs are drawn at insert, and a transaction that drew a smaller ID
// may commit after one that drew a larger (at most one per pooled
// connection of every server at a time).
const replaySlack = 256

// replayMax is the most events a replay publishes (the live bus holds
// 4096; a screen that missed more reloads anyway).
const replayMax = 4096

// replayLive publishes again the live events committed while the listener
// was away, rebuilt from the complaints' history: the events after the
// newest one heard, less replaySlack, oldest first. The bus publishes an
// event it already holds only once (live.NewSharedBus). Category,
// channel and location are the complaint's as it stands now.
func (s *Store) replayLive(ctx context.Context) {
	if s.publish == nil {
		return
	}
	from := s.liveSeen.Load() - replaySlack
	var out []grievance.Change
	err := each(ctx, s.rdb, `SELECT e.id, e.kind, e.from_status, COALESCE(NULLIF(e.to_status, ''), c.status), e.department, e.level,
e.area, e.at, c.number, c.channel, c.category, c.lat, c.lng
FROM events e JOIN complaints c ON c.id = e.complaint_id
WHERE e.id > ? AND e.kind <> ? ORDER BY e.id DESC LIMIT ?`, func(r scanner) error {
		var ch grievance.Change
		var at int64
		var lat, lng sql.NullFloat64
		if err := r.Scan(&ch.Seq, &ch.Kind, &ch.From, &ch.Status, &ch.Department, &ch.Level, &ch.Area, &at,
			&ch.Number, &ch.Channel, &ch.Category, &lat, &lng); err != nil {
			return err
		}
		ch.At, ch.Location = fromMs(at), point(lat, lng)
		out = append(out, ch)
		return nil
	}, from, string(grievance.ActWarnDue), replayMax)
	if err != nil {
		slog.Warn("store: replay live events", "err", err)
		return
	}
	for i := len(out) - 1; i >= 0; i-- {
		ch := out[i]
		for seen := s.liveSeen.Load(); ch.Seq > seen && !s.liveSeen.CompareAndSwap(seen, ch.Seq); seen = s.liveSeen.Load() {
		}
		s.publish(ch)
	}
}

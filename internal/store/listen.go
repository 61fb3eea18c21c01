package store

import (
	"context"
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
// delivered to it again: its screens miss that change in the feed (their
// figures are recomputed from the database every few seconds anyway).
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

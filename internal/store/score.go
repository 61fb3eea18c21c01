package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"nivaran/internal/grievance"
)

// The scorecard counts whole histories (grievance.Tally). A month at a
// million complaints is about a million events to read and follow, several
// seconds; so the counts of every event up to a mark (score_folded) are kept
// summed by day and unit (score_days), and a scorecard for whole days adds
// up its days and follows only the histories of complaints with events
// after the mark, counting what those events add (Tally.Add of the whole
// history, Tally.Remove of the part up to the mark). The mark moves forward
// in the background (FoldScores), in the same way: the summed days stay
// equal to what counting every history from scratch would give.
//
// Event IDs grow in commit order (one writer), so "events up to the mark"
// is a consistent cut of every history. On PostgreSQL they do not (several
// transactions draw IDs and commit in any order), so there the scorecard
// always counts the histories and FoldScores does nothing.

// scoreUnits are the units summed by day, in score_days.unit.
var scoreUnits = []grievance.ScoreBy{grievance.ScoreByOfficer, grievance.ScoreByDepartment, grievance.ScoreByArea}

// scoreHistory selects the events the scorecard reads, for the complaints
// picked by the condition that follows, oldest first.
const scoreHistory = `SELECT e.complaint_id, e.id, e.at, e.kind, e.assignee_id, e.department, e.area, e.due FROM events e
WHERE e.kind NOT IN ('note', 'warn_due') AND `

// histories calls fn with the history of each complaint the query returns
// (scoreHistory + condition, ordered by complaint and event), with the ID
// of each event.
func histories(ctx context.Context, q querier, query string, fn func(h []grievance.ScoreEvent, ids []int64), args ...any) error {
	var (
		cur     int64 = -1
		history []grievance.ScoreEvent
		ids     []int64
	)
	err := each(ctx, q, query, func(r scanner) error {
		var (
			complaint, id, at int64
			ev                grievance.ScoreEvent
			assignee, due     sql.NullInt64
		)
		if err := r.Scan(&complaint, &id, &at, &ev.Kind, &assignee, &ev.Department, &ev.Area, &due); err != nil {
			return err
		}
		if complaint != cur {
			if len(history) > 0 {
				fn(history, ids)
			}
			cur, history, ids = complaint, history[:0], ids[:0]
		}
		ev.At, ev.AssigneeID, ev.Due = fromMs(at), assignee.Int64, fromMsNull(due)
		history, ids = append(history, ev), append(ids, id)
		return nil
	}, args...)
	if err != nil {
		return err
	}
	if len(history) > 0 {
		fn(history, ids)
	}
	return nil
}

// upTo is the start of history h (event IDs ids) up to event mark.
func upTo(h []grievance.ScoreEvent, ids []int64, mark int64) []grievance.ScoreEvent {
	n := 0
	for n < len(ids) && ids[n] <= mark {
		n++
	}
	return h[:n]
}

// Scorecard counts the facts of grievance.ScoreRow for the period: see
// grievance.ReportService. A period of whole local days adds up the summed
// days and the events after the mark; any other period counts, in one
// snapshot, the whole history of every complaint with an event in it (a
// verdict or a reassignment may come later than the event it answers; an
// arrival earlier than the report it times).
func (s *Store) Scorecard(ctx context.Context, by grievance.ScoreBy, from, to time.Time) ([]grievance.ScoreRow, error) {
	if err := grievance.CheckScorecard(by, from, to); err != nil {
		return nil, wrap("scorecard", err)
	}
	t := grievance.NewTally(by, from, to)
	var err error
	if !s.d.pg && s.midnight(from) && s.midnight(to) {
		err = s.readTx(ctx, func(tx *rtx) error { return s.scoreDays(ctx, tx, t, by, from, to) })
	} else {
		err = s.scoreScan(ctx, t, from, to)
	}
	if err != nil {
		return nil, wrap("scorecard", err)
	}
	return t.Rows(), nil
}

// scoreScan counts into t the whole history of every complaint with an
// event in [from, to), in one snapshot.
func (s *Store) scoreScan(ctx context.Context, t *grievance.Tally, from, to time.Time) error {
	return s.readTx(ctx, func(tx *rtx) error {
		return histories(ctx, tx, scoreHistory+`e.complaint_id IN (SELECT complaint_id FROM events WHERE at >= ? AND at < ?)
ORDER BY e.complaint_id, e.id`, func(h []grievance.ScoreEvent, _ []int64) { t.Add(h) }, ms(from), ms(to))
	})
}

// midnight reports whether t is the start of a day in the district.
func (s *Store) midnight(t time.Time) bool {
	l := t.In(s.loc)
	return l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0
}

// scoreDays counts into t the summed days of [from, to) and what the
// events after the mark add to them.
func (s *Store) scoreDays(ctx context.Context, tx *rtx, t *grievance.Tally, by grievance.ScoreBy, from, to time.Time) error {
	var mark int64
	if err := tx.QueryRowContext(ctx, "SELECT event FROM score_folded WHERE id = 1").Scan(&mark); err != nil {
		return err
	}
	err := each(ctx, tx, `SELECT key, SUM(received), SUM(in_time), SUM(resolved), SUM(confirmed), SUM(reopened),
SUM(escalations), SUM(overruled), SUM(spent_ms) FROM score_days WHERE unit = ? AND day >= ? AND day < ? GROUP BY key`,
		func(r scanner) error {
			var x grievance.ScoreRow
			var spent int64
			if err := r.Scan(&x.Key, &x.Received, &x.ResolvedInTime, &x.Resolved, &x.Confirmed, &x.Reopened,
				&x.Escalations, &x.ReturnsOverruled, &spent); err != nil {
				return err
			}
			t.AddSums(x.Key, x, time.Duration(spent)*time.Millisecond)
			return nil
		}, string(by), grievance.Day(from, s.loc), grievance.Day(to, s.loc))
	if err != nil {
		return err
	}
	return histories(ctx, tx, scoreHistory+`e.complaint_id IN (SELECT complaint_id FROM events WHERE id > ?)
ORDER BY e.complaint_id, e.id`, func(h []grievance.ScoreEvent, ids []int64) {
		t.Add(h)
		t.Remove(upTo(h, ids, mark))
	}, mark)
}

// FoldScores moves the scorecard's mark to the newest event, adding what
// the events since the last mark count to the summed days. It reads in a
// snapshot and writes the sums in one transaction, which does nothing if
// the mark moved meanwhile. It returns how many events it folded.
func (s *Store) FoldScores(ctx context.Context) (int64, error) {
	if s.d.pg {
		return 0, nil
	}
	var (
		mark, newest int64
		tallies      = make([]*grievance.Tally, len(scoreUnits))
	)
	for i, by := range scoreUnits {
		tallies[i] = grievance.NewDayTally(by, s.loc)
	}
	err := s.readTx(ctx, func(tx *rtx) error {
		if err := tx.QueryRowContext(ctx, "SELECT (SELECT event FROM score_folded WHERE id = 1), COALESCE(MAX(id), 0) FROM events").
			Scan(&mark, &newest); err != nil {
			return err
		}
		if newest <= mark {
			return nil
		}
		cond := `e.complaint_id IN (SELECT complaint_id FROM events WHERE id > ? AND id <= ?) AND e.id <= ?
ORDER BY e.complaint_id, e.id`
		args := []any{mark, newest, newest}
		if mark == 0 { // the first fold reads everything in index order
			cond, args = "e.id <= ? ORDER BY e.complaint_id, e.id", []any{newest}
		}
		return histories(ctx, tx, scoreHistory+cond, func(h []grievance.ScoreEvent, ids []int64) {
			start := upTo(h, ids, mark)
			for _, t := range tallies {
				t.Add(h)
				t.Remove(start)
			}
		}, args...)
	})
	if err != nil || newest <= mark {
		return 0, wrap("fold scores", err)
	}
	err = s.write(ctx, func(w *wtx) error {
		var now int64
		if err := w.QueryRowContext(ctx, "SELECT event FROM score_folded WHERE id = 1").Scan(&now); err != nil {
			return err
		}
		if now != mark {
			return nil // another fold moved the mark
		}
		for i, t := range tallies {
			unit := string(scoreUnits[i])
			err := t.Days(func(day int64, r grievance.ScoreRow, spent time.Duration) error {
				_, err := w.exec(`INSERT INTO score_days (unit, day, key, received, in_time, resolved, confirmed, reopened,
escalations, overruled, spent_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (unit, day, key) DO UPDATE SET received = received + excluded.received, in_time = in_time + excluded.in_time,
resolved = resolved + excluded.resolved, confirmed = confirmed + excluded.confirmed, reopened = reopened + excluded.reopened,
escalations = escalations + excluded.escalations, overruled = overruled + excluded.overruled,
spent_ms = spent_ms + excluded.spent_ms`, unit, day, r.Key, r.Received, r.ResolvedInTime, r.Resolved, r.Confirmed,
					r.Reopened, r.Escalations, r.ReturnsOverruled, spent.Milliseconds())
				return err
			})
			if err != nil {
				return err
			}
		}
		_, err := w.exec("UPDATE score_folded SET event = ? WHERE id = 1", newest)
		return err
	})
	if err != nil {
		return 0, wrap("fold scores", err)
	}
	return newest - mark, nil
}

// CatchUp does at once what the store otherwise does in the background
// every ScoreFoldEvery: it indexes new complaints for search and folds new
// events into the scorecard's sums, and returns how many events it folded.
// A benchmark calls it to start a measurement with no background work left
// over from the one before.
// Each is done even when the other fails.
func (s *Store) CatchUp(ctx context.Context) (int64, error) {
	ierr := s.indexBacklog(ctx)
	n, ferr := s.FoldScores(ctx)
	return n, errors.Join(ierr, ferr)
}

// scoreFolder folds the scorecard's sums, and indexes new complaints for
// search, every interval until the store closes.
func (s *Store) scoreFolder(every time.Duration) {
	defer close(s.foldStopped)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-s.quit:
				cancel()
			case <-ctx.Done():
			}
		}()
		if n, err := s.CatchUp(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("store: background work", "err", err)
		} else if n > 100000 {
			slog.Info(fmt.Sprintf("store: scorecard sums now hold %d more events", n))
		}
		cancel()
	}
}

package store

import (
	"context"
	"database/sql"

	"time"

	"nivaran/internal/grievance"
)

var _ grievance.FeedbackCallService = (*Store)(nil)

// feedbackDueQ reads the resolutions due for a feedback call through the
// verification sweep's partial index (resolved complaints only: a few
// days' resolutions, not the whole table).
const feedbackDueQ = `SELECT id, number, mobile, language, resolved_at FROM complaints INDEXED BY complaints_sweep_verify
WHERE status = 'resolved' AND resolved_at > ? AND resolved_at <= ? AND mobile <> ''
AND NOT EXISTS (SELECT 1 FROM feedback_calls f WHERE f.complaint_id = complaints.id AND f.resolved_at = complaints.resolved_at)
ORDER BY resolved_at LIMIT ?`

// ClaimFeedbackCalls claims resolutions for the automatic feedback call;
// see grievance.FeedbackCallService. On PostgreSQL the rows are read with
// SKIP LOCKED and the claim is an insert that does nothing on conflict: a
// server whose snapshot predates another's claim gets no row back for it,
// so each resolution is returned to one caller only.
func (s *Store) ClaimFeedbackCalls(ctx context.Context, now, from, to time.Time, limit int) ([]grievance.FeedbackCall, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []grievance.FeedbackCall
	err := s.write(ctx, func(w *wtx) error {
		out = out[:0]
		var due []grievance.FeedbackCall
		err := each(w.ctx, w, feedbackDueQ+w.s.d.skipLocked(), func(r scanner) error {
			var f grievance.FeedbackCall
			var lang string
			var resolved int64
			if err := r.Scan(&f.ComplaintID, &f.Number, &f.Mobile, &lang, &resolved); err != nil {
				return err
			}
			f.Language, f.ResolvedAt = grievance.Lang(lang), fromMs(resolved)
			due = append(due, f)
			return nil
		}, ms(from), ms(to), limit)
		if err != nil {
			return err
		}
		for _, f := range due {
			res, err := w.exec(`INSERT INTO feedback_calls (complaint_id, resolved_at, claimed_at, answer) VALUES (?, ?, ?, '')
ON CONFLICT (complaint_id, resolved_at) DO NOTHING`, f.ComplaintID, ms(f.ResolvedAt), ms(now))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				f.ClaimedAt = fromMs(ms(now))
				out = append(out, f)
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("claim feedback calls", err)
	}
	return out, nil
}

// FeedbackCallDone records a claimed call's answer; see
// grievance.FeedbackCallService.
func (s *Store) FeedbackCallDone(ctx context.Context, complaintID int64, resolvedAt time.Time, answer string, now time.Time) error {
	if answer != "" && answer != "1" && answer != "2" {
		return grievance.Errorf(grievance.EInvalid, "error.feedback_answer")
	}
	err := s.write(ctx, func(w *wtx) error {
		return oneChanged(w.exec("UPDATE feedback_calls SET answer = ?, done_at = ? WHERE complaint_id = ? AND resolved_at = ?",
			answer, ms(now), complaintID, ms(resolvedAt)))
	})
	return wrap("feedback call done", err)
}

// FeedbackCalls lists a complaint's feedback calls; see
// grievance.FeedbackCallService.
func (s *Store) FeedbackCalls(ctx context.Context, complaintID int64) ([]grievance.FeedbackCall, error) {
	var out []grievance.FeedbackCall
	err := each(ctx, s.rdb, `SELECT f.complaint_id, c.number, c.mobile, c.language, f.resolved_at, f.claimed_at, f.answer, f.done_at
FROM feedback_calls f JOIN complaints c ON c.id = f.complaint_id WHERE f.complaint_id = ? ORDER BY f.resolved_at`, func(r scanner) error {
		var f grievance.FeedbackCall
		var lang string
		var resolved, claimed int64
		var done sql.NullInt64
		if err := r.Scan(&f.ComplaintID, &f.Number, &f.Mobile, &lang, &resolved, &claimed, &f.Answer, &done); err != nil {
			return err
		}
		f.Language, f.ResolvedAt, f.ClaimedAt, f.DoneAt = grievance.Lang(lang), fromMs(resolved), fromMs(claimed), fromMsNull(done)
		out = append(out, f)
		return nil
	}, complaintID)
	return out, wrap("feedback calls", err)
}

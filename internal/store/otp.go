package store

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"time"

	"nivaran/internal/grievance"
)

var _ grievance.OTPService = (*Store)(nil)

// IssueOTP replaces the live code of mobile and queues its SMS in one
// transaction. ETooMany when max codes went to mobile within window.
func (s *Store) IssueOTP(ctx context.Context, mobile, hash string, expires time.Time, msg grievance.Message, max int, window time.Duration) error {
	now := s.clock()
	err := s.write(ctx, func(w *wtx) error {
		var start int64
		var issued int
		err := w.QueryRowContext(w.ctx, "SELECT window_start, issued FROM otp_codes WHERE mobile = ?", mobile).Scan(&start, &issued)
		switch {
		case errors.Is(err, sql.ErrNoRows), err == nil && now.Sub(fromMs(start)) >= window:
			start, issued = ms(now), 0
		case err != nil:
			return err
		}
		if issued >= max {
			return grievance.Errorf(grievance.ETooMany, "error.otp_too_many")
		}
		_, err = w.exec(`INSERT INTO otp_codes (mobile, code_hash, expires, tries, used, window_start, issued)
VALUES (?, ?, ?, 0, 0, ?, ?) ON CONFLICT (mobile) DO UPDATE SET code_hash = excluded.code_hash,
expires = excluded.expires, tries = 0, used = 0, window_start = excluded.window_start, issued = excluded.issued`,
			mobile, hash, ms(expires), start, issued+1)
		if err != nil {
			return err
		}
		return insertKeyed(w, []grievance.Message{msg}, now)
	})
	return wrap("issue otp", err)
}

// CheckOTP consumes mobile's code when hash matches. Every wrong try
// counts; after maxTries the code is void even if the right one follows.
func (s *Store) CheckOTP(ctx context.Context, mobile, hash string, maxTries int) error {
	now := s.clock()
	var result error
	err := s.write(ctx, func(w *wtx) error {
		result = nil
		var want string
		var expires int64
		var tries int
		var used bool
		err := w.QueryRowContext(w.ctx, "SELECT code_hash, expires, tries, used FROM otp_codes WHERE mobile = ?", mobile).
			Scan(&want, &expires, &tries, &used)
		if errors.Is(err, sql.ErrNoRows) {
			result = grievance.Errorf(grievance.EInvalid, "error.otp_wrong")
			return nil
		} else if err != nil {
			return err
		}
		switch {
		case used || tries >= maxTries || now.After(fromMs(expires)):
			result = grievance.Errorf(grievance.EInvalid, "error.otp_void")
			return nil
		case subtle.ConstantTimeCompare([]byte(want), []byte(hash)) != 1:
			result = grievance.Errorf(grievance.EInvalid, "error.otp_wrong")
			if tries+1 >= maxTries {
				result = grievance.Errorf(grievance.EInvalid, "error.otp_void")
			}
			_, err = w.exec("UPDATE otp_codes SET tries = tries + 1 WHERE mobile = ?", mobile)
			return err
		}
		_, err = w.exec("UPDATE otp_codes SET used = 1 WHERE mobile = ?", mobile)
		return err
	})
	if err != nil {
		return wrap("check otp", err)
	}
	return result
}

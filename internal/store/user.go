package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"nivaran/internal/grievance"
)

const userCols = `id, login, name, password_hash, roles, officer_id, language, disabled, must_change, failed_logins,
locked_until, created`

func scanUser(r scanner) (*grievance.User, error) {
	var u grievance.User
	var roles string
	var officer, locked sql.NullInt64
	var created int64
	if err := r.Scan(&u.ID, &u.Login, &u.Name, &u.PasswordHash, &roles, &officer, &u.Language, &u.Disabled,
		&u.MustChange, &u.FailedLogins, &locked, &created); err != nil {
		return nil, err
	}
	for _, r := range strings.Split(roles, ",") {
		if r != "" {
			u.Roles = append(u.Roles, grievance.Role(r))
		}
	}
	u.OfficerID, u.LockedUntil, u.Created = officer.Int64, fromMsNull(locked), fromMs(created)
	return &u, nil
}

// normLogin is a login as stored: trimmed, lower case.
func normLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

// UserByLogin returns the user with login, compared case-insensitively;
// ENotFound.
func (s *Store) UserByLogin(ctx context.Context, login string) (*grievance.User, error) {
	u, err := scanUser(s.rdb.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE login = ?", normLogin(login)))
	if err != nil {
		return nil, wrap("user by login", noRows(err))
	}
	return u, nil
}

// User returns the user with id; ENotFound.
func (s *Store) User(ctx context.Context, id int64) (*grievance.User, error) {
	u, err := scanUser(s.rdb.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE id = ?", id))
	if err != nil {
		return nil, wrap("user", noRows(err))
	}
	return u, nil
}

// CreateUser stores u and sets u.ID, u.Created and u.Login (lower case).
// EConflict with key "error.login_taken" when the login is taken in any
// case; EInvalid for an empty login or an unknown officer.
func (s *Store) CreateUser(ctx context.Context, u *grievance.User) error {
	login := normLogin(u.Login)
	if login == "" {
		return wrap("create user", (grievance.FieldErrors{"login": "error.login_required"}).Err())
	}
	if u.OfficerID != 0 && s.state().m.Officer(u.OfficerID) == nil {
		return wrap("create user", (grievance.FieldErrors{"officer": "error.officer"}).Err())
	}
	now := s.clock()
	var id int64
	err := s.write(ctx, func(w *wtx) error {
		var err error
		id, err = insertUser(w, u, login, now)
		return err
	})
	if err != nil {
		return wrap("create user", err)
	}
	u.ID, u.Login, u.Created = id, login, now
	u.LockedUntil = same(u.LockedUntil)
	return nil
}

// insertUser inserts u under login in w's transaction and returns its ID;
// EConflict when the login is taken.
func insertUser(w *wtx, u *grievance.User, login string, now time.Time) (int64, error) {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	var id int64
	err := w.QueryRowContext(w.ctx, `INSERT INTO users (login, name, password_hash, roles, officer_id, language, disabled,
must_change, failed_logins, locked_until, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (login) DO NOTHING RETURNING id`,
		login, u.Name, u.PasswordHash, strings.Join(roles, ","), idNull(u.OfficerID), string(u.Language),
		b2i(u.Disabled), b2i(u.MustChange), u.FailedLogins, msNull(u.LockedUntil), ms(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, grievance.Errorf(grievance.EConflict, "error.login_taken")
	}
	return id, err
}

// updateUser runs one UPDATE of a user's row; ENotFound when there is no
// such user.
func (s *Store) updateUser(ctx context.Context, q string, args ...any) error {
	return s.write(ctx, func(w *wtx) error { return oneChanged(w.exec(q, args...)) })
}

// SetPassword replaces the password hash and clears failures and lockout;
// ENotFound.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string, mustChange bool) error {
	err := s.updateUser(ctx, "UPDATE users SET password_hash = ?, must_change = ?, failed_logins = 0, locked_until = NULL WHERE id = ?",
		hash, b2i(mustChange), id)
	return wrap("set password", err)
}

// LoginFailed counts a failed sign-in and, when the count reaches limit
// (limit > 0), locks the account until lockUntil. It returns the new count;
// ENotFound.
func (s *Store) LoginFailed(ctx context.Context, id int64, limit int, lockUntil time.Time) (int, error) {
	var count int
	err := s.write(ctx, func(w *wtx) error {
		err := w.QueryRowContext(w.ctx, "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins", id).Scan(&count)
		if err != nil {
			return noRows(err)
		}
		if limit > 0 && count >= limit {
			_, err = w.exec("UPDATE users SET locked_until = ? WHERE id = ?", msNull(lockUntil), id)
		}
		return err
	})
	if err != nil {
		return 0, wrap("login failed", err)
	}
	return count, nil
}

// LoginSucceeded clears the failure count and any lockout; ENotFound.
func (s *Store) LoginSucceeded(ctx context.Context, id int64) error {
	return wrap("login succeeded", s.updateUser(ctx, "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", id))
}

// CreateSession stores sess. Created and LastSeen default to now.
// EInvalid for an empty ID; ENotFound for an unknown user.
func (s *Store) CreateSession(ctx context.Context, sess *grievance.Session) error {
	if sess.ID == "" {
		return wrap("create session", grievance.Errorf(grievance.EInvalid, "error.invalid_form"))
	}
	now := s.clock()
	if sess.Created.IsZero() {
		sess.Created = now
	}
	if sess.LastSeen.IsZero() {
		sess.LastSeen = now
	}
	sess.Created, sess.LastSeen, sess.Expires = same(sess.Created), same(sess.LastSeen), same(sess.Expires)
	err := s.write(ctx, func(w *wtx) error {
		var n int
		if err := w.QueryRowContext(w.ctx, "SELECT COUNT(*) FROM users WHERE id = ?", sess.UserID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return notFound()
		}
		_, err := w.exec("INSERT INTO sessions (id, user_id, csrf, created, expires, last_seen) VALUES (?, ?, ?, ?, ?, ?)",
			sess.ID, sess.UserID, sess.CSRF, ms(sess.Created), ms(sess.Expires), ms(sess.LastSeen))
		return err
	})
	return wrap("create session", err)
}

// Session returns the session with id if it has not expired by the store's
// clock; ENotFound otherwise.
func (s *Store) Session(ctx context.Context, id string) (*grievance.Session, error) {
	var sess grievance.Session
	var created, expires, seen int64
	err := s.rdb.QueryRowContext(ctx, "SELECT id, user_id, csrf, created, expires, last_seen FROM sessions WHERE id = ? AND expires > ?",
		id, ms(s.clock())).Scan(&sess.ID, &sess.UserID, &sess.CSRF, &created, &expires, &seen)
	if err != nil {
		return nil, wrap("session", noRows(err))
	}
	sess.Created, sess.Expires, sess.LastSeen = fromMs(created), fromMs(expires), fromMs(seen)
	return &sess, nil
}

// DeleteSession removes a session; removing a missing one is not an error
// (signing out twice is harmless).
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	err := s.write(ctx, func(w *wtx) error {
		_, err := w.exec("DELETE FROM sessions WHERE id = ?", id)
		return err
	})
	return wrap("delete session", err)
}

// DeleteUserSessions removes every session of a user (password change,
// account disabled).
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	err := s.write(ctx, func(w *wtx) error {
		_, err := w.exec("DELETE FROM sessions WHERE user_id = ?", userID)
		return err
	})
	return wrap("delete user sessions", err)
}

package auth

import (
	"context"
	"time"

	"nivaran/internal/grievance"
)

// Service signs users in and out and turns a session cookie into an actor.
type Service struct {
	Users      grievance.UserService
	Sessions   grievance.SessionService
	Masters    grievance.MastersService
	Params     Params
	Lockout    int           // failed sign-ins before the account locks
	LockoutFor time.Duration // how long it stays locked
	TTL        time.Duration // session lifetime
	PerAddress *Limiter      // sign-in attempts per client address
	Now        func() time.Time

	dummy string // a hash to check against for unknown users, so timing does not tell
}

// NewService returns a Service with the given stores and defaults for the rest.
func NewService(users grievance.UserService, sessions grievance.SessionService, masters grievance.MastersService) *Service {
	return &Service{
		Users: users, Sessions: sessions, Masters: masters, Params: DefaultParams,
		Lockout: 5, LockoutFor: 15 * time.Minute, TTL: 12 * time.Hour,
		PerAddress: NewLimiter(20, time.Minute, nil), Now: time.Now,
	}
}

// Login checks login and password for a sign-in from addr and, when they
// match an enabled, unlocked account, creates a session. It returns the
// cookie token (only its hash is stored). Errors: as Verify.
func (s *Service) Login(ctx context.Context, login, password, addr string) (string, *grievance.Session, *grievance.User, error) {
	u, err := s.Verify(ctx, login, password, addr)
	if err != nil {
		return "", nil, nil, err
	}
	now := s.Now()
	token := NewToken()
	sess := &grievance.Session{ID: TokenID(token), UserID: u.ID, CSRF: NewToken(), Created: now, Expires: now.Add(s.TTL), LastSeen: now}
	if err := s.Sessions.CreateSession(ctx, sess); err != nil {
		return "", nil, nil, err
	}
	return token, sess, u, nil
}

// Verify checks login and password for a sign-in from addr (a browser
// session or an API token), counting failures towards the lockout. It
// returns the account when they match an enabled, unlocked one. Errors:
// ETooMany when addr made too many attempts or the account is locked;
// EUnauthorized for a wrong user ID or password, the same for both.
func (s *Service) Verify(ctx context.Context, login, password, addr string) (*grievance.User, error) {
	if ok, _ := s.PerAddress.Allow(addr); !ok {
		return nil, grievance.Errorf(grievance.ETooMany, "error.login_rate")
	}
	if s.dummy == "" {
		s.dummy = HashPassword(NewToken(), s.Params)
	}
	now := s.Now()
	u, err := s.Users.UserByLogin(ctx, login)
	if grievance.ErrorCode(err) == grievance.ENotFound || len(password) > 1024 {
		CheckPassword(s.dummy, password)
		return nil, grievance.Errorf(grievance.EUnauthorized, "error.login_failed")
	} else if err != nil {
		return nil, err
	}
	if now.Before(u.LockedUntil) {
		return nil, grievance.Errorf(grievance.ETooMany, "error.login_locked")
	}
	if u.Disabled || !CheckPassword(u.PasswordHash, password) {
		n, err := s.Users.LoginFailed(ctx, u.ID, s.Lockout, now.Add(s.LockoutFor))
		if err != nil {
			return nil, err
		}
		if n >= s.Lockout {
			return nil, grievance.Errorf(grievance.ETooMany, "error.login_locked")
		}
		return nil, grievance.Errorf(grievance.EUnauthorized, "error.login_failed")
	}
	if u.FailedLogins > 0 {
		if err := s.Users.LoginSucceeded(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// Logout ends the session of token. Ending an unknown session is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	err := s.Sessions.DeleteSession(ctx, TokenID(token))
	if grievance.ErrorCode(err) == grievance.ENotFound {
		return nil
	}
	return err
}

// Identity is who a request comes from.
type Identity struct {
	Actor   grievance.Actor
	User    *grievance.User
	Session *grievance.Session
}

// Authenticate returns the identity behind a session cookie token.
// EUnauthorized for an unknown or expired session or a disabled account.
func (s *Service) Authenticate(ctx context.Context, token string) (*Identity, error) {
	if token == "" || len(token) > 100 {
		return nil, grievance.Errorf(grievance.EUnauthorized, "error.signin_required")
	}
	sess, err := s.Sessions.Session(ctx, TokenID(token))
	if grievance.ErrorCode(err) == grievance.ENotFound {
		return nil, grievance.Errorf(grievance.EUnauthorized, "error.signin_required")
	} else if err != nil {
		return nil, err
	}
	u, err := s.Users.User(ctx, sess.UserID)
	if grievance.ErrorCode(err) == grievance.ENotFound || err == nil && u.Disabled {
		return nil, grievance.Errorf(grievance.EUnauthorized, "error.signin_required")
	} else if err != nil {
		return nil, err
	}
	a, err := s.actorOf(ctx, u)
	if err != nil {
		return nil, err
	}
	return &Identity{Actor: a, User: u, Session: sess}, nil
}

// actorOf is the actor of account u, with the officer post it holds when
// that post is active.
func (s *Service) actorOf(ctx context.Context, u *grievance.User) (grievance.Actor, error) {
	a := grievance.Actor{UserID: u.ID, Login: u.Login, Roles: u.Roles}
	if u.OfficerID != 0 {
		m, err := s.Masters.Masters(ctx)
		if err != nil {
			return a, err
		}
		if o := m.Officer(u.OfficerID); o != nil && o.Active {
			a.Officer = o
		}
	}
	return a, nil
}

// ChangePassword sets a new password for the user after checking the old
// one, and ends their other sessions. EInvalid for a weak new password,
// EUnauthorized for a wrong old one.
func (s *Service) ChangePassword(ctx context.Context, id *Identity, old, new string) error {
	if !CheckPassword(id.User.PasswordHash, old) {
		return grievance.Errorf(grievance.EUnauthorized, "error.password_wrong")
	}
	if err := CheckNewPassword(new); err != nil {
		return err
	}
	if err := s.Users.SetPassword(ctx, id.User.ID, HashPassword(new, s.Params), false); err != nil {
		return err
	}
	if err := s.Sessions.DeleteUserSessions(ctx, id.User.ID); err != nil {
		return err
	}
	return s.Sessions.CreateSession(ctx, id.Session)
}

// CheckNewPassword refuses passwords shorter than 10 or longer than 128 characters.
func CheckNewPassword(pw string) error {
	if n := len([]rune(pw)); n < 10 || n > 128 {
		return (grievance.FieldErrors{"password": "error.password_weak"}).Err()
	}
	return nil
}

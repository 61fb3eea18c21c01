package auth

import (
	"context"
	"strings"
	"time"

	"nivaran/internal/grievance"
)

// TokenPrefix starts every API token, so that a leaked one is easy to
// recognise in logs and by secret scanners.
const TokenPrefix = "nvt_"

// Default lifetimes of API tokens.
const (
	DefaultUserTokenTTL    = 12 * time.Hour
	DefaultCitizenTokenTTL = 30 * time.Minute
)

// TokenIssuer issues and checks the REST API's bearer tokens. A token is
// random; the store keeps only its SHA-256 with its scope (a user account
// or a citizen's mobile), expiry and revocation.
type TokenIssuer struct {
	Auth       *Service // accounts and the officer posts they hold
	Store      grievance.TokenService
	UserTTL    time.Duration
	CitizenTTL time.Duration
}

// IssueUser returns a new token for the account u, which the caller has
// verified (Service.Verify). EForbidden when the account must change its
// password first (it does so in the officer console).
func (ti *TokenIssuer) IssueUser(ctx context.Context, u *grievance.User, label string) (string, *grievance.APIToken, error) {
	if u.MustChange {
		return "", nil, grievance.Errorf(grievance.EForbidden, "error.api_password_change")
	}
	return ti.issue(ctx, &grievance.APIToken{UserID: u.ID, Label: label}, ti.UserTTL)
}

// IssueCitizen returns a new token scoped to mobile, which the caller has
// proven by a one-time code (Codes.Check).
func (ti *TokenIssuer) IssueCitizen(ctx context.Context, mobile, label string) (string, *grievance.APIToken, error) {
	return ti.issue(ctx, &grievance.APIToken{Mobile: mobile, Label: label}, ti.CitizenTTL)
}

func (ti *TokenIssuer) issue(ctx context.Context, t *grievance.APIToken, ttl time.Duration) (string, *grievance.APIToken, error) {
	secret := TokenPrefix + NewToken()
	t.Hash = TokenID(secret)
	t.Expires = ti.Auth.Now().Add(ttl)
	if err := ti.Store.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// Authenticate returns the identity behind a bearer token and the token.
// EUnauthorized for a malformed, unknown, expired or revoked token, or a
// disabled account.
func (ti *TokenIssuer) Authenticate(ctx context.Context, secret string) (*Identity, *grievance.APIToken, error) {
	refused := grievance.Errorf(grievance.EUnauthorized, "error.token_invalid")
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return nil, nil, refused
	}
	t, err := ti.Store.Token(ctx, TokenID(secret))
	if grievance.ErrorCode(err) == grievance.ENotFound {
		return nil, nil, refused
	} else if err != nil {
		return nil, nil, err
	}
	if t.Mobile != "" {
		a := grievance.CitizenActor(t.Mobile)
		a.TokenScope = []string{t.Scope()}
		return &Identity{Actor: a}, t, nil
	}
	u, err := ti.Auth.Users.User(ctx, t.UserID)
	if grievance.ErrorCode(err) == grievance.ENotFound || err == nil && u.Disabled {
		return nil, nil, refused
	} else if err != nil {
		return nil, nil, err
	}
	a, err := ti.Auth.actorOf(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	a.TokenScope = []string{t.Scope()}
	return &Identity{Actor: a, User: u}, t, nil
}

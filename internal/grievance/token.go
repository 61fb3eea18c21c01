package grievance

import (
	"context"
	"strconv"
	"time"
)

// APIToken is a bearer token of the REST API. The client holds a random
// secret; the store keeps only its SHA-256 (Hash), so a copy of the
// database opens nothing. A token is scoped either to a user account (an
// officer signed in with user ID and password) or to a citizen's mobile
// number (proven by a one-time code).
type APIToken struct {
	ID        int64
	Hash      string // hex SHA-256 of the secret
	UserID    int64  // the account; 0 for a citizen token
	Mobile    string // the citizen's mobile; "" for a user token
	Label     string // what the client called itself when it obtained the token (device, app)
	Created   time.Time
	Expires   time.Time
	Revoked   time.Time // zero while it is live
	RevokedBy string    // login of who revoked it, "" while live
}

// Scope is what the token speaks for: "citizen:<mobile>" or "user:<id>".
func (t *APIToken) Scope() string {
	if t.Mobile != "" {
		return "citizen:" + t.Mobile
	}
	return "user:" + strconv.FormatInt(t.UserID, 10)
}

// Live reports whether the token may be used at now.
func (t *APIToken) Live(now time.Time) bool {
	return t.Revoked.IsZero() && now.Before(t.Expires)
}

// TokenOwner names whose tokens a call is about: a user account or a
// citizen's mobile number (exactly one of them is set).
type TokenOwner struct {
	UserID int64
	Mobile string
}

// TokenService keeps API tokens.
type TokenService interface {
	// CreateToken stores t and sets t.ID and t.Created. EInvalid when t has
	// no hash, both or neither of UserID and Mobile, or an expiry not after
	// now; ENotFound for an unknown user.
	CreateToken(ctx context.Context, t *APIToken) error

	// Token returns the live token (unrevoked, unexpired by the store's
	// clock) whose hash is hash; ENotFound otherwise.
	Token(ctx context.Context, hash string) (*APIToken, error)

	// Tokens lists the live tokens of owner, newest first. Anyone may list
	// their own; the edge passes the caller's own owner.
	Tokens(ctx context.Context, owner TokenOwner) ([]APIToken, error)

	// RevokeToken revokes the live token id of owner, recording by (the
	// login, or "citizen") as who revoked it. ENotFound when owner has no
	// such live token.
	RevokeToken(ctx context.Context, owner TokenOwner, id int64, by string) error

	// AdminTokens lists every live token, newest first, at most limit
	// (default and cap 500). EForbidden unless actor holds RoleAdmin.
	AdminTokens(ctx context.Context, actor Actor, limit int) ([]APIToken, error)

	// AdminRevokeToken revokes any live token and records it in the audit
	// log (entity AuditAPIToken). EForbidden unless actor holds RoleAdmin;
	// ENotFound for no such live token.
	AdminRevokeToken(ctx context.Context, actor Actor, id int64) error
}

// Open311Key is an API key an administrator issued to an Open311 client
// (a city app, an NGO's reporting tool) for POST requests. As with
// APIToken, only the SHA-256 of the key is stored; Prefix (its first
// characters) lets the administrator tell keys apart.
type Open311Key struct {
	ID        int64
	Name      string // who the key is for
	Hash      string
	Prefix    string
	Created   time.Time
	CreatedBy string
	Revoked   time.Time // zero while usable
}

// Audit entities of the API's credentials.
const (
	AuditAPIToken   = "api_token"
	AuditOpen311Key = "open311_key"
	AuditRevoke     = "revoke"
)

// Open311KeyService keeps Open311 API keys. Issuing and revoking are
// administration changes: they check RoleAdmin (EForbidden) and are
// recorded in the audit log in the same transaction.
type Open311KeyService interface {
	// AdminCreateOpen311Key stores k (Name, Hash, Prefix) and sets its ID,
	// Created and CreatedBy. EInvalid with field "name" for an empty or
	// over-long name.
	AdminCreateOpen311Key(ctx context.Context, actor Actor, k *Open311Key) error
	// AdminRevokeOpen311Key revokes key id. ENotFound for no such usable key.
	AdminRevokeOpen311Key(ctx context.Context, actor Actor, id int64) error
	// Open311Keys lists every key, usable ones first, newest first.
	// EForbidden unless actor holds RoleAdmin.
	Open311Keys(ctx context.Context, actor Actor) ([]Open311Key, error)
	// Open311Key returns the usable key whose hash is hash; ENotFound.
	Open311Key(ctx context.Context, hash string) (*Open311Key, error)
}

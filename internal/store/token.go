package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"unicode/utf8"

	"nivaran/internal/grievance"
)

var (
	_ grievance.TokenService      = (*Store)(nil)
	_ grievance.Open311KeyService = (*Store)(nil)
)

const tokenCols = "id, hash, user_id, mobile, label, created, expires, revoked, revoked_by"

func scanToken(r scanner) (grievance.APIToken, error) {
	var t grievance.APIToken
	var user, revoked sql.NullInt64
	var mobile sql.NullString
	var created, expires int64
	if err := r.Scan(&t.ID, &t.Hash, &user, &mobile, &t.Label, &created, &expires, &revoked, &t.RevokedBy); err != nil {
		return t, err
	}
	t.UserID, t.Mobile = user.Int64, mobile.String
	t.Created, t.Expires, t.Revoked = fromMs(created), fromMs(expires), fromMsNull(revoked)
	return t, nil
}

// maxLabel bounds what a client calls itself.
const maxLabel = 100

// CreateToken stores t: see grievance.TokenService.
func (s *Store) CreateToken(ctx context.Context, t *grievance.APIToken) error {
	now := s.clock()
	if t.Hash == "" || (t.UserID == 0) == (t.Mobile == "") || !t.Expires.After(now) {
		return wrap("create token", grievance.Errorf(grievance.EInvalid, "error.invalid_form"))
	}
	if !utf8.ValidString(t.Label) || utf8.RuneCountInString(t.Label) > maxLabel {
		return wrap("create token", (grievance.FieldErrors{"label": "error.label"}).Err())
	}
	var id int64
	err := s.write(ctx, func(w *wtx) error {
		var user, mobile any
		if t.UserID != 0 {
			var n int
			if err := w.QueryRowContext(w.ctx, "SELECT COUNT(*) FROM users WHERE id = ?", t.UserID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return notFound()
			}
			user = t.UserID
		} else {
			mobile = t.Mobile
		}
		// Expired tokens of the same owner go when a new one comes, so the
		// table holds live tokens and a little history, not every sign-in.
		if _, err := w.exec("DELETE FROM api_tokens WHERE expires < ? AND (user_id = ? OR mobile = ?)",
			ms(now.AddDate(0, 0, -30)), user, mobile); err != nil {
			return err
		}
		return w.QueryRowContext(w.ctx, `INSERT INTO api_tokens (hash, user_id, mobile, label, created, expires)
VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, t.Hash, user, mobile, t.Label, ms(now), ms(t.Expires)).Scan(&id)
	})
	if err != nil {
		return wrap("create token", err)
	}
	t.ID, t.Created, t.Expires = id, same(now), same(t.Expires)
	return nil
}

// Token returns the live token with hash: see grievance.TokenService.
func (s *Store) Token(ctx context.Context, hash string) (*grievance.APIToken, error) {
	t, err := scanToken(s.rdb.QueryRowContext(ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE hash = ? AND revoked IS NULL AND expires > ?",
		hash, ms(s.clock())))
	if err != nil {
		return nil, wrap("token", noRows(err))
	}
	return &t, nil
}

func ownerWhere(o grievance.TokenOwner) (string, any, error) {
	switch {
	case o.UserID != 0 && o.Mobile == "":
		return "user_id = ?", o.UserID, nil
	case o.UserID == 0 && o.Mobile != "":
		return "mobile = ?", o.Mobile, nil
	}
	return "", nil, grievance.Errorf(grievance.EInvalid, "error.invalid_form")
}

func (s *Store) listTokens(ctx context.Context, where string, args ...any) ([]grievance.APIToken, error) {
	out := []grievance.APIToken{}
	err := each(ctx, s.rdb, "SELECT "+tokenCols+" FROM api_tokens WHERE "+where, func(r scanner) error {
		t, err := scanToken(r)
		out = append(out, t)
		return err
	}, args...)
	return out, err
}

// Tokens lists the live tokens of owner: see grievance.TokenService.
func (s *Store) Tokens(ctx context.Context, owner grievance.TokenOwner) ([]grievance.APIToken, error) {
	cond, arg, err := ownerWhere(owner)
	if err != nil {
		return nil, wrap("tokens", err)
	}
	out, err := s.listTokens(ctx, cond+" AND revoked IS NULL AND expires > ? ORDER BY id DESC LIMIT 500", arg, ms(s.clock()))
	return out, wrap("tokens", err)
}

// RevokeToken revokes a live token of owner: see grievance.TokenService.
func (s *Store) RevokeToken(ctx context.Context, owner grievance.TokenOwner, id int64, by string) error {
	cond, arg, err := ownerWhere(owner)
	if err != nil {
		return wrap("revoke token", err)
	}
	now := s.clock()
	err = s.write(ctx, func(w *wtx) error {
		return oneChanged(w.exec("UPDATE api_tokens SET revoked = ?, revoked_by = ? WHERE id = ? AND "+cond+" AND revoked IS NULL AND expires > ?",
			ms(now), by, id, arg, ms(now)))
	})
	return wrap("revoke token", err)
}

// AdminTokens lists every live token: see grievance.TokenService.
func (s *Store) AdminTokens(ctx context.Context, actor grievance.Actor, limit int) ([]grievance.APIToken, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, wrap("admin tokens", err)
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	out, err := s.listTokens(ctx, "revoked IS NULL AND expires > ? ORDER BY id DESC LIMIT ?", ms(s.clock()), limit)
	return out, wrap("admin tokens", err)
}

// auditToken is a token as the audit log records it: never its hash, and a
// citizen's mobile masked.
func auditToken(t grievance.APIToken) any {
	scope := t.Scope()
	if t.Mobile != "" {
		scope = "citizen:" + grievance.MaskMobile(t.Mobile)
	}
	return map[string]any{"scope": scope, "label": t.Label, "expires": t.Expires, "revoked": t.Revoked}
}

// AdminRevokeToken revokes any live token, audited: see grievance.TokenService.
func (s *Store) AdminRevokeToken(ctx context.Context, actor grievance.Actor, id int64) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("admin revoke token", err)
	}
	now := s.clock()
	err := s.write(ctx, func(w *wtx) error {
		t, err := scanToken(w.QueryRowContext(w.ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE id = ? AND revoked IS NULL AND expires > ?", id, ms(now)))
		if err != nil {
			return noRows(err)
		}
		if _, err := w.exec("UPDATE api_tokens SET revoked = ?, revoked_by = ? WHERE id = ?", ms(now), actor.Login, id); err != nil {
			return err
		}
		after := t
		after.Revoked = same(now)
		return s.insertAudit(w, actor, grievance.AuditAPIToken, strconv.FormatInt(id, 10), grievance.AuditRevoke, auditToken(t), auditToken(after))
	})
	return wrap("admin revoke token", err)
}

const keyCols = "id, name, hash, prefix, created, created_by, revoked"

func scanKey(r scanner) (grievance.Open311Key, error) {
	var k grievance.Open311Key
	var created int64
	var revoked sql.NullInt64
	if err := r.Scan(&k.ID, &k.Name, &k.Hash, &k.Prefix, &created, &k.CreatedBy, &revoked); err != nil {
		return k, err
	}
	k.Created, k.Revoked = fromMs(created), fromMsNull(revoked)
	return k, nil
}

func auditKey(k grievance.Open311Key) any {
	return map[string]any{"name": k.Name, "prefix": k.Prefix, "revoked": k.Revoked}
}

// AdminCreateOpen311Key stores a new key, audited: see grievance.Open311KeyService.
func (s *Store) AdminCreateOpen311Key(ctx context.Context, actor grievance.Actor, k *grievance.Open311Key) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("create open311 key", err)
	}
	k.Name = strings.TrimSpace(k.Name)
	switch {
	case k.Name == "" || !utf8.ValidString(k.Name):
		return wrap("create open311 key", (grievance.FieldErrors{"name": "error.key_name"}).Err())
	case utf8.RuneCountInString(k.Name) > maxLabel:
		return wrap("create open311 key", (grievance.FieldErrors{"name": "error.key_name"}).Err())
	case k.Hash == "":
		return wrap("create open311 key", grievance.Errorf(grievance.EInvalid, "error.invalid_form"))
	}
	now := s.clock()
	var id int64
	err := s.write(ctx, func(w *wtx) error {
		err := w.QueryRowContext(w.ctx, "INSERT INTO open311_keys (name, hash, prefix, created, created_by) VALUES (?, ?, ?, ?, ?) RETURNING id",
			k.Name, k.Hash, k.Prefix, ms(now), actor.Login).Scan(&id)
		if err != nil {
			return err
		}
		return s.insertAudit(w, actor, grievance.AuditOpen311Key, strconv.FormatInt(id, 10), grievance.AuditCreate, nil, auditKey(*k))
	})
	if err != nil {
		return wrap("create open311 key", err)
	}
	k.ID, k.Created, k.CreatedBy = id, same(now), actor.Login
	return nil
}

// AdminRevokeOpen311Key revokes a key, audited: see grievance.Open311KeyService.
func (s *Store) AdminRevokeOpen311Key(ctx context.Context, actor grievance.Actor, id int64) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("revoke open311 key", err)
	}
	now := s.clock()
	err := s.write(ctx, func(w *wtx) error {
		k, err := scanKey(w.QueryRowContext(w.ctx, "SELECT "+keyCols+" FROM open311_keys WHERE id = ? AND revoked IS NULL", id))
		if err != nil {
			return noRows(err)
		}
		if _, err := w.exec("UPDATE open311_keys SET revoked = ? WHERE id = ?", ms(now), id); err != nil {
			return err
		}
		after := k
		after.Revoked = same(now)
		return s.insertAudit(w, actor, grievance.AuditOpen311Key, strconv.FormatInt(id, 10), grievance.AuditRevoke, auditKey(k), auditKey(after))
	})
	return wrap("revoke open311 key", err)
}

// Open311Keys lists every key: see grievance.Open311KeyService.
func (s *Store) Open311Keys(ctx context.Context, actor grievance.Actor) ([]grievance.Open311Key, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, wrap("open311 keys", err)
	}
	out := []grievance.Open311Key{}
	err := each(ctx, s.rdb, "SELECT "+keyCols+" FROM open311_keys ORDER BY (revoked IS NOT NULL), id DESC", func(r scanner) error {
		k, err := scanKey(r)
		out = append(out, k)
		return err
	})
	return out, wrap("open311 keys", err)
}

// Open311Key returns the usable key with hash: see grievance.Open311KeyService.
func (s *Store) Open311Key(ctx context.Context, hash string) (*grievance.Open311Key, error) {
	k, err := scanKey(s.rdb.QueryRowContext(ctx, "SELECT "+keyCols+" FROM open311_keys WHERE hash = ? AND revoked IS NULL", hash))
	if err != nil {
		return nil, wrap("open311 key", noRows(err))
	}
	return &k, nil
}

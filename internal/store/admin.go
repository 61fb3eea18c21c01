package store

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"nivaran/internal/grievance"
)

// The store keeps the audit log and the administration changes it records.
var _ grievance.AdminService = (*Store)(nil)

// auditLimit is the most entries Audit returns.
const auditLimit = 500

func requireAdmin(actor grievance.Actor) error {
	if !actor.Has(grievance.RoleAdmin) {
		return grievance.Errorf(grievance.EForbidden, "error.forbidden")
	}
	return nil
}

// auditJSON is v as the audit log keeps it; nil is "" (nothing).
func auditJSON(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// insertAudit appends one entry to the audit log in w's transaction.
func (s *Store) insertAudit(w *wtx, actor grievance.Actor, entity, key, action string, before, after any) error {
	b, err := auditJSON(before)
	if err != nil {
		return err
	}
	a, err := auditJSON(after)
	if err != nil {
		return err
	}
	_, err = w.exec(`INSERT INTO audit (at, actor_id, actor_login, entity, entity_key, action, before, after)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ms(s.clock()), actor.UserID, actor.Login, entity, key, action, b, a)
	return err
}

// auditOfficer is an officer as the audit log records it: the
// configuration, not the expansion Index makes.
func auditOfficer(o *grievance.Officer) *grievance.Officer {
	if o == nil {
		return nil
	}
	c := *o
	c.Areas = nil
	c.Jurisdiction = slices.Clone(o.Jurisdiction)
	return &c
}

// changeMasters loads the stored masters in the writer's transaction, lets
// change edit a copy, checks the copy as ReplaceMasters does, stores it and
// records the audit entry change returns. The cache is replaced on commit.
func (s *Store) changeMasters(w *wtx, actor grievance.Actor, change func(m *grievance.Masters) (auditRecord, error)) (*grievance.Masters, error) {
	cur, err := loadMasters(w.ctx, w)
	if err != nil {
		return nil, err
	}
	next := cloneMasters(cur)
	rec, err := change(next)
	if err != nil {
		return nil, err
	}
	if err := validateMasters(next); err != nil {
		return nil, err
	}
	if err := storeMasters(w, next); err != nil {
		return nil, err
	}
	loaded, err := w.mastersStored()
	if err != nil {
		return nil, err
	}
	if rec.after != nil {
		if f, ok := rec.after.(func(*grievance.Masters) any); ok {
			rec.after = f(loaded)
		}
	}
	if err := s.insertAudit(w, actor, rec.entity, rec.key, rec.action, rec.before, rec.after); err != nil {
		return nil, err
	}
	return loaded, nil
}

// auditRecord is what a change to the masters records. after may be a
// func(*grievance.Masters) any, called with the masters as stored.
type auditRecord struct {
	entity, key, action string
	before, after       any
}

// AdminSaveOfficer creates or updates an officer post: see
// grievance.AdminService.
func (s *Store) AdminSaveOfficer(ctx context.Context, actor grievance.Actor, o grievance.Officer) (int64, error) {
	if err := requireAdmin(actor); err != nil {
		return 0, wrap("admin save officer", err)
	}
	o.Code = strings.TrimSpace(o.Code)
	o.Mobile = grievance.NormalizeMobile(o.Mobile)
	if !grievance.ValidMobile(o.Mobile) {
		return 0, wrap("admin save officer", (grievance.FieldErrors{"mobile": "error.mobile"}).Err())
	}
	if !o.Language.Valid() {
		o.Language = grievance.Hindi
	}
	if len(o.Jurisdiction) == 0 {
		o.Jurisdiction = nil
	}
	o.Areas = nil
	var id int64
	err := s.write(ctx, func(w *wtx) error {
		created := false
		loaded, err := s.changeMasters(w, actor, func(m *grievance.Masters) (auditRecord, error) {
			rec := auditRecord{entity: grievance.AuditOfficer, key: o.Code, action: grievance.AuditUpdate}
			i := slices.IndexFunc(m.Officers, func(x grievance.Officer) bool { return x.Code == o.Code })
			if i < 0 {
				created, rec.action = true, grievance.AuditCreate
				o.ID, o.Active = 0, true
				m.Officers = append(m.Officers, o)
			} else {
				rec.before = auditOfficer(&m.Officers[i])
				o.ID, o.Active = m.Officers[i].ID, m.Officers[i].Active
				m.Officers[i] = o
			}
			rec.after = func(l *grievance.Masters) any {
				for i := range l.Officers {
					if l.Officers[i].Code == o.Code {
						return auditOfficer(&l.Officers[i])
					}
				}
				return nil
			}
			return rec, nil
		})
		if err != nil {
			return err
		}
		for _, x := range loaded.Officers {
			if x.Code == o.Code {
				id = x.ID
			}
		}
		if created {
			// The post's account: the login is the code; no password
			// until an administrator sets one.
			_, err := w.exec(`INSERT INTO users (login, name, password_hash, roles, officer_id, language, disabled,
must_change, failed_logins, locked_until, created) VALUES (?, ?, '', ?, ?, ?, 0, 1, 0, NULL, ?) ON CONFLICT (login) DO NOTHING`,
				normLogin(o.Code), o.Name, string(grievance.RoleOfficer), id, string(o.Language), ms(s.clock()))
			return err
		}
		return nil
	})
	if err != nil {
		return 0, wrap("admin save officer", err)
	}
	return id, nil
}

// auditCategory is a category as the audit log records it, with the ladder
// as it is written.
func auditCategory(c grievance.Category) any {
	return struct {
		Code           string
		Department     string
		Name           grievance.Text
		ResolutionDays int
		Escalation     string
		RequirePhoto   bool
		Active         bool
	}{c.Code, c.Department, c.Name, c.ResolutionDays, grievance.FormatLadder(c.Escalation), c.RequirePhoto, c.Active}
}

// auditUser is an account as the audit log records it: never the hash.
func auditUser(u *grievance.User) any {
	return struct {
		ID         int64
		Login      string
		Name       string
		Roles      []grievance.Role
		OfficerID  int64
		Disabled   bool
		MustChange bool
	}{u.ID, u.Login, u.Name, u.Roles, u.OfficerID, u.Disabled, u.MustChange}
}

// changeUser runs update on a user's row and records the change.
func (s *Store) changeUser(w *wtx, actor grievance.Actor, userID int64, action string, update func() error) error {
	before, err := scanUser(w.QueryRowContext(w.ctx, "SELECT "+userCols+" FROM users WHERE id = ?", userID))
	if err != nil {
		return noRows(err)
	}
	if err := update(); err != nil {
		return err
	}
	after, err := scanUser(w.QueryRowContext(w.ctx, "SELECT "+userCols+" FROM users WHERE id = ?", userID))
	if err != nil {
		return err
	}
	return s.insertAudit(w, actor, grievance.AuditUser, before.Login, action, auditUser(before), auditUser(after))
}

// AdminSetUserDisabled disables or enables an account: see
// grievance.AdminService.
func (s *Store) AdminSetUserDisabled(ctx context.Context, actor grievance.Actor, userID int64, disabled bool) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("admin set user disabled", err)
	}
	action := grievance.AuditEnable
	if disabled {
		action = grievance.AuditDisable
	}
	err := s.write(ctx, func(w *wtx) error {
		return s.changeUser(w, actor, userID, action, func() error {
			if _, err := w.exec("UPDATE users SET disabled = ? WHERE id = ?", b2i(disabled), userID); err != nil {
				return err
			}
			if disabled {
				_, err := w.exec("DELETE FROM sessions WHERE user_id = ?", userID)
				return err
			}
			return nil
		})
	})
	return wrap("admin set user disabled", err)
}

// AdminResetPassword sets a password that must be changed: see
// grievance.AdminService.
func (s *Store) AdminResetPassword(ctx context.Context, actor grievance.Actor, userID int64, hash string) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("admin reset password", err)
	}
	if hash == "" {
		return wrap("admin reset password", grievance.Errorf(grievance.EInvalid, "error.invalid_form"))
	}
	err := s.write(ctx, func(w *wtx) error {
		return s.changeUser(w, actor, userID, grievance.AuditResetPassword, func() error {
			if _, err := w.exec("UPDATE users SET password_hash = ?, must_change = 1, failed_logins = 0, locked_until = NULL WHERE id = ?",
				hash, userID); err != nil {
				return err
			}
			_, err := w.exec("DELETE FROM sessions WHERE user_id = ?", userID)
			return err
		})
	})
	return wrap("admin reset password", err)
}

// AdminDisableOfficer ends an officer post, moving its open complaints: see
// grievance.AdminService.
func (s *Store) AdminDisableOfficer(ctx context.Context, actor grievance.Actor, officerID, to int64) (int, error) {
	if err := requireAdmin(actor); err != nil {
		return 0, wrap("admin disable officer", err)
	}
	st := s.state()
	now := s.clock()
	moved := 0
	err := s.write(ctx, func(w *wtx) error {
		m, err := w.indexedMasters()
		if err != nil {
			return err
		}
		o := m.Officer(officerID)
		if o == nil {
			return notFound()
		}
		if !o.Active {
			return grievance.Errorf(grievance.EConflict, "admin.error.inactive")
		}
		var target *grievance.Officer
		if to != 0 {
			target = m.Officer(to)
			if target == nil || target.ID == o.ID || !target.Active || target.Department != o.Department {
				return (grievance.FieldErrors{"to": "admin.error.to"}).Err()
			}
		}
		var open []*grievance.Complaint
		err = each(w.ctx, w, "SELECT "+complaintCols+" FROM complaints WHERE assignee_id = ? AND status NOT IN (?, ?, ?) ORDER BY id",
			func(r scanner) error {
				c, err := scanComplaint(r)
				if err == nil {
					open = append(open, c)
				}
				return err
			}, o.ID, string(closedStatuses[0]), string(closedStatuses[1]), string(closedStatuses[2]))
		if err != nil {
			return err
		}
		var numbers []string
		for _, c := range open {
			if target != nil && !target.Covers(c.Area) {
				return (grievance.FieldErrors{"to": "admin.error.to"}).Err()
			}
			days := triageDays
			if cat := m.Category(c.Category); cat != nil {
				days = cat.ResolutionDays
			}
			a := grievance.Action{Kind: grievance.ActReassign, Department: c.Department, Target: target,
				Due: same(st.cal.DueAfter(now, days))}
			prevDue := c.Due
			ev, err := grievance.Apply(c, a, actor, now)
			if err != nil {
				if e := grievance.AsError(err); e.Code == grievance.EInvalid {
					return (grievance.FieldErrors{"to": "admin.error.to"}).Err()
				}
				return err
			}
			if err := updateComplaint(w, c, prevDue); err != nil {
				return err
			}
			if err := insertEvent(w, &ev); err != nil {
				return err
			}
			if err := s.queueMessages(w, c, ev, m, now); err != nil {
				return err
			}
			if err := s.published(w, c, ev); err != nil {
				return err
			}
			numbers = append(numbers, c.Number)
		}
		if _, err := w.exec("UPDATE officers SET active = 0 WHERE id = ?", o.ID); err != nil {
			return err
		}
		if _, err := w.exec("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE officer_id = ?)", o.ID); err != nil {
			return err
		}
		if _, err := w.exec("UPDATE users SET disabled = 1 WHERE officer_id = ?", o.ID); err != nil {
			return err
		}
		after := auditOfficer(o)
		after.Active = false
		dest := "control_room"
		if target != nil {
			dest = target.Code
		}
		rec := struct {
			*grievance.Officer
			Moved []string
			To    string
		}{after, numbers, dest}
		if err := s.insertAudit(w, actor, grievance.AuditOfficer, o.Code, grievance.AuditDisable, auditOfficer(o), rec); err != nil {
			return err
		}
		if _, err := w.mastersStored(); err != nil {
			return err
		}
		moved = len(numbers)
		return nil
	})
	if err != nil {
		return 0, wrap("admin disable officer", err)
	}
	return moved, nil
}

// ReplaceMastersAs is ReplaceMasters recorded in the audit log: see
// grievance.AdminService.
func (s *Store) ReplaceMastersAs(ctx context.Context, actor grievance.Actor, m *grievance.Masters, entity string) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("replace masters", err)
	}
	if m == nil {
		return wrap("replace masters", mastersInvalid("masters: missing"))
	}
	if err := validateMasters(m); err != nil {
		return wrap("replace masters", err)
	}
	c := cloneMasters(m)
	err := s.write(ctx, func(w *wtx) error {
		before, err := loadMasters(w.ctx, w)
		if err != nil {
			return err
		}
		if err := storeMasters(w, c); err != nil {
			return err
		}
		loaded, err := w.mastersStored()
		if err != nil {
			return err
		}
		var b, a any = before, loaded
		if entity == grievance.AuditHoliday {
			b, a = before.Holidays, loaded.Holidays
		}
		if err := s.insertAudit(w, actor, entity, "", grievance.AuditImport, b, a); err != nil {
			return err
		}
		return nil
	})
	return wrap("replace masters", err)
}

// OpenByOfficer counts open complaints by assignee: see
// grievance.AdminService.
func (s *Store) OpenByOfficer(ctx context.Context) (map[int64]int, error) {
	out := map[int64]int{}
	err := each(ctx, s.rdb, "SELECT assignee_id, COUNT(*) FROM complaints WHERE assignee_id IS NOT NULL AND status NOT IN (?, ?, ?) GROUP BY assignee_id",
		func(r scanner) error {
			var id int64
			var n int
			if err := r.Scan(&id, &n); err != nil {
				return err
			}
			out[id] = n
			return nil
		}, string(closedStatuses[0]), string(closedStatuses[1]), string(closedStatuses[2]))
	if err != nil {
		return nil, wrap("open by officer", err)
	}
	return out, nil
}

// Audit returns audit entries, newest first: see grievance.AuditService.
func (s *Store) Audit(ctx context.Context, f grievance.AuditFilter) ([]grievance.AuditEntry, error) {
	var where []string
	var args []any
	if f.Entity != "" {
		where, args = append(where, "entity = ?"), append(args, f.Entity)
	}
	if f.Actor != "" {
		where, args = append(where, "actor_login = ?"), append(args, normLogin(f.Actor))
	}
	if !f.From.IsZero() {
		where, args = append(where, "at >= ?"), append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "at < ?"), append(args, ms(f.To))
	}
	limit := f.Limit
	if limit <= 0 || limit > auditLimit {
		limit = auditLimit
	}
	q := "SELECT id, at, actor_id, actor_login, entity, entity_key, action, before, after FROM audit"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	var out []grievance.AuditEntry
	err := each(ctx, s.rdb, q, func(r scanner) error {
		var e grievance.AuditEntry
		var at int64
		if err := r.Scan(&e.ID, &at, &e.ActorID, &e.ActorLogin, &e.Entity, &e.EntityKey, &e.Action, &e.Before, &e.After); err != nil {
			return err
		}
		e.At = fromMs(at)
		out = append(out, e)
		return nil
	}, args...)
	if err != nil {
		return nil, wrap("audit", err)
	}
	return out, nil
}

package store

import (
	"context"
	"slices"
	"strings"

	"nivaran/internal/grievance"
)

// AdminSaveCategory creates or updates a category: see
// grievance.AdminService.
func (s *Store) AdminSaveCategory(ctx context.Context, actor grievance.Actor, c grievance.Category) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("admin save category", err)
	}
	c.Code = strings.TrimSpace(c.Code)
	c.Escalation = slices.Clone(c.Escalation)
	fe := grievance.FieldErrors{}
	if c.Code == "" {
		fe.Add("code", "admin.error.code")
	}
	if strings.TrimSpace(c.Name.Hi) == "" || strings.TrimSpace(c.Name.En) == "" {
		fe.Add("name", "admin.error.names")
	}
	if c.ResolutionDays < 1 {
		fe.Add("resolution_days", "admin.error.days")
	}
	if err := fe.Err(); err != nil {
		return wrap("admin save category", err)
	}
	err := s.write(ctx, func(w *wtx) error {
		_, err := s.changeMasters(w, actor, func(m *grievance.Masters) (auditRecord, error) {
			if !slices.ContainsFunc(m.Departments, func(d grievance.Department) bool { return d.Code == c.Department }) {
				return auditRecord{}, (grievance.FieldErrors{"department": "admin.error.department"}).Err()
			}
			rec := auditRecord{entity: grievance.AuditCategory, key: c.Code, action: grievance.AuditCreate, after: auditCategory(c)}
			i := slices.IndexFunc(m.Categories, func(x grievance.Category) bool { return x.Code == c.Code })
			if i < 0 {
				m.Categories = append(m.Categories, c)
			} else {
				rec.action, rec.before = grievance.AuditUpdate, auditCategory(m.Categories[i])
				m.Categories[i] = c
			}
			return rec, nil
		})
		return err
	})
	return wrap("admin save category", err)
}

// AdminEnableOfficer makes an officer post active again: see
// grievance.AdminService.
func (s *Store) AdminEnableOfficer(ctx context.Context, actor grievance.Actor, officerID int64) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("admin enable officer", err)
	}
	err := s.write(ctx, func(w *wtx) error {
		m, err := w.indexedMasters()
		if err != nil {
			return err
		}
		o := m.Officer(officerID)
		if o == nil {
			return notFound()
		}
		if o.Active {
			return grievance.Errorf(grievance.EConflict, "admin.error.active")
		}
		if _, err := w.exec("UPDATE officers SET active = 1 WHERE id = ?", o.ID); err != nil {
			return err
		}
		if _, err := w.exec("UPDATE users SET disabled = 0 WHERE officer_id = ?", o.ID); err != nil {
			return err
		}
		after := auditOfficer(o)
		after.Active = true
		if err := s.insertAudit(w, actor, grievance.AuditOfficer, o.Code, grievance.AuditEnable, auditOfficer(o), after); err != nil {
			return err
		}
		if _, err := w.mastersStored(); err != nil {
			return err
		}
		return nil
	})
	return wrap("admin enable officer", err)
}

// AdminDeleteArea removes an area nothing refers to: see
// grievance.AdminService.
func (s *Store) AdminDeleteArea(ctx context.Context, actor grievance.Actor, code string) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("admin delete area", err)
	}
	err := s.write(ctx, func(w *wtx) error {
		// Complaints keep their area's code: a complaint (open or closed)
		// naming the area would lose its place in reports and scorecards.
		var complaints int
		if err := w.QueryRowContext(w.ctx, "SELECT COUNT(*) FROM complaints WHERE area = ?", code).Scan(&complaints); err != nil {
			return err
		}
		_, err := s.changeMasters(w, actor, func(m *grievance.Masters) (auditRecord, error) {
			i := slices.IndexFunc(m.Areas, func(a grievance.Area) bool { return a.Code == code })
			if i < 0 {
				return auditRecord{}, notFound()
			}
			children, officers, rules := 0, 0, 0
			for _, a := range m.Areas {
				if a.Parent == code {
					children++
				}
			}
			for _, o := range m.Officers {
				if slices.Contains(o.Jurisdiction, code) {
					officers++
				}
			}
			for _, r := range m.Rules {
				if r.Area == code {
					rules++
				}
			}
			switch {
			case children > 0:
				return auditRecord{}, grievance.Errorf(grievance.EConflict, "admin.error.area_children", children)
			case complaints > 0:
				return auditRecord{}, grievance.Errorf(grievance.EConflict, "admin.error.area_complaints", complaints)
			case officers > 0:
				return auditRecord{}, grievance.Errorf(grievance.EConflict, "admin.error.area_officers", officers)
			case rules > 0:
				return auditRecord{}, grievance.Errorf(grievance.EConflict, "admin.error.area_rules", rules)
			}
			before := m.Areas[i]
			m.Areas = slices.Delete(m.Areas, i, i+1)
			return auditRecord{entity: grievance.AuditArea, key: code, action: grievance.AuditDelete, before: before}, nil
		})
		return err
	})
	return wrap("admin delete area", err)
}

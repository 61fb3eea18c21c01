package store

import (
	"context"
	"slices"
	"strings"

	"nivaran/internal/grievance"
)

// maxLevels is the most levels a department's ladder may have.
const maxLevels = 6

// AdminSaveDepartment creates or updates a department: see
// grievance.AdminService.
func (s *Store) AdminSaveDepartment(ctx context.Context, actor grievance.Actor, d grievance.Department) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("admin save department", err)
	}
	d.Code = strings.TrimSpace(d.Code)
	d.Levels = slices.Clone(d.Levels)
	fe := grievance.FieldErrors{}
	if d.Code == "" {
		fe.Add("code", "admin.error.code")
	}
	if strings.TrimSpace(d.Name.Hi) == "" || strings.TrimSpace(d.Name.En) == "" {
		fe.Add("name", "admin.error.names")
	}
	if len(d.Levels) == 0 || len(d.Levels) > maxLevels {
		fe.Add("levels", "admin.error.levels")
	}
	for _, l := range d.Levels {
		if strings.TrimSpace(l.Hi) == "" || strings.TrimSpace(l.En) == "" {
			fe.Add("levels", "admin.error.levels")
		}
	}
	if err := fe.Err(); err != nil {
		return wrap("admin save department", err)
	}
	err := s.write(ctx, func(w *wtx) error {
		_, err := s.changeMasters(w, actor, func(m *grievance.Masters) (auditRecord, error) {
			// Officers (active or not) must keep a level on the ladder:
			// say so on the field rather than as a masters row.
			for _, o := range m.Officers {
				if o.Department == d.Code && o.Level > len(d.Levels) {
					return auditRecord{}, (grievance.FieldErrors{"levels": "admin.error.levels_occupied"}).Err()
				}
			}
			rec := auditRecord{entity: grievance.AuditDepartment, key: d.Code, action: grievance.AuditCreate, after: d}
			i := slices.IndexFunc(m.Departments, func(x grievance.Department) bool { return x.Code == d.Code })
			if i < 0 {
				m.Departments = append(m.Departments, d)
			} else {
				rec.action, rec.before = grievance.AuditUpdate, m.Departments[i]
				m.Departments[i] = d
			}
			return rec, nil
		})
		return err
	})
	return wrap("admin save department", err)
}

// AdminSaveArea creates or updates an area: see grievance.AdminService.
func (s *Store) AdminSaveArea(ctx context.Context, actor grievance.Actor, a grievance.Area) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("admin save area", err)
	}
	a.Code, a.Parent = strings.TrimSpace(a.Code), strings.TrimSpace(a.Parent)
	fe := grievance.FieldErrors{}
	if a.Code == "" {
		fe.Add("code", "admin.error.code")
	}
	switch a.Kind {
	case grievance.AreaTehsil, grievance.AreaBlock, grievance.AreaZone, grievance.AreaWard:
	default:
		fe.Add("kind", "admin.error.kind")
	}
	if strings.TrimSpace(a.Name.Hi) == "" || strings.TrimSpace(a.Name.En) == "" {
		fe.Add("name", "admin.error.names")
	}
	if err := fe.Err(); err != nil {
		return wrap("admin save area", err)
	}
	err := s.write(ctx, func(w *wtx) error {
		_, err := s.changeMasters(w, actor, func(m *grievance.Masters) (auditRecord, error) {
			rec := auditRecord{entity: grievance.AuditArea, key: a.Code, action: grievance.AuditCreate, after: a}
			i := slices.IndexFunc(m.Areas, func(x grievance.Area) bool { return x.Code == a.Code })
			if i < 0 {
				m.Areas = append(m.Areas, a)
			} else {
				rec.action, rec.before = grievance.AuditUpdate, m.Areas[i]
				m.Areas[i] = a
			}
			if err := checkParent(m.Areas, a); err != nil {
				return auditRecord{}, err
			}
			return rec, nil
		})
		return err
	})
	return wrap("admin save area", err)
}

// checkParent names the field when a's parent is unknown or would make the
// areas a cycle; validateMasters would only name the row.
func checkParent(areas []grievance.Area, a grievance.Area) error {
	parent := map[string]string{}
	for _, x := range areas {
		parent[x.Code] = x.Parent
	}
	p := a.Parent
	for n := 0; p != ""; n++ {
		up, ok := parent[p]
		if !ok {
			return (grievance.FieldErrors{"parent": "admin.error.parent"}).Err()
		}
		if p == a.Code || n > len(areas) {
			return (grievance.FieldErrors{"parent": "admin.error.cycle"}).Err()
		}
		p = up
	}
	return nil
}

// ruleKey is a routing rule's key in the audit log: "category:area", with
// "*" for every area.
func ruleKey(r grievance.RoutingRule) string {
	area := r.Area
	if area == "" {
		area = "*"
	}
	return r.Category + ":" + area
}

// AdminSaveRule adds a routing rule: see grievance.AdminService.
func (s *Store) AdminSaveRule(ctx context.Context, actor grievance.Actor, r grievance.RoutingRule) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("admin save rule", err)
	}
	err := s.write(ctx, func(w *wtx) error {
		_, err := s.changeMasters(w, actor, func(m *grievance.Masters) (auditRecord, error) {
			if slices.ContainsFunc(m.Rules, func(x grievance.RoutingRule) bool { return x.Category == r.Category && x.Area == r.Area }) {
				return auditRecord{}, (grievance.FieldErrors{"area": "admin.error.rule_exists"}).Err()
			}
			m.Rules = append(m.Rules, r)
			return auditRecord{entity: grievance.AuditRule, key: ruleKey(r), action: grievance.AuditCreate, after: r}, nil
		})
		return err
	})
	return wrap("admin save rule", err)
}

// AdminDeleteRule removes a routing rule: see grievance.AdminService.
func (s *Store) AdminDeleteRule(ctx context.Context, actor grievance.Actor, r grievance.RoutingRule) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("admin delete rule", err)
	}
	err := s.write(ctx, func(w *wtx) error {
		_, err := s.changeMasters(w, actor, func(m *grievance.Masters) (auditRecord, error) {
			i := slices.Index(m.Rules, r)
			if i < 0 {
				return auditRecord{}, notFound()
			}
			m.Rules = slices.Delete(m.Rules, i, i+1)
			return auditRecord{entity: grievance.AuditRule, key: ruleKey(r), action: grievance.AuditDelete, before: r}, nil
		})
		return err
	})
	return wrap("admin delete rule", err)
}
